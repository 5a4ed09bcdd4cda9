"""The web SDK's own tests (node's test runner, sdk/js/test/*.test.mjs) against the stack the suite started.

The sync engine's unit tests (a fake transport) run in the same node process; the stack tests get the stack from the
environment. `make test` builds the SDK first (`make sdk`); run alone, this test builds it when the bundle is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.e2e.harness import ROOT, LocalStack

pytestmark = pytest.mark.e2e

SDK = ROOT / "sdk" / "js"
BUNDLE = SDK / "dist" / "yuntong-chat.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (>= 20) is needed for the SDK tests: install Node.js")
    return node


def _ensure_built() -> None:
    if not BUNDLE.exists():
        done = subprocess.run(["make", "sdk"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"make sdk failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def test_the_sdk_node_tests_pass_against_the_stack(stack: LocalStack) -> None:
    node = _node()
    _ensure_built()
    files = sorted(str(p.relative_to(SDK)) for p in (SDK / "test").glob("*.test.mjs"))
    assert files, "no SDK tests found"
    env = {
        **os.environ,
        "YUNTONG_REST_URL": stack.rest_url,
        "YUNTONG_WS_URL": stack.ws_url,
        "YUNTONG_SDKAPPID": str(stack.sdkappid),
        "YUNTONG_SECRET_KEY": stack.key,
        "YUNTONG_ADMIN": stack.admin,
    }
    done = subprocess.run(
        [node, "--test", "--test-reporter=tap", *files],
        cwd=SDK,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"node --test exited with {done.returncode}:\n{output[-20000:]}"
    # the stack tests skip themselves without the environment: make sure none was skipped here
    assert "# fail 0" in output and "# skipped 0" in output, output[-5000:]
