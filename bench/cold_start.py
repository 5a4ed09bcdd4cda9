"""Cold import time of app.py against a bare Chalice + PynamoDB + boto3 app, in fresh interpreters (what a Lambda
cold start pays before its first request). Issue 15's goal: app.py within 1.2x of the bare import.

app.py imports only its edges (chalicelib/api/rest.py, ws.py, tasks.py, the jobs); the services, stores, command
modules, Pillow and the word lists are imported by the first request that needs them (chalicelib/wiring.py builds
the services on first use, chalicelib/api/registry.py imports the command modules on the first lookup). The second
figure is that first request's import bill: every module a send needs, still without a single AWS call.
"""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
# What any Chalice + PynamoDB app on boto3 imports, with no code of its own.
BARE_APP = (
    "import boto3\nimport pynamodb.attributes\nimport pynamodb.models\nfrom chalice import Chalice\n\n"
    'app = Chalice(app_name="bare")\n'
)
_FIRST_REQUEST = (
    "import time; t = time.perf_counter(); import app\n"
    "from chalicelib.api import registry; from chalicelib import wiring\n"
    "registry.names(); wiring.build(); print(time.perf_counter() - t)"
)
_TIMED_IMPORT = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A Lambda zip holds no bytecode and /var/task is read-only: the app's own modules compile at every cold
    # start, while the runtime's libraries come with theirs. Copies without __pycache__ and no writing do the same.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def _copy_app(dest: Path) -> Path:
    dest.mkdir()
    shutil.copy(ROOT / "app.py", dest / "app.py")
    shutil.copytree(ROOT / "chalicelib", dest / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def import_seconds(project: Path, env: dict[str, str], script: str = _TIMED_IMPORT) -> float:
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def heaviest_packages(project: Path, env: dict[str, str], top: int = 5) -> list[tuple[str, float]]:
    """Self import time per top-level package (python -X importtime), heaviest first."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = defaultdict(float)
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        totals[name.split(".")[0]] += int(self_us) / 1e6
    return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]


def main() -> None:
    env = _env()
    with tempfile.TemporaryDirectory(prefix="yuntong-bench-") as tmp:
        project = _copy_app(Path(tmp) / "app")
        bare = Path(tmp) / "bare"
        bare.mkdir()
        (bare / "app.py").write_text(BARE_APP)
        ours: list[float] = []
        base: list[float] = []
        first: list[float] = []
        compiled_first: list[float] = []
        compiled = _copy_app(Path(tmp) / "compiled")
        # what a zip carrying the app's bytecode would load (checked against no source timestamp)
        compileall.compile_dir(str(compiled), quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        for _ in range(RUNS):  # interleaved, so a busy machine slows all alike
            ours.append(import_seconds(project, env))
            base.append(import_seconds(bare, env))
            first.append(import_seconds(project, env, _FIRST_REQUEST))
            compiled_first.append(import_seconds(compiled, env, _FIRST_REQUEST))
        heavy = heaviest_packages(project, env)
    app_s, bare_s, first_s = (statistics.median(xs) for xs in (ours, base, first))

    def line(label: str, xs: list[float]) -> str:
        return f"  {label:<34}{statistics.median(xs) * 1000:6.0f} ms  ({min(xs) * 1000:.0f}-{max(xs) * 1000:.0f})"

    print(f"Cold import of app.py vs a bare Chalice + PynamoDB + boto3 app: {RUNS} fresh interpreters each, median")
    print("(min-max)")
    print(line("app.py", ours))
    print(line("bare Chalice + PynamoDB + boto3", base))
    print(f"  {'ratio (goal <= 1.2 x)':<34}{app_s / bare_s:6.2f} x  (+{(app_s - bare_s) * 1000:.0f} ms)")
    print(line("app.py + first request's imports", first) + "  (all commands registered, services built)")
    print(f"  {'  ratio':<34}{first_s / bare_s:6.2f} x")
    print(line("  the same, bytecode in the zip", compiled_first) + "  (compileall, unchecked-hash .pyc)")
    print(f"  {'  ratio':<34}{statistics.median(compiled_first) / bare_s:6.2f} x")
    print("  heaviest imports of app.py (self time): " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in heavy))
    print("  (app code compiled from source each run, as from a Lambda zip; libraries use their bytecode)")


if __name__ == "__main__":
    main()
