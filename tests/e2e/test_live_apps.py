"""Apps created while the local stack runs: `yuntong app create` (another process, as an operator would) makes an
app whose first call succeeds, and one whose absence the server had cached answers within about a second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
import requests
from TLSSigAPIv2 import TLSSigAPIv2

from tests.e2e.harness import ROOT, LocalStack

pytestmark = pytest.mark.e2e

KEY = "e2e-live-app-key"


def _create(stack: LocalStack, sdkappid: int) -> None:
    env = {**os.environ, "YUNTONG_AWS_PORT": str(stack.aws_port)}  # the CLI finds the stack's moto by its port
    env.pop("YUNTONG_DYNAMODB_ENDPOINT", None)
    argv = ["app", "create", "--sdkappid", str(sdkappid), "--name", "live", "--admin", "admin", "--key", KEY]
    proc = subprocess.run(
        [sys.executable, "-m", "yuntong_cli.main", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def _check(stack: LocalStack, sdkappid: int) -> dict[str, object]:
    sig = TLSSigAPIv2(sdkappid, KEY).gen_sig("admin")
    query = urlencode({"sdkappid": sdkappid, "identifier": "admin", "usersig": sig, "random": 1, "contenttype": "json"})
    body = json.dumps({"CheckItem": [{"UserID": "admin"}]})
    reply = requests.post(f"{stack.rest_url}/im_open_login_svc/account_check?{query}", data=body, timeout=15)
    doc: dict[str, object] = reply.json()
    return doc


def test_an_app_created_while_the_stack_runs_answers_its_first_call(stack: LocalStack) -> None:
    sdkappid = 1400007001 + os.getpid() % 1000  # distinct per xdist worker, though each worker has its own stack
    _create(stack, sdkappid)
    assert _check(stack, sdkappid)["ErrorCode"] == 0


def test_an_app_looked_up_before_it_existed_answers_within_seconds_of_its_creation(stack: LocalStack) -> None:
    sdkappid = 1400008001 + os.getpid() % 1000
    assert _check(stack, sdkappid)["ErrorCode"] == 70020  # its absence is now cached
    _create(stack, sdkappid)
    created = time.monotonic()
    while (code := _check(stack, sdkappid)["ErrorCode"]) != 0 and time.monotonic() - created < 5:
        time.sleep(0.2)
    assert code == 0
    assert time.monotonic() - created < 3
