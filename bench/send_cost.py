"""Whole-send cost (issue 15): every DynamoDB request a send makes, all tables (rate window and statistics included),
averaged over 20 sends; the send's modelled latency with a fixed delay per DynamoDB request; the monthly AWS bill
of the README's load model computed from these counts. `python -m bench send_cost`.
"""

from __future__ import annotations

import statistics as stats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from bench.counting import Usage, count_dynamodb, print_table
from bench.sandbox import Sandbox, sandbox
from chalicelib.domain import billing

SENDS = 20
INJECTED_MS = 5.0  # a deployed stack's DynamoDB round trip, roughly (same region, warm connection)
PROBE_MS = 50.0
TARGET_REQUESTS, TARGET_WCU, TARGET_RCU = 5, 3, 3

# The README's monthly load model (issue 15 item 7).
DAU = 100_000
C2C_PER_DAU_DAY = 40
GROUP_PER_DAU_DAY = 20
GROUP_SIZE, GROUP_ONLINE = 50, 0.20
ONLINE_MINUTES = 60
HEARTBEAT_MINUTES = 9
DAYS = 30
LAMBDA_MS, LAMBDA_GB = 30.0, 0.25


@dataclass
class Measured:
    label: str
    usage: Usage  # of SENDS sends

    def per_send(self) -> tuple[float, float, float]:
        return self.usage.requests / SENDS, self.usage.wcu / SENDS, self.usage.rcu / SENDS


def _text(size: int) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * size}}]


Send = Callable[[str, int], Any]


def _setup(sb: Sandbox, group_sizes: tuple[int, ...] = (10, 100)) -> tuple[Send, Send, dict[str, str]]:
    """Accounts, a conversation, groups of 10 and 100 members (a fifth online); two ways to send."""
    from chalicelib.api import registry
    from chalicelib.api.context import AuthContext
    from chalicelib.services.ports import Connection

    svc, app_id, api = sb.services, sb.tenant.sdkappid, sb.api
    members = [f"m{i:03}" for i in range(100)]
    for chunk in range(0, 100, 50):
        api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob", *members[chunk : chunk + 50]]})
    now = int(sb.clock.now())
    online = [("alice", "a-phone"), ("bob", "b-phone")] + [(m, f"c-{m}") for m in members[::5]]
    for user, cid in online:
        svc.connections.add(Connection(cid, app_id, user, "Android", now, now), expires=now + 86400)
    groups = {}
    for size in group_sizes:
        body = {"Type": "Public", "Name": f"g{size}", "Owner_Account": "alice",
                "MemberList": [{"Member_Account": m} for m in members[:size]]}  # fmt: skip
        groups[f"group send, {size} members"] = str(api.ok("group_open_http_svc/create_group", body)["GroupId"])
    app = svc.apps.get(app_id)
    alice = AuthContext(app, "alice", False, via="ws", connection_id="a-phone")
    randoms = iter(range(1, 10**9))

    def rest(target: str, size: int) -> Any:
        if target.startswith("group"):
            body = {"GroupId": groups[target], "Random": next(randoms), "MsgBody": _text(size), "From_Account": "alice"}
            return api.ok("group_open_http_svc/send_group_msg", body)
        body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": next(randoms), "MsgBody": _text(size)}
        return api.ok("openim/sendmsg", body)

    def ws(target: str, size: int) -> Any:
        if target.startswith("group"):
            body = {"GroupId": groups[target], "Random": next(randoms), "MsgBody": _text(size)}
            return registry.dispatch(alice, registry.lookup("group_open_http_svc/send_group_msg"), body)
        body = {"To_Account": "bob", "MsgRandom": next(randoms), "MsgBody": _text(size)}
        return registry.dispatch(alice, registry.lookup("openim/sendmsg"), body)

    return rest, ws, groups


def measure(
    sb: Sandbox, sizes: tuple[int, ...] = (200, 900), group_sizes: tuple[int, ...] = (10, 100)
) -> list[Measured]:
    rest, ws, groups = _setup(sb, group_sizes)
    rows: list[Measured] = []
    cases = [("C2C send", "c2c")] + [(label, label) for label in groups]
    for label, target in cases:
        for via, send in (("REST", rest), ("websocket", ws)):
            for size in sizes:
                send(target, 10)  # warm: the conversation / the group's incarnation is known to this container
                sb.clock.advance(1)
                with count_dynamodb() as usage:
                    for _ in range(SENDS):
                        sb.clock.advance(0.04)  # 20 sends within a second, under a group's 40 a second
                        send(target, size)
                rows.append(Measured(f"{label}, {size} B, {via}", usage))
    return rows


