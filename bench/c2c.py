"""One-to-one messaging: DynamoDB requests and units per send, history page, sync, list, read; posts per push.

Commands run through the registry as a websocket frame does (realtime's AuthContext), on the moto sandbox; a REST
call adds one UpdateItem for the app's rate window. `python -m bench c2c`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.counting import Usage, count_dynamodb
from bench.sandbox import Sandbox, sandbox

TARGET_WCU = 3
SEND = "openim/sendmsg"


def _text(size: int) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * size}}]


def _part(usage: Usage, keep: Callable[[str], bool]) -> Usage:
    return Usage([c for c in usage.calls if any(keep(t) for t in c.tables)])


def messaging(usage: Usage) -> Usage:
    return _part(usage, lambda table: not table.endswith("-counters"))


def statistics(usage: Usage) -> Usage:
    return _part(usage, lambda table: table.endswith("-counters"))


def measure(sb: Sandbox, page: int = 20) -> list[tuple[str, Usage, int]]:
    """(label, usage, posts) per measured operation; history and sync pages of `page` items."""
    from chalicelib.api import registry
    from chalicelib.api.context import AuthContext
    from chalicelib.services.ports import Connection

    svc, clock, app_id = sb.services, sb.clock, sb.tenant.sdkappid
    pusher: Any = svc.pusher
    app = svc.apps.get(app_id)
    for user in ("alice", "bob", sb.tenant.admin):
        svc.accounts.import_account(app_id, user, user.title(), f"https://img.example/{user}.png")
    now = int(clock.now())
    for cid, user in (("a-phone", "alice"), ("a-pc", "alice"), ("b-phone", "bob")):
        svc.connections.add(Connection(cid, app_id, user, "Android", now, now), expires=now + 86400)
    alice = AuthContext(app, "alice", False, via="ws", connection_id="a-phone")
    bob = AuthContext(app, "bob", False, via="ws", connection_id="b-phone")
    admin = AuthContext(app, sb.tenant.admin, True)
    rows: list[tuple[str, Usage, int]] = []
    randoms = iter(range(1, 10**9))

    def row(label: str, ctx: AuthContext, name: str, body: dict[str, Any]) -> dict[str, Any]:
        pusher.clear()
        clock.advance(1)
        with count_dynamodb() as usage:
            out = registry.dispatch(ctx, registry.lookup(name), body)
        rows.append((label, usage, len(pusher.sent)))
        return out

    def send(label: str, ctx: AuthContext, size: int, **extra: Any) -> None:
        row(label, ctx, SEND, {"To_Account": "bob", "MsgRandom": next(randoms), "MsgBody": _text(size), **extra})

    send("first send of a conversation", alice, 100)
    send("100 B, account over ws (echo)", alice, 100)
    send("800 B (an item under 1 KB)", alice, 800)
    send("1 KB text (item over 1 KB)", alice, 1024)
    send("100 B, admin (not echoed)", admin, 100, From_Account="alice")
    send("100 B, SyncOtherMachine 2", admin, 100, From_Account="alice", SyncOtherMachine=2)
    row("100 B, lower account receives", bob, SEND, {"To_Account": "alice", "MsgRandom": next(randoms),
                                                     "MsgBody": _text(100)})  # fmt: skip
    retried = {"To_Account": "bob", "MsgRandom": 7, "MsgSeq": 7, "MsgBody": _text(100)}
    registry.dispatch(alice, registry.lookup(SEND), retried)
    row("retried send (answered, not stored)", alice, SEND, retried)
    send("online only (MsgLifeTime 0)", alice, 100, MsgLifeTime=0)
    for _ in range(page):
        registry.dispatch(
            alice, registry.lookup(SEND), {"To_Account": "bob", "MsgRandom": next(randoms), "MsgBody": _text(100)}
        )
    window = {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": page, "MinTime": 0, "MaxTime": now + 10**6}
    row("history page", bob, "openim/admin_getroammsg", window)
    row("sync page (one conversation)", bob, "openim/sync", {"Peer_Account": "alice", "MaxCnt": page})
    row("sync conversations (heads)", bob, "openim/sync_conversations", {})
    listing = {"From_Account": "bob", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0}
    row("recent contacts page", bob, "recentcontact/get_list", {**listing, "AssistFlags": 1})
    row(
        "read report (2 receipts)", bob, "openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"}
    )
    row("unread counts", bob, "openim/get_c2c_unread_msg_num", {"To_Account": "bob", "Peer_Account": ["alice"]})
    return rows


def main() -> None:
    print("One-to-one messages: DynamoDB per operation (units by billing rules, GSI writes included)")
    print(f"targets: a ≤1 KB send ≤ {TARGET_WCU} WCU; a history page 1 Query; a push 1 post per online terminal")
    with sandbox() as sb:
        rows = measure(sb)
    for label, usage, posts in rows:
        print(f"{label:<38} {messaging(usage).summary()}")
        stats = statistics(usage)
        if stats.requests:
            print(f"{'':<38} + daily statistics: {stats.summary()}")
        if posts:
            print(f"{'':<38} {posts} post(s) to online terminals")
    print(
        "A stored send writes 3 units for an item under 1 KB: the lower account's conversation row (log position,"
        " retry token, that side's unread or activity), the message in the conversation's log (both sides and"
        " all their terminals read it: history, sync), the other side's row. An item over 1 KB adds a unit per KB."
        " Reads: one GetItem of the lower row before its conditional update."
    )


if __name__ == "__main__":
    main()
