"""One-to-one messages over real sockets (`python -m devstack`): an app backend sends through /v4, websocket
clients receive `c2c_msg` with the sender's nickname, a client that was offline syncs the gap exactly once, and
online-only messages never reach history. Account names are unique per test (the stack lives for the session)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.e2e.harness import LocalStack, WsClient

pytestmark = pytest.mark.e2e

_run = itertools.count(1)


def _names(*users: str) -> list[str]:
    n = next(_run)
    return [f"{user}-c2c{n}" for user in users]


def _ok(stack: LocalStack, name: str, body: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    reply = stack.rest(name, body, identifier)
    assert reply.status_code == 200, reply.text
    out: dict[str, Any] = reply.json()
    assert out["ActionStatus"] == "OK", out
    return out


def _import(stack: LocalStack, *users: str) -> None:
    for user in users:
        _ok(stack, "im_open_login_svc/account_import", {"UserID": user, "Nick": f"Nick of {user}"})


def _send(stack: LocalStack, sender: str, recipient: str, text: str, **extra: Any) -> dict[str, Any]:
    body = {"From_Account": sender, "To_Account": recipient, "MsgRandom": next(_run), **extra}
    body["MsgBody"] = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
    return _ok(stack, "openim/sendmsg", body)


def _event(client: WsClient, name: str) -> dict[str, Any]:
    """The next pushed event called `name` (other frames are passed over)."""
    while True:
        frame = client.recv_json(timeout=10)
        if frame.get("event") == name:
            data: dict[str, Any] = frame["data"]
            return data


def _call(client: WsClient, req_id: int, cmd: str, body: dict[str, Any]) -> dict[str, Any]:
    client.send_json({"reqId": req_id, "cmd": cmd, "body": body})
    while True:
        frame = client.recv_json(timeout=10)
        if frame.get("reqId") == req_id:
            assert frame["ActionStatus"] == "OK", frame
            return frame


def test_backend_send_reaches_the_logged_in_client_with_the_senders_nickname(stack):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    with stack.ws_connect(bob) as client:
        sent = _send(stack, alice, bob, "hello over the wire")
        data = _event(client, "c2c_msg")
    assert data["MsgKey"] == sent["MsgKey"] and data["From_Account"] == alice
    assert data["SenderProfile"]["Nick"] == f"Nick of {alice}"
    assert data["MsgBody"][0]["MsgContent"]["Text"] == "hello over the wire"


def test_a_client_that_was_offline_reconnects_and_syncs_the_gap_exactly_once(stack):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    with stack.ws_connect(bob) as client:
        _send(stack, alice, bob, "seen live")
        seen = _event(client, "c2c_msg")
    cursor = seen["Cursor"]
    missed = [_send(stack, alice, bob, f"missed {i}")["MsgKey"] for i in range(5)]
    with stack.ws_connect(bob) as client:
        (state,) = _call(client, 1, "openim/sync_conversations", {})["Conversations"]
        assert state["Peer_Account"] == alice and state["Seq"] == seen["Seq"] + 5 and state["UnreadMsgNum"] == 6
        synced, req = [], 1
        while True:
            req += 1
            page = _call(client, req, "openim/sync", {"Peer_Account": alice, "Cursor": cursor, "MaxCnt": 2})
            synced += page["Events"]
            cursor = page["Cursor"]
            if page["Complete"]:
                break
        assert [e["data"]["MsgKey"] for e in synced] == missed and cursor == state["Cursor"]
        again = _call(client, req + 1, "openim/sync", {"Peer_Account": alice, "Cursor": cursor})
        assert again["Events"] == [] and again["Complete"] == 1
        _send(stack, alice, bob, "live again")
        assert _event(client, "c2c_msg")["Seq"] == state["Seq"] + 1


def test_online_only_messages_reach_online_clients_and_never_history(stack):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    with stack.ws_connect(bob) as client:
        _send(stack, alice, bob, "typing", MsgLifeTime=0)
        data = _event(client, "c2c_msg")
    assert data["OnlineOnlyFlag"] == 1 and "Cursor" not in data
    window = {"Operator_Account": bob, "Peer_Account": alice, "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31}
    assert _ok(stack, "openim/admin_getroammsg", window)["MsgList"] == []


def test_history_pages_through_a_conversation(stack):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    keys = [_send(stack, alice, bob, f"m{i}")["MsgKey"] for i in range(5)]
    window = {"Operator_Account": bob, "Peer_Account": alice, "MaxCnt": 2, "MinTime": 0, "MaxTime": 2**31}
    got: list[str] = []
    while True:
        page = _ok(stack, "openim/admin_getroammsg", window)
        got = [m["MsgKey"] for m in page["MsgList"]] + got
        if page["Complete"]:
            break
        window |= {"MaxTime": page["LastMsgTime"], "LastMsgKey": page["LastMsgKey"]}
    assert sorted(got) == sorted(keys) and len(got) == len(keys)


def test_bad_input_has_its_code_and_the_client_gets_nothing(stack):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    with stack.ws_connect(bob) as client:
        bad = stack.rest("openim/sendmsg", {"From_Account": alice, "To_Account": bob, "MsgBody": []}).json()
        assert bad["ErrorCode"] == 90005
        reply = _call(client, 1, "openim/sync", {"Peer_Account": alice})
    assert reply["Events"] == []
