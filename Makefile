# Works on a fresh machine with only python3: every target creates .venv and installs pinned dependencies.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv run test lint format typecheck check package bench clean sdk

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## make run: the whole stack on 127.0.0.1 (moto AWS, REST :8000, websocket :8001, scheduler). Ctrl-C stops it.
run: venv
	$(BIN)/python -m devstack

## make sdk: the web SDK → sdk/js/dist/yuntong-chat.mjs (+ .d.ts); `npm ci` runs only when package-lock.json changed.
SDK := sdk/js
SDK_STAMP := $(SDK)/node_modules/.installed-stamp

$(SDK_STAMP): $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $(SDK_STAMP)

sdk: $(SDK_STAMP)
	cd $(SDK) && npm run --silent build

## make test: the full suite (unit, integration, api, e2e incl. the SDK's node tests, packaging check), in parallel:
## one pytest-xdist worker per core (TEST_WORKERS=1 for one process); each worker takes half the tests in order (the
## slowest files first: tests/conftest.py SLOW_FIRST) and a worker that runs out takes over half of what the other
## has left (--dist worksteal), so both end together; a file's tests mostly stay on one worker, which builds its
## module fixtures (the packaged template, the in-process stack); each worker has its own moto world and local stack.
TEST_WORKERS ?= auto
test: venv sdk
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layers' import contracts (.importlinter, docs/architecture.md)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: venv
	$(BIN)/mypy

check: lint typecheck test

bench: venv
	$(BIN)/python -m bench

## make package: build/package/{sam.json,deployment.zip} for stage prod: tables, IAM and settings merged, cfn-lint clean;
## build/package/site/: the web app (web/ + the SDK bundle) for `python -m deploy.site upload`.
package: venv sdk
	$(BIN)/python -m deploy.package --stage prod --out build/package

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
