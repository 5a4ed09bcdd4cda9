"""History export over the local stack: a message sent over REST reaches the stream poller (devstack/streams.py),
which counts it and appends it to its hour's chunk; `yuntong history-export run --now` assembles the hour, and
open_msg_svc/get_history lists a presigned URL whose gunzipped file holds the message (Tencent's fields)."""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.harness import LocalStack

pytestmark = pytest.mark.e2e


def _today(stack: LocalStack) -> dict[str, str]:
    out = stack.rest("openconfigsvr/get_today_info", {}).json()
    assert out["ErrorCode"] == 0, out
    result: dict[str, str] = out["Result"]
    return result


def test_a_sent_message_is_counted_from_the_stream_and_exported_for_get_history(stack: LocalStack) -> None:
    tag = uuid.uuid4().hex[:8]
    alice, bob = f"hx_a_{tag}", f"hx_b_{tag}"
    for user in (alice, bob):
        assert stack.rest("im_open_login_svc/account_import", {"UserID": user}).json()["ErrorCode"] == 0
    before = int(_today(stack)["C2CUpMsgNum"])
    text = f"export me {tag} 你好"
    body = {
        "From_Account": alice,
        "To_Account": bob,
        "MsgRandom": 1,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
    }
    sent = stack.rest("openim/sendmsg", body).json()
    assert sent["ErrorCode"] == 0, sent

    deadline = time.monotonic() + 30  # the poller reads the stream about 5 times a second
    while int(_today(stack)["C2CUpMsgNum"]) <= before:
        assert time.monotonic() < deadline, "the stream poller never counted the message"
        time.sleep(0.2)

    out = stack.cli("history-export", "run", "--now")
    assert "file(s) assembled" in out, out
    hour = datetime.fromtimestamp(sent["MsgTime"], ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d%H")  # the demo app's
    listed = stack.rest("open_msg_svc/get_history", {"ChatType": "C2C", "MsgTime": hour}).json()
    assert listed["ErrorCode"] == 0 and len(listed["File"]) == 1, listed
    file = listed["File"][0]
    packed = requests.get(file["URL"], timeout=15).content
    assert (len(packed), hashlib.md5(packed).hexdigest()) == (file["GzipSize"], file["GzipMD5"])
    content = gzip.decompress(packed)
    assert (len(content), hashlib.md5(content).hexdigest()) == (file["FileSize"], file["FileMD5"])
    lines = [json.loads(line) for line in content.decode("utf-8").splitlines()]
    mine = [m for m in lines if m.get("From_Account") == alice]
    assert len(mine) == 1, lines
    assert mine[0]["To_Account"] == bob and mine[0]["MsgBody"][0]["MsgContent"]["Text"] == text
    assert mine[0]["MsgRandom"] == 1 and mine[0]["MsgTimestamp"] == sent["MsgTime"]

    bad = stack.rest("open_msg_svc/get_history", {"ChatType": "Both", "MsgTime": hour}).json()
    assert bad["ErrorCode"] == 70402, bad
    refused = stack.rest("open_msg_svc/get_history", {"ChatType": "C2C", "MsgTime": hour}, identifier=alice).json()
    assert refused["ErrorCode"] != 0, refused
