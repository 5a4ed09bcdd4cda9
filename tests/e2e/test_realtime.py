"""Realtime over real sockets (`python -m devstack`): login policies, kicked events, presence, REST kick, bad frames.

Each test gets its own app, created and configured with the `yuntong` CLI against the stack's DynamoDB, so the
stack's app cache has never seen it and the policy applies at once.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import websocket
from TLSSigAPIv2 import TLSSigAPIv2

from tests.e2e.harness import LocalStack, WsClient

pytestmark = pytest.mark.e2e

ADMIN = "administrator"
_ids = itertools.count(1400000100)


@dataclass
class Tenant:
    stack: LocalStack
    sdkappid: int
    key: str

    def sig(self, identifier: str) -> str:
        return str(TLSSigAPIv2(self.sdkappid, self.key).gen_sig(identifier))

    def rest(self, name: str, body: Any, identifier: str = ADMIN) -> dict[str, Any]:
        query = {"sdkappid": self.sdkappid, "identifier": identifier, "usersig": self.sig(identifier), "random": 7}
        url = f"{self.stack.rest_url}/{name}?{urlencode({**query, 'contenttype': 'json'})}"
        reply = requests.post(url, data=json.dumps(body).encode("utf-8"), timeout=15)
        assert reply.status_code == 200, reply.text
        out: dict[str, Any] = reply.json()
        return out

    def login(self, identifier: str, platform: str) -> WsClient:
        query = {"sdkappid": self.sdkappid, "identifier": identifier, "usersig": self.sig(identifier)}
        return WsClient(f"{self.stack.ws_url}/?{urlencode({**query, 'platform': platform})}")


def _tenant(stack: LocalStack, policy: str) -> Tenant:
    sdkappid, key = next(_ids), os.urandom(16).hex()
    stack.cli("app", "create", "--sdkappid", str(sdkappid), "--name", f"e2e-{policy}", "--admin", ADMIN, "--key", key)
    stack.cli("app", "config", str(sdkappid), f"login_policy={policy}")
    tenant = Tenant(stack, sdkappid, key)
    for user in ("alice", "bob"):
        assert tenant.rest("im_open_login_svc/account_import", {"UserID": user})["ErrorCode"] == 0
    return tenant


def _call(client: WsClient, req_id: int, cmd: str, body: Any = None) -> dict[str, Any]:
    client.send_json({"reqId": req_id, "cmd": cmd, "body": body or {}})
    return _reply(client, req_id)


def _reply(client: WsClient, req_id: int | None) -> dict[str, Any]:
    """The reply with `req_id`, skipping pushed events."""
    while True:
        frame: dict[str, Any] = client.recv_json()
        if "reqId" in frame:
            assert frame["reqId"] == req_id, frame
            return frame


def _assert_kicked(client: WsClient, platform: str) -> None:
    event = client.recv_json()
    assert event["event"] == "kicked", event
    assert event["data"]["code"] == 6208 and event["data"]["platform"] == platform, event
    assert client.recv_close() == 1000


@pytest.fixture
def clients() -> Iterator[list[WsClient]]:
    opened: list[WsClient] = []
    yield opened
    for client in opened:
        client.close()


KICKS = [("single", "Android", "PC"), ("mobile_pc", "iPhone", "Android"), ("per_platform", "iPhone", "iPad")]


@pytest.mark.parametrize("policy,first,second", KICKS, ids=[k[0] for k in KICKS])
def test_the_second_terminal_kicks_the_first_under_the_policy(
    stack: LocalStack, clients: list[WsClient], policy: str, first: str, second: str
) -> None:
    tenant = _tenant(stack, policy)
    one = tenant.login("alice", first)
    clients.append(one)
    assert _call(one, 1, "realtime/heartbeat")["ErrorCode"] == 0
    two = tenant.login("alice", second)
    clients.append(two)
    _assert_kicked(one, second)
    assert _call(two, 2, "realtime/heartbeat")["ErrorCode"] == 0
    online = tenant.rest("openim/query_online_status", {"To_Account": ["alice"], "IsNeedDetail": 1})
    assert online["QueryResult"] == [
        {"To_Account": "alice", "Status": "Online", "Detail": [{"Platform": second, "Status": "Online"}]}
    ]


STAY = [("no_kick", "PC", "PC"), ("mobile_pc", "Android", "PC"), ("per_platform", "Android", "iPhone")]


@pytest.mark.parametrize("policy,first,second", STAY, ids=[s[0] for s in STAY])
def test_both_terminals_stay_online_and_presence_reports_both(
    stack: LocalStack, clients: list[WsClient], policy: str, first: str, second: str
) -> None:
    tenant = _tenant(stack, policy)
    one, two = tenant.login("alice", first), tenant.login("alice", second)
    clients.extend([one, two])
    assert _call(one, 1, "realtime/heartbeat")["ErrorCode"] == 0
    assert _call(two, 1, "realtime/heartbeat")["ErrorCode"] == 0
    online = tenant.rest("openim/query_online_status", {"To_Account": ["alice", "bob"], "IsNeedDetail": 1})
    alice, bob = online["QueryResult"]
    assert alice["Status"] == "Online"
    assert sorted(d["Platform"] for d in alice["Detail"]) == sorted([first, second])
    assert bob == {"To_Account": "bob", "Status": "Offline", "Detail": []}


def test_rest_kick_closes_every_socket_of_the_account(stack: LocalStack, clients: list[WsClient]) -> None:
    tenant = _tenant(stack, "no_kick")
    mine = [tenant.login("alice", p) for p in ("iPhone", "Web")]
    other = tenant.login("bob", "PC")
    clients.extend([*mine, other])
    for client in mine:
        assert _call(client, 1, "realtime/heartbeat")["ErrorCode"] == 0
    assert tenant.rest("im_open_login_svc/kick", {"UserID": "alice"})["ErrorCode"] == 0
    for client in mine:
        event = client.recv_json()
        assert event["event"] == "kicked" and event["data"]["code"] == 6014, event
        assert client.recv_close() == 1000
    assert _call(other, 2, "realtime/heartbeat")["ErrorCode"] == 0
    status = tenant.rest("openim/query_online_status", {"To_Account": ["alice"]})
    assert status["QueryResult"] == [{"To_Account": "alice", "Status": "Offline"}]


def test_garbage_frames_get_error_replies_and_the_socket_stays_open(stack: LocalStack, clients: list[WsClient]) -> None:
    tenant = _tenant(stack, "single")
    client = tenant.login("alice", "Android")
    clients.append(client)
    garbage = [
        ("not json at all", None, 90001),
        ("[1, 2, 3]", None, 90001),
        ('{"cmd": "realtime/heartbeat"}', None, 90001),
        ('{"reqId": 5, "cmd": "no/such"}', 5, 60009),
        ('{"reqId": 6, "cmd": "im_open_login_svc/account_import", "body": {"UserID": "x"}}', 6, 60010),
        (json.dumps({"reqId": 7, "cmd": "realtime/heartbeat", "body": {"pad": "x" * 70_000}}), None, 93000),
    ]
    for raw, req_id, code in garbage:
        client.send(raw)
        reply = _reply(client, req_id)
        assert (reply["ActionStatus"], reply["ErrorCode"]) == ("FAIL", code), (raw[:60], reply)
        assert client.connected
    assert (
        _call(client, 8, "profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]})[
            "ErrorCode"
        ]
        == 0
    )


def test_a_bad_usersig_is_refused_at_the_handshake(stack: LocalStack) -> None:
    tenant = _tenant(stack, "single")
    query = urlencode({"sdkappid": tenant.sdkappid, "identifier": "alice", "usersig": "forged", "platform": "PC"})
    with pytest.raises(websocket.WebSocketBadStatusException):
        WsClient(f"{stack.ws_url}/?{query}")
    status = tenant.rest("openim/query_online_status", {"To_Account": ["alice"]})
    assert status["QueryResult"] == [{"To_Account": "alice", "Status": "Offline"}]


def test_the_same_usersig_reconnects_after_the_socket_drops(stack: LocalStack, clients: list[WsClient]) -> None:
    tenant = _tenant(stack, "single")
    first = tenant.login("alice", "iPhone")
    assert _call(first, 1, "realtime/heartbeat")["ErrorCode"] == 0
    assert first.ws.sock is not None
    first.ws.sock.close()  # the network goes away: no close frame is sent
    again = tenant.login("alice", "iPhone")
    clients.append(again)
    assert _call(again, 1, "realtime/heartbeat")["ErrorCode"] == 0
    status = tenant.rest("openim/query_online_status", {"To_Account": ["alice"], "IsNeedDetail": 1})
    assert status["QueryResult"][0]["Detail"] == [{"Platform": "iPhone", "Status": "Online"}]
