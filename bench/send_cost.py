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

from bench.counting import Usage, count_dynamodb, count_round_trips, print_table
from bench.sandbox import Sandbox, sandbox

SENDS = 20
INJECTED_MS = 5.0  # a deployed stack's DynamoDB round trip, roughly (same region, warm connection)
TARGET_REQUESTS, TARGET_WCU, TARGET_RCU = 5, 3, 3

# The README's monthly load model (issue 15 item 7).
DAU = 100_000
C2C_PER_DAU_DAY = 40
GROUP_PER_DAU_DAY = 20
GROUP_SIZE, GROUP_ONLINE = 50, 0.20
ONLINE_MINUTES = 60
HEARTBEAT_MINUTES = 9
DAYS = 30


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
        return dict(raw(client, operation, params))

    BaseClient._make_api_call = delayed
    try:
        yield
    finally:
        BaseClient._make_api_call = raw


def latency(sb: Sandbox, runs: int = 20) -> list[tuple[str, float, float, int, str]]:
    """(operation, median ms of a websocket send in-process, the same with INJECTED_MS before every DynamoDB
    request, its sequential round trips, their chain). The round trips are counted from causality
    (bench.counting.count_round_trips), so they do not depend on this machine's load; the delayed median shows
    what they cost: about round trips x INJECTED_MS on top of the in-process time."""
    _, ws, groups = _setup(sb)
    out = []
    for label, target in [("C2C send", "c2c"), (next(iter(groups)), next(iter(groups)))]:
        ws(target, 10)
        medians = []
        for delay in (0.0, INJECTED_MS):
            times = []
            with injected_delay(delay):
                for _ in range(runs):
                    sb.clock.advance(0.1)  # under a group's 40 messages a second
                    t = time.perf_counter()
                    ws(target, 200)
                    times.append((time.perf_counter() - t) * 1000)
            medians.append(stats.median(times))
        sb.clock.advance(0.1)
        with count_round_trips(leave_out=("-counters",)) as trips:
            ws(target, 200)
        out.append((label, medians[0], medians[1], trips.sequential, trips.chain()))
    return out


# --- the monthly cost model (README → One-to-one messages → Cost) ---------------------------------------------------
PRICES_CHECKED = "2026-12-03"
# us-east-1 list prices, from AWS's pricing pages (the checked date above; this machine has no web access, so they
# were read from stored copies of those pages and third-party summaries quoting them, and match DynamoDB's
# November 2024 on-demand price cut):
DDB_WRITE_USD = 0.625 / 1e6  # https://aws.amazon.com/dynamodb/pricing/on-demand/ — per write request unit
DDB_READ_USD = 0.125 / 1e6  # same page — per read request unit
DDB_GB_MONTH_USD = 0.25  # same page — Standard table class storage, per GB-month (first 25 GB free)
WS_MESSAGE_USD = 1.00 / 1e6  # https://aws.amazon.com/api-gateway/pricing/ — WebSocket messages (32 KB units)
WS_MINUTE_USD = 0.25 / 1e6  # same page — WebSocket connection minutes
LAMBDA_REQUEST_USD = 0.20 / 1e6  # https://aws.amazon.com/lambda/pricing/ — requests
LAMBDA_GB_SECOND_USD = 0.0000166667  # same page — x86 duration (the stack's functions are x86, 512 MB)
SQS_REQUEST_USD = 0.40 / 1e6  # https://aws.amazon.com/sqs/pricing/ — standard queue requests (64 KB units)

LAMBDA_GB = 0.5  # .chalice/config.json lambda_memory_size
SEND_LAMBDA_MS = 40.0  # a send's billed duration: 3 round trips of ~5 ms, its CPU and the posts (assumed)
HEARTBEAT_LAMBDA_MS = 10.0
C2C_ONLINE = GROUP_ONLINE  # a C2C recipient is online (pushed) as often as a group member; else offline-pushed
CONVERSATION_HOURS = 4  # per DAU-day: hours in which a DAU's conversation gets its first message of that hour
MESSAGE_KB = 0.5  # a stored message item (≤ 1 KB text, compressed from 512 B), with key and attribute names
ROAMING_DAYS = 7


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float  # per month
    unit_usd: float
    basis: str  # where the quantity comes from

    @property
    def usd(self) -> float:
        return self.quantity * self.unit_usd


