"""One-to-one messaging: DynamoDB requests and units per send, history page, sync, list, read; posts per push.

Commands run through the registry as a websocket frame does (realtime's AuthContext), on the moto sandbox; a REST
call adds one UpdateItem for the app's rate window. `python -m bench c2c`.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from typing import Any

from bench.counting import Usage, count_dynamodb
from bench.sandbox import Sandbox, sandbox

TARGET_WCU = 3
SEND = "openim/sendmsg"


PROSE = (
    "Yuntong keeps one log per conversation, shared by both sides, so a message is written once and read by "
    "history, sync and recent contacts alike. Each send takes the next position on the lower account's row, "
    "stores the message there, then tells the other side's row about it; terminals that were away ask for what "
    "follows the cursor they kept, page by page, and get every event exactly once, in order, with no gap. "
    "Retries inside two minutes are answered from a token kept on the same row, so nothing is stored twice. "
    "Large bodies are compressed before they are written, because DynamoDB bills a write unit per kilobyte and "
    "ordinary text shrinks to about sixty percent of its size. Online-only messages such as typing indicators "
    "are pushed and forgotten. Recalls and edits are appended as events so reconnecting terminals replay them, "
    "and the message itself becomes a placeholder in history. Read receipts, pins and unread counts are state "
    "on the rows, which a reconnecting terminal reads in one query of its own partition."
)


def _text(size: int, incompressible: bool = False) -> list[dict[str, Any]]:
    """A text of `size` bytes: `x`s (under the compression threshold), prose, or random base64 (compresses least)."""
    if incompressible:
        text = base64.b64encode(random.Random(size).randbytes(size)).decode()[:size]
    elif size >= 512:
        text = PROSE[:size]
    else:
        text = "x" * size
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]


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

    def send(label: str, ctx: AuthContext, size: int, incompressible: bool = False, **extra: Any) -> None:
        body = _text(size, incompressible)
        row(label, ctx, SEND, {"To_Account": "bob", "MsgRandom": next(randoms), "MsgBody": body, **extra})

    send("first send of a conversation", alice, 100)
    send("100 B, account over ws (echo)", alice, 100)
    send("800 B of prose", alice, 800)
    send("1 KB of prose (stored compressed)", alice, 1024)
    send("1 KB of random base64", alice, 1024, incompressible=True)
    send("3 KB of random base64", alice, 3072, incompressible=True)
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
        " all their terminals read it: history, sync), the other side's row. Bodies from 512 B are stored"
        " compressed when that saves a tenth; an item still over 1 KB adds a unit per KB."
        " Reads: one GetItem of the lower row before its conditional update."
    )


if __name__ == "__main__":
    main()