@contextmanager
def injected_delay(ms: float) -> Iterator[None]:
    """Every DynamoDB request waits `ms` first: a model of the network round trip to a real table."""
    raw = BaseClient._make_api_call

    def delayed(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if client.meta.service_model.service_name == "dynamodb":
            time.sleep(ms / 1000)
        return raw(client, operation, params)

    BaseClient._make_api_call = delayed
    try:
        yield
    finally:
        BaseClient._make_api_call = raw


def latency(sb: Sandbox, runs: int = 20) -> list[tuple[str, float, float, float]]:
    """(operation, median ms of a websocket send in-process, with INJECTED_MS per request, sequential round trips).

    Round trips are measured with a long probe delay (PROBE_MS), where the sleep's own overshoot on a busy machine
    no longer matters: (probe - in-process) / PROBE_MS."""
    _, ws, groups = _setup(sb)
    out = []
    for label, target in [("C2C send", "c2c"), (next(iter(groups)), next(iter(groups)))]:
        ws(target, 10)
        medians = []
        for delay in (0.0, INJECTED_MS, PROBE_MS):
            times = []
            with injected_delay(delay):
                for _ in range(runs):
                    sb.clock.advance(0.1)  # under a group's 40 messages a second
                    t = time.perf_counter()
                    ws(target, 200)
                    times.append((time.perf_counter() - t) * 1000)
            medians.append(stats.median(times))
        out.append((label, medians[0], medians[1], (medians[2] - medians[0]) / PROBE_MS))
    return out


def monthly_cost(c2c: tuple[float, float, float], group: tuple[float, float, float]) -> list[tuple[str, float, float]]:
    """(line, quantity per month, USD) of the README's load model, from measured per-send requests/WCU/RCU."""
    c2c_sends = DAU * C2C_PER_DAU_DAY * DAYS
    group_sends = DAU * GROUP_PER_DAU_DAY * DAYS
    online_members = GROUP_SIZE * GROUP_ONLINE
    # frames: the send in and its reply out; a C2C push to the recipient; a group push per online member
    frames = c2c_sends * 3 + group_sends * (2 + online_members) + DAU * DAYS * (ONLINE_MINUTES / HEARTBEAT_MINUTES) * 2
    minutes = DAU * DAYS * ONLINE_MINUTES
    wcu = c2c_sends * c2c[1] + group_sends * group[1]
    rcu = c2c_sends * c2c[2] + group_sends * group[2]
    lambdas = c2c_sends + group_sends + DAU * DAYS * (ONLINE_MINUTES / HEARTBEAT_MINUTES)
    return [
        ("WebSocket frames", frames, frames * billing.WS_FRAME_USD),
        ("WebSocket connection-minutes", minutes, minutes * billing.WS_CONNECTION_MINUTE_USD),
        ("DynamoDB write units", wcu, wcu * billing.WRITE_UNIT_USD),
        ("DynamoDB read units", rcu, rcu * billing.READ_UNIT_USD),
        ("Lambda requests", lambdas, lambdas * billing.LAMBDA_REQUEST_USD),
        ("Lambda duration (GB-s)", lambdas * LAMBDA_MS / 1000 * LAMBDA_GB,
         lambdas * LAMBDA_MS / 1000 * LAMBDA_GB * billing.LAMBDA_GB_SECOND_USD),
    ]  # fmt: skip


def main() -> None:
    print(f"Whole-send cost, every table (rate window, statistics), average of {SENDS} sends")
    print(f"targets: ≤ {TARGET_REQUESTS} requests, ≤ {TARGET_WCU} WCU, ≤ {TARGET_RCU} RCU per send")
    with sandbox() as sb:
        rows = measure(sb)
    print_table([(m.label, m.usage) for m in rows], "operation (totals of 20)")
    print(f"  {'per send':<40} {'requests':>9} {'WCU':>6} {'RCU':>6}")
    for m in rows:
        r, w, c = m.per_send()
        print(f"  {m.label:<40} {r:>9.2f} {w:>6.2f} {c:>6.2f}")
    print("  (REST adds the rate window's lease: one UpdateItem per tenth of the app's per-second budget)")
    print()
    print(f"Modelled latency: each DynamoDB request waits {INJECTED_MS:g} ms (a deployed table's round trip)")
    with sandbox() as sb:
        for label, base, slow, rounds in latency(sb):
            print(
                f"  {label:<24} in-process {base:5.1f} ms, with {INJECTED_MS:g} ms a request {slow:5.1f} ms;"
                f" {rounds:.1f} sequential round trips → {rounds * INJECTED_MS:.0f} ms of DynamoDB on a deployed stack"
            )
    print("  (in-process time is mostly moto's and botocore's; a deployed send adds the round trips to its own CPU)")
    print()
    c2c = next(m for m in rows if m.label == "C2C send, 200 B, websocket").per_send()
    group = next(m for m in rows if m.label.startswith("group send, 100 members, 200 B, websocket")).per_send()
    print(
        f"Monthly AWS cost model: {DAU:,} DAU, {C2C_PER_DAU_DAY} C2C and {GROUP_PER_DAU_DAY} group sends per DAU-day,"
        f" groups of {GROUP_SIZE} with {GROUP_ONLINE:.0%} online, {ONLINE_MINUTES} min online a day,"
        f" heartbeat every {HEARTBEAT_MINUTES} min, {DAYS} days; per send as measured above (websocket):"
        f" C2C {c2c[1]:.2f} WCU {c2c[2]:.2f} RCU, group {group[1]:.2f} WCU {group[2]:.2f} RCU"
    )
    lines = monthly_cost(c2c, group)
    for name, quantity, usd in lines:
        print(f"  {name:<30} {quantity:>16,.0f}  ${usd:>10,.2f}")
    print(f"  {'total':<30} {'':>16}  ${sum(usd for *_, usd in lines):>10,.2f}")


if __name__ == "__main__":
    main()
