"""Builders for group tests: accounts, groups, online terminals (as the realtime edge reports them), messages."""

from __future__ import annotations

import itertools
from typing import Any

from chalicelib.domain.groups import GroupRef
from chalicelib.services.ports import Connection
from chalicelib.store.group_online import online_sk, shard_of, terminal_of
from chalicelib.wiring import Services
from tests.builders import SDKAPPID, RestCaller

_random = itertools.count(1000)


def text(value: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


def accounts(api: RestCaller, *users: str) -> None:
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": list(users)})


def create(api: RestCaller, type_name: str = "Public", owner: str | None = "alice", members: tuple[str, ...] = (),
           **extra: Any) -> str:  # fmt: skip
    body: dict[str, Any] = {"Type": type_name, "Name": "group", **extra}
    if owner:
        body["Owner_Account"] = owner
    if members:
        body["MemberList"] = [{"Member_Account": m} for m in members]
    return str(api.ok("group_open_http_svc/create_group", body)["GroupId"])


def send(api: RestCaller, gid: str, value: str = "hi", sender: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"GroupId": gid, "Random": next(_random), "MsgBody": text(value), **extra}
    if sender:
        body["From_Account"] = sender
    return api.ok("group_open_http_svc/send_group_msg", body)


def history(api: RestCaller, gid: str, identifier: str | None = None, **extra: Any) -> list[dict[str, Any]]:
    body = {"GroupId": gid, "ReqMsgNumber": 20, **extra}
    return list(api.ok("group_open_http_svc/group_msg_get_simple", body, identifier=identifier)["RspMsgList"])


def connect(svc: Services, user: str, cid: str, sdkappid: int = SDKAPPID) -> Connection:
    """A terminal logs in (the directory tells the presence hooks, as for a websocket login)."""
    now = int(svc.clock.now())
    conn = Connection(cid, sdkappid, user, "Android", now, now)
    return svc.connections.add(conn, expires=now + 600).connection


def disconnect(svc: Services, cid: str) -> None:
    assert svc.connections.remove(cid) is not None


class InMemoryGroupOnlineIndex:
    """The online-member index in memory, with the store's paging contract (cursor = last sort key read), for the
    10,000-terminal fan-out test: moto serialises ~1 ms per item, which would make that test take a minute."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, str, str, int], dict[str, int]] = {}

    def _shard(self, sdkappid: int, ref: GroupRef, user: str) -> dict[str, int]:
        return self.rows.setdefault((sdkappid, ref.group_id, ref.incarnation, shard_of(user, ref.shards)), {})

    def add(self, sdkappid: int, refs: Any, terminals: Any, expires: int) -> None:
        for ref in refs:
            for t in terminals:
                self._shard(sdkappid, ref, t.user)[online_sk(t)] = expires

    def remove(self, sdkappid: int, refs: Any, terminals: Any) -> None:
        for ref in refs:
            for t in terminals:
                self._shard(sdkappid, ref, t.user).pop(online_sk(t), None)

    def page(self, sdkappid: int, ref: GroupRef, shard: int, cursor: str | None, limit: int) -> Any:
        rows = self.rows.get((sdkappid, ref.group_id, ref.incarnation, shard), {})
        keys = sorted(k for k in rows if k > (cursor or ""))
        taken = keys[:limit]
        return [terminal_of(k) for k in taken], (taken[-1] if len(keys) > limit else None)

    def count_users(self, sdkappid: int, ref: GroupRef) -> int:
        users: set[str] = set()
        for (app, gid, inc, _), rows in self.rows.items():
            if (app, gid, inc) == (sdkappid, ref.group_id, ref.incarnation):
                users.update(terminal_of(k).user for k in rows)
        return len(users)
