"""Offline push over the local stack (`python -m devstack`, SNS in moto): what a phone would have received is at
GET /dev/pushes. Register a token, log out, get pushed C2C and group messages with title, text, badge and Ext; an
online account gets none; "receive without push" gets none; a 3 KB Desc is cut to fit; a disabled endpoint is
dropped; bad input gets its code."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import boto3
import pytest
import requests

from chalicelib.domain.offline_push import APNS_PAYLOAD_LIMIT
from tests.e2e.harness import LocalStack, WsClient

pytestmark = pytest.mark.e2e

_run = itertools.count(1)


def _names(*users: str) -> list[str]:
    n = next(_run)
    return [f"{user}-push{n}" for user in users]


def _rest(stack: LocalStack, name: str, body: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    reply = stack.rest(name, body, identifier)
    assert reply.status_code == 200, reply.text
    out: dict[str, Any] = reply.json()
    return out


def _ok(stack: LocalStack, name: str, body: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    out = _rest(stack, name, body, identifier)
    assert out["ActionStatus"] == "OK", out
    return out


def _call(client: WsClient, cmd: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    req = next(_run)
    client.send_json({"reqId": req, "cmd": cmd, "body": body or {}})
    while True:
        frame = client.recv_json(timeout=15)
        if frame.get("reqId") == req:
            out: dict[str, Any] = frame
            return out


def _pushes(stack: LocalStack, token: str) -> list[dict[str, Any]]:
    reply = requests.get(f"http://127.0.0.1:{stack.http_port}/dev/pushes", timeout=10)
    assert reply.status_code == 200 and "Pushes" in reply.json(), reply.text[:300]
    return [p for p in reply.json()["Pushes"] if p.get("Token") == token]


def _send(stack: LocalStack, sender: str, recipient: str, text: str, **extra: Any) -> None:
    body = {"From_Account": sender, "To_Account": recipient, "MsgRandom": next(_run), **extra}
    body["MsgBody"] = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
    _ok(stack, "openim/sendmsg", body)


def _wait(stack: LocalStack, token: str, count: int) -> list[dict[str, Any]]:
    """Pushes go through the task queue (SQS in moto, polled by the stack): wait for them."""
    import time

    deadline = time.monotonic() + 20
    while True:
        found = _pushes(stack, token)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _devices_gone(stack: LocalStack, user: str) -> bool:
    import time

    deadline = time.monotonic() + 20
    while _ok(stack, "offline_push/get_devices", {"UserID": user})["DeviceList"]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _offline(stack: LocalStack, user: str) -> None:
    """The closed socket's $disconnect has run: the account has no online terminal."""
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = _ok(stack, "openim/query_online_status", {"To_Account": [user]})
        if out["QueryResult"][0]["Status"] == "Offline":
            return
        time.sleep(0.1)
    raise AssertionError(f"{user} is still online")


def _settle(stack: LocalStack) -> None:
    """Let the queue drain: a push that should not happen has had its chance."""
    import time

    time.sleep(2.5)


def test_pushes_reach_a_logged_out_account_and_only_when_they_should(stack: LocalStack) -> None:
    alice, bob, carol = _names("alice", "bob", "carol")
    for user in (alice, bob, carol):
        _ok(stack, "im_open_login_svc/account_import", {"UserID": user, "Nick": f"Nick of {user}"})
    token, carol_token = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2

    # alice registers her iPhone's token over her socket, then logs out keeping it
    with stack.ws_connect(alice, "iPhone") as client:
        reply = _call(client, "offline_push/set_device", {"Platform": "APNS", "Token": token})
        assert reply["ActionStatus"] == "OK", reply
        bad = _call(client, "offline_push/set_device", {"Platform": "MIPUSH", "Token": token})
        assert bad["ErrorCode"] == 91101
        empty = _call(client, "offline_push/set_device", {"Platform": "APNS", "Token": ""})
        assert empty["ErrorCode"] == 91102
        _send(stack, bob, alice, "while online")  # alice is online: no push
        assert _call(client, "offline_push/logout", {"KeepDevice": 1})["RemovedDeviceNum"] == 0
    _offline(stack, alice)
    _ok(stack, "offline_push/set_device", {"UserID": carol, "Platform": "APNS", "Token": carol_token})
    taken = _rest(stack, "offline_push/remove_device", {"UserID": carol, "Platform": "APNS", "Token": token})
    assert taken["ErrorCode"] == 91103  # another account's token

    # C2C to the logged-out alice: title (nick), text, badge (unread), Ext
    _send(stack, bob, alice, "hello alice", OfflinePushInfo={"Ext": '{"order": 7}'})
    pushes = _wait(stack, token, 1)
    assert len(pushes) == 1, pushes
    aps = pushes[0]["Payload"]["aps"]
    assert aps["alert"] == {"title": f"Nick of {bob}", "body": "hello alice"}
    assert aps["badge"] == 2 and pushes[0]["Payload"]["ext"] == {"order": 7}  # "while online" is unread too

    # a group message: the group in the title; the online member carol gets nothing
    gid = _ok(stack, "group_open_http_svc/create_group", {"Type": "Public", "Name": "team", "Owner_Account": bob,
              "MemberList": [{"Member_Account": alice}, {"Member_Account": carol}]})["GroupId"]  # fmt: skip
    with stack.ws_connect(carol, "iPhone"):
        _ok(stack, "group_open_http_svc/send_group_msg", {"GroupId": gid, "From_Account": bob, "Random": 1,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "team news"}}]})  # fmt: skip
        # (carol's socket is open: she is online)
        pushes = _wait(stack, token, 2)
        _settle(stack)
    assert pushes[1]["Payload"]["aps"]["alert"] == {"title": f"Nick of {bob} (team)", "body": "team news"}
    assert _pushes(stack, carol_token) == []

    # "receive without push" for bob's conversation: nothing
    _ok(stack, "offline_push/set_receive_opt", {"UserID": alice, "Type": 1, "To_Account": bob,
        "Opt": "AcceptNotNotify"})  # fmt: skip
    _send(stack, bob, alice, "quiet please")
    _settle(stack)
    assert len(_pushes(stack, token)) == 2

    # a 3 KB Desc is cut to fit APNs' 1 KB
    _send(stack, carol, alice, "long", OfflinePushInfo={"Desc": "长" * 1024})
    pushes = _wait(stack, token, 3)
    body = json.dumps(pushes[2]["Payload"], ensure_ascii=False, separators=(",", ":")).encode()
    assert len(body) <= APNS_PAYLOAD_LIMIT and pushes[2]["Payload"]["aps"]["alert"]["body"].endswith("…")

    # APNs reports the token dead: SNS disables the endpoint, the next push drops the device
    sns = boto3.client("sns", endpoint_url=f"http://127.0.0.1:{stack.aws_port}", region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    endpoint = pushes[2]["Target"]
    sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    _send(stack, carol, alice, "anyone there?")
    found = _wait(stack, token, 4)
    assert found[3]["Result"] == "EndpointDisabled"
    # the push is recorded when SNS answers; the task drops the device just after: wait for it like the pushes
    assert _devices_gone(stack, alice)
