"""One-to-one messaging cost: DynamoDB requests and capacity units per send, history page, sync page, list.

Runs the commands through the registry on moto (the websocket path: an AuthContext like realtime builds), with
a recording pusher, and prints the figures. `python -m bench c2c`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from bench.ddbcount import Tally, counting

SDKAPPID = 1400000001
ADMIN = "administrator"
NOW = 1_700_000_000.0
TARGET_WCU = 3


class CountingPusher:
    """Counts posts per connection (the pusher port) instead of talking to API Gateway."""

    def __init__(self) -> None:
        self.posts: list[str] = []

    def send(self, connection_id: str, frame: Mapping[str, Any]) -> bool:
        self.posts.append(connection_id)
        return True

    def send_many(self, connection_ids: Sequence[str], frame: Mapping[str, Any]) -> list[str]:
        for cid in connection_ids:
            self.send(cid, frame)
        return []

    def close(self, connection_id: str) -> None:
        return None


def _text(size: int) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * size}}]


def _line(label: str, tally: Tally) -> str:
    return f"  {label:<22}{tally.summary()}"


def run() -> None:
    for k in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[k]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    from moto import mock_aws

    with mock_aws():
        _run()


def _run() -> None:
    from chalicelib import wiring
    from chalicelib.api import registry
    from chalicelib.api.context import AuthContext
    from chalicelib.config import Settings
    from chalicelib.domain.clock import FixedClock
    from chalicelib.services.ports import Connection
    from chalicelib.store.schema import create_tables

    settings = Settings(stage="bench", region="us-east-1", table_prefix="bench")
    create_tables(settings)
    clock = FixedClock(NOW)
    pusher = CountingPusher()
    svc = wiring.build(settings, clock=clock, pusher=pusher)
    wiring.install(svc)
    app = svc.apps.create(SDKAPPID, "bench", [ADMIN])
    for user, nick in (("alice", "Alice"), ("bob", "Bob"), (ADMIN, "Admin")):
        svc.accounts.import_account(SDKAPPID, user, nick, f"https://img.example/{user}.png")
    now = int(NOW)
    for cid, user in (("a-phone", "alice"), ("a-pc", "alice"), ("b-phone", "bob")):
        svc.connections.add(Connection(cid, SDKAPPID, user, "Android", now, now), expires=now + 3600)
    alice_ws = AuthContext(app, "alice", False, via="ws", connection_id="a-phone")
    bob_ws = AuthContext(app, "bob", False, via="ws", connection_id="b-phone")
    admin = AuthContext(app, ADMIN, True)
    seq = iter(range(1, 10**6))

    def call(ctx: AuthContext, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return registry.dispatch(ctx, registry.lookup(name), body)

    def send(ctx: AuthContext, size: int, **extra: Any) -> Tally:
        body = {"To_Account": "bob", "MsgRandom": next(seq), "MsgBody": _text(size), **extra}
        pusher.posts.clear()
        clock.advance(1)
        with counting() as tally:
            call(ctx, "openim/sendmsg", body)
        return tally

    print("One-to-one messages (DynamoDB units computed from item sizes; moto reports none)")
    print(f"target: ≤ {TARGET_WCU} WCU per ≤1 KB send; 1 Query per history page; 1 post per online terminal\n")
    first = send(alice_ws, 100)
    print("first send to each account's stream (stream restart: + floor agreement write):")
    print(_line("message path", _without(first, "counters")))
    for label, ctx, size, extra in (
        ("100 B text, account as itself over ws (SyncOtherMachine 1)", alice_ws, 100, {}),
        ("1 KB text, account as itself over ws (SyncOtherMachine 1)", alice_ws, 1024, {}),
        (
            "100 B text, admin as alice, SyncOtherMachine omitted (no sender copy)",
            admin,
            100,
            {"From_Account": "alice"},
        ),
        ("100 B text, SyncOtherMachine 2", admin, 100, {"From_Account": "alice", "SyncOtherMachine": 2}),
        ("online only (MsgLifeTime 0)", alice_ws, 100, {"MsgLifeTime": 0}),
    ):
        tally = send(ctx, size, **extra)
        print(f"{label}:")
        print(_line("message path", _without(tally, "counters")))
        print(_line("daily statistics", tally.on("counters")))
        print(_line("total", tally))
        print(f"  {'pushes':<22}{len(pusher.posts)} posts to {sorted(set(pusher.posts))}")
    print(
        "  why above target: dedup marker 1 + recipient copy 1 + its history index entry 1 + sender copy 1"
        " (exactly-once sync of the sender's other terminals) + 2 conversation rows; the 3-unit target"
        " (message + 2 rows) has no dedup marker, no per-account sync stream and no history index.\n"
    )
    for _ in range(21):
        send(alice_ws, 100)
    with counting() as tally:
        page = call(
            bob_ws,
            "openim/admin_getroammsg",
            {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 20, "MinTime": 0, "MaxTime": now + 10**6},
        )
    print(f"history page of {page['MsgCnt']} messages (admin_getroammsg): {tally.summary()}")
    with counting() as tally:
        synced = call(bob_ws, "openim/sync", {"Cursor": 0, "MaxCnt": 20})
    print(f"sync page of {len(synced['Events'])} events (openim/sync): {tally.summary()}")
    list_body = {"TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 1}
    with counting() as tally:
        call(bob_ws, "recentcontact/get_list", {"From_Account": "bob", **list_body})
    print(f"recent contacts page (get_list): {tally.summary()}")
    with counting() as tally:
        call(bob_ws, "openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    print(f"read report (admin_set_msg_read, 2 receipts pushed): {tally.summary()}")
    with counting() as tally:
        call(bob_ws, "openim/get_c2c_unread_msg_num", {"To_Account": "bob", "Peer_Account": ["alice"]})
    print(f"unread counts (get_c2c_unread_msg_num): {tally.summary()}")
    wiring.install(None)


def _without(tally: Tally, table_key: str) -> Tally:
    return Tally([c for c in tally.calls if not c.table.endswith(f"-{table_key}")])


if __name__ == "__main__":
    run()