def monthly_cost(c2c: tuple[float, float, float], group: tuple[float, float, float]) -> list[CostLine]:
    """The README's load model, line by line, from measured per-send (requests, WCU, RCU) of every table."""
    c2c_sends = DAU * C2C_PER_DAU_DAY * DAYS
    group_sends = DAU * GROUP_PER_DAU_DAY * DAYS
    online = GROUP_SIZE * GROUP_ONLINE - 1  # the sender's own terminal is not pushed
    heartbeats = DAU * DAYS * ONLINE_MINUTES / HEARTBEAT_MINUTES
    # a keys-only activity index entry moves (2 writes) on each side the first time a conversation is active in an
    # hour: CONVERSATION_HOURS per DAU-day, two sides each, every conversation shared by two DAUs
    index_writes = DAU * DAYS * CONVERSATION_HOURS / 2 * 2 * 2
    stored_gb = (c2c_sends + group_sends) / DAYS * ROAMING_DAYS * MESSAGE_KB / 1024 / 1024
    offline = c2c_sends * (1 - C2C_ONLINE) + group_sends  # offline-push tasks: an offline C2C recipient, a group send
    send_lambdas = c2c_sends + group_sends
    return [
        CostLine("DynamoDB writes, C2C sends", c2c_sends * c2c[1], DDB_WRITE_USD,
                 f"{c2c_sends / 1e6:,.0f} M sends x {c2c[1]:.2f} WCU (measured)"),
        CostLine("DynamoDB reads, C2C sends", c2c_sends * c2c[2], DDB_READ_USD,
                 f"{c2c_sends / 1e6:,.0f} M sends x {c2c[2]:.2f} RCU (measured)"),
        CostLine("DynamoDB writes, group sends", group_sends * group[1], DDB_WRITE_USD,
                 f"{group_sends / 1e6:,.0f} M sends x {group[1]:.2f} WCU (measured)"),
        CostLine("DynamoDB reads, group sends", group_sends * group[2], DDB_READ_USD,
                 f"{group_sends / 1e6:,.0f} M sends x {group[2]:.2f} RCU (measured, incl. the online-member Query)"),
        CostLine("DynamoDB writes, recent-contacts index", index_writes, DDB_WRITE_USD,
                 f"{CONVERSATION_HOURS} conversation-hours a DAU-day, 2 writes a side (assumed)"),
        CostLine("DynamoDB storage (messages, 7 days)", stored_gb, DDB_GB_MONTH_USD,
                 f"{ROAMING_DAYS} days of messages x {MESSAGE_KB} KB (assumed size)"),
        CostLine("WebSocket messages",
                 c2c_sends * (2 + C2C_ONLINE) + group_sends * (2 + online) + heartbeats * 2, WS_MESSAGE_USD,
                 f"C2C: send, reply, a push to {C2C_ONLINE:.0%}; group: send, reply, {online:g} pushes; heartbeat"
                 f" + reply every {HEARTBEAT_MINUTES} min"),
        CostLine("WebSocket connection minutes", DAU * DAYS * ONLINE_MINUTES, WS_MINUTE_USD,
                 f"{ONLINE_MINUTES} min a DAU-day"),
        CostLine("Lambda requests", send_lambdas + heartbeats + offline, LAMBDA_REQUEST_USD,
                 "one per send, heartbeat and offline-push task"),
        CostLine("Lambda duration (GB-s)",
                 (send_lambdas * SEND_LAMBDA_MS + (heartbeats + offline) * HEARTBEAT_LAMBDA_MS) / 1000 * LAMBDA_GB,
                 LAMBDA_GB_SECOND_USD,
                 f"{SEND_LAMBDA_MS:g} ms a send, {HEARTBEAT_LAMBDA_MS:g} ms a heartbeat or task, {LAMBDA_GB:g} GB"),
        CostLine("SQS requests (offline push tasks)", offline * 3, SQS_REQUEST_USD,
                 f"one task per offline C2C recipient ({1 - C2C_ONLINE:.0%}) and per group send: send, receive,"
                 " delete (an upper bound: Lambda receives and deletes in batches)"),
    ]  # fmt: skip


def cost_table(lines: list[CostLine]) -> str:
    """The cost model as a Markdown table (what the README shows)."""
    out = ["| line | quantity a month | unit price (USD) | USD a month | basis |", "|---|---:|---:|---:|---|"]
    for line in lines:
        price = f"{line.unit_usd:.10f}".rstrip("0").rstrip(".")
        out.append(f"| {line.item} | {line.quantity:,.0f} | {price} | {line.usd:,.2f} | {line.basis} |")
    out.append(f"| **total** | | | **{sum(line.usd for line in lines):,.2f}** | |")
    return "\n".join(out)


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
        for label, base, slow, rounds, chain in latency(sb):
            print(
                f"  {label:<24} in-process {base:5.1f} ms, with {INJECTED_MS:g} ms a request {slow:5.1f} ms;"
                f" {rounds} sequential round trips → {rounds * INJECTED_MS:.0f} ms of DynamoDB on a deployed stack"
            )
            print(f"  {'':<24} {chain}")
    print("  (in-process time is mostly moto's and botocore's; a deployed send adds the round trips to its own CPU;")
    print("   one REST call in ten also takes the rate window's lease first, one more round trip)")
    print()
    c2c = next(m for m in rows if m.label == "C2C send, 200 B, websocket").per_send()
    group = next(m for m in rows if m.label.startswith("group send, 100 members, 200 B, websocket")).per_send()
    print(
        f"Monthly AWS cost model: {DAU:,} DAU, {C2C_PER_DAU_DAY} C2C and {GROUP_PER_DAU_DAY} group sends per DAU-day,"
        f" groups of {GROUP_SIZE} with {GROUP_ONLINE:.0%} online, {ONLINE_MINUTES} min online a day,"
        f" heartbeat every {HEARTBEAT_MINUTES} min, {DAYS} days; us-east-1 list prices checked {PRICES_CHECKED}"
    )
    print(cost_table(monthly_cost(c2c, group)))


if __name__ == "__main__":
    main()
