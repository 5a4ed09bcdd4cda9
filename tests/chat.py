"""Builders for one-to-one messaging tests: accounts, online terminals, sends, websocket-style calls, stored rows."""

from __future__ import annotations

import itertools
from typing import Any

import boto3

from chalicelib.api import registry
from chalicelib.api.context import AuthContext
from chalicelib.services.ports import Connection

_random = itertools.count(1000)


def text(value: str = "hello") -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


def accounts(api: Any, *users: str) -> None:
    for user in users:
        api.ok(
            "im_open_login_svc/account_import", {"UserID": user, "Nick": user.title(), "FaceUrl": f"http://f/{user}"}
        )


def online(svc: Any, clock: Any, user: str, connection_id: str, sdkappid: int = 1400000001) -> None:
    now = int(clock.now())
    svc.connections.add(Connection(connection_id, sdkappid, user, "Android", now, now), expires=now + 86400 * 30)


def send(api: Any, sender: str, recipient: str, value: str = "hello", **extra: Any) -> dict[str, Any]:
    body = {"From_Account": sender, "To_Account": recipient, "MsgRandom": next(_random), "MsgBody": text(value)}
    return api.ok("openim/sendmsg", {**body, **extra})


def ws(svc: Any, user: str, connection_id: str, name: str, body: dict[str, Any], sdkappid: int = 1400000001) -> Any:
    """Run a command as realtime does for a websocket frame (an account's own terminal)."""
    app = svc.apps.get(sdkappid)
    ctx = AuthContext(app, user, app.is_admin(user), via="ws", connection_id=connection_id)
    return registry.dispatch(ctx, registry.lookup(name), body)


def history(api: Any, operator: str, peer: str, **extra: Any) -> dict[str, Any]:
    body = {"Operator_Account": operator, "Peer_Account": peer, "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**31}
    return api.ok("openim/admin_getroammsg", {**body, **extra})


def recent(api: Any, owner: str, flags: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"From_Account": owner, "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0}
    return api.ok("recentcontact/get_list", {**body, "AssistFlags": flags, **extra})


def stored(table: str = "messages", prefix: str = "") -> list[dict[str, Any]]:
    """Every item of a test table (tests may Scan; request paths never do), optionally only sk starting `prefix`."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=f"test-{table}"):
        items += [i for i in page["Items"] if i["sk"]["S"].startswith(prefix)]
    return items


def conversation_rows() -> list[dict[str, Any]]:
    return stored("entities", "CONV#")


def each_fails(api: Any, name: str, base: dict[str, Any], cases: list[tuple[dict[str, Any], int]], **kw: Any) -> None:
    """Every case (changes to `base`, None removing a field) fails with its code (one fixture for many cases)."""
    for changes, code in cases:
        body = {k: v for k, v in {**base, **changes}.items() if v is not None}
        out = api.call(name, body, **kw)
        assert (out["ActionStatus"], out["ErrorCode"]) == ("FAIL", code), (changes, out)
        assert out["ErrorInfo"], out
