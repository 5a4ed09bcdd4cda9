"""One group message: DynamoDB work (WCU by purpose, member reads for fan-out), posts per online member, and the
time to deliver to 10 / 100 / 1,000 / 10,000 online members with a fixed simulated latency per post.

Capacity is counted on moto by DynamoDB's billing rules (bench/counting.py). Delivery times run in process: posts
go through the real ApiGatewayPusher (its bounded thread pool) to a fake @connections client that sleeps
POST_LATENCY per post; the online index is read from memory with QUERY_LATENCY per page (moto's Query is ~1 ms per
item, which would measure moto); queued pages run one after another in one consumer, and the parallel figure is
what the same pages take when each task has its own Lambda (pages enqueue their successor before posting).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from bench.counting import Usage, count_dynamodb
from bench.sandbox import SETTINGS, Sandbox, sandbox
from chalicelib import wiring
from chalicelib.domain.groups import GroupRef, OnlineTerminal
from chalicelib.push.gateway import ApiGatewayPusher
from chalicelib.services.group_fanout import FanoutLimits
from chalicelib.services.ports import Connection
from tests.fakes import InlineTaskQueue, RecordingPusher
from tests.group_builders import InMemoryGroupOnlineIndex, text

POST_LATENCY = 0.020  # one post_to_connection, seconds
QUERY_LATENCY = 0.010  # one Query page of the online index, seconds
PUSH_WORKERS = 32  # Settings.push_workers default
SIZES = (10, 100, 1_000, 10_000)
PURPOSE = {
    "chalicelib.store.group_messages": "message (seq, body, dedup)",
    "chalicelib.store.counters": "daily stats counters",
    "chalicelib.store.limits": "REST rate window",
    "chalicelib.store.group_online": "online index",
    "chalicelib.store.groups": "group and member items",
    "chalicelib.store.accounts": "sender's account",
    "chalicelib.store.apps": "app registry",
}


def _purpose(callers: Sequence[str]) -> str:
    for module in callers:
        if module in PURPOSE:
            return PURPOSE[module]
    return "other"


def _by_purpose(usage: Usage) -> dict[str, tuple[float, float, int]]:
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for call in usage.calls:
        row = out[_purpose(call.callers)]
        row[0] += call.wcu
        row[1] += call.rcu
        row[2] += call.items_read
    return {k: (v[0], v[1], int(v[2])) for k, v in out.items()}


def _connect(sb: Sandbox, user: str, cid: str) -> None:
    now = int(sb.clock.now())
    conn = Connection(cid, sb.tenant.sdkappid, user, "Android", now, now)
    sb.services.connections.add(conn, expires=now + 600)  # the directory tells the groups' index


def dynamodb_per_message(sb: Sandbox) -> list[tuple[str, int, int, Usage, int]]:
    """(label, members, online, usage, posts) for one steady-state message in groups of growing size."""
    api = sb.api
    rows = []
    for members, online in ((10, 10), (100, 20), (1000, 200)):
        users = [f"m{members}-{i:04d}" for i in range(members)]
        api.ok("im_open_login_svc/multiaccount_import", {"Accounts": users[:100]})
        for start in range(100, members, 100):
            api.ok("im_open_login_svc/multiaccount_import", {"Accounts": users[start : start + 100]})
        gid = api.ok(
            "group_open_http_svc/create_group",
            {"Type": "Public", "Name": "bench", "Owner_Account": users[0], "MaxMemberCount": 6000},
        )["GroupId"]
        for start in range(1, members, 500):
            batch = [{"Member_Account": u} for u in users[start : start + 500]]
            api.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": batch, "Silence": 1})
        for i, user in enumerate(users[:online]):
            _connect(sb, user, f"conn-{members}-{i}")
        body = {"GroupId": gid, "From_Account": users[1], "MsgBody": text("hello")}
        api.ok("group_open_http_svc/send_group_msg", {**body, "Random": 1})  # first of the day: stats marks
        recorder = sb.services.pusher
        assert isinstance(recorder, RecordingPusher)
        recorder.clear()
        with count_dynamodb() as usage:
            api.ok("group_open_http_svc/send_group_msg", {**body, "Random": 2})
        posts = len(recorder.sent)
        rows.append((f"Public group, {members} members, {online} online", members, online, usage, posts))
    return rows


class SlowManagementClient:
    """apigatewaymanagementapi stand-in: every post takes POST_LATENCY (threads sleep in parallel, like I/O)."""

    class exceptions:
        class GoneException(Exception):
            pass

    def __init__(self) -> None:
        self.posts = 0

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        time.sleep(POST_LATENCY)
        self.posts += 1


class TimedIndex(InMemoryGroupOnlineIndex):
    """The online index in memory, each page read costing QUERY_LATENCY."""

    def page(self, sdkappid: int, ref: GroupRef, shard: int, cursor: str | None, limit: int) -> Any:
        time.sleep(QUERY_LATENCY)
        return super().page(sdkappid, ref, shard, cursor, limit)


class TimedQueue(InlineTaskQueue):
    """Runs queued pages one by one, recording each task's duration and when it enqueued its successor."""

    def __init__(self) -> None:
        super().__init__(run_inline=False)
        self.durations: list[float] = []

    def drain(self) -> int:
        from chalicelib.api import tasks

        done = 0
        while self.pending:
            kind, payload = self.pending.pop(0)
            started = time.perf_counter()
            tasks.run(kind, payload)
            self.durations.append(time.perf_counter() - started)
            done += 1
        return done


def delivery_time(sb: Sandbox, online: int, gid: str, ref: GroupRef, kind: str) -> dict[str, float]:
    client = SlowManagementClient()
    pusher = ApiGatewayPusher("http://unused", SETTINGS.region, PUSH_WORKERS)
    pusher._client = client
    queue = TimedQueue()
    built = wiring.build(SETTINGS, clock=sb.clock, pusher=pusher, tasks=queue)
    index = TimedIndex()
    built.group_messages.fanout._online = built.groups._online = index
    built.group_messages.fanout.limits = FanoutLimits(inline_max=200, page_size=500)
    wiring.install(built)
    users = [f"o{i:05d}" for i in range(online)]
    index.add(sb.tenant.sdkappid, [ref], [OnlineTerminal(u, f"c-{u}") for u in users], int(sb.clock.now()) + 3600)
    started = time.perf_counter()
    sb.api.ok("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": online, "MsgBody": text("x")})
    returned = time.perf_counter() - started
    tasks = queue.drain()
    total = time.perf_counter() - started
    assert client.posts == online, (client.posts, online)
    # In Lambda each task runs on its own; a shard's pages form a chain in which page k+1 starts once page k has
    # read its page and enqueued it (one QUERY_LATENCY), so the last post lands after the longest chain.
    shards = ref.shards if kind == "AVChatRoom" else 1
    pages_per_chain = max(1, -(-max(0, online - (0 if shards > 1 else 200)) // (500 * shards))) if tasks else 0
    parallel = returned + ((pages_per_chain - 1) * QUERY_LATENCY + max(queue.durations) if tasks else 0.0)
    return {"returned": returned, "sequential": total, "parallel": parallel, "tasks": float(tasks)}


def main() -> None:
    with sandbox() as sb:
        dynamo = dynamodb_per_message(sb)
        print("One group message, steady state (sender already counted today), REST edge, moto")
        print("  target: the message itself <= 3 WCU whatever the group size (seq watermark, message, Random claim)")
        for label, _members, online, usage, posts in dynamo:
            parts = _by_purpose(usage)
            fanout_reads = parts.get("online index", (0, 0, 0))[2]
            member_reads = parts.get("group and member items", (0, 0, 0))[2]
            print(f"  {label}")
            print(f"    WCU total {usage.wcu:g}; RCU total {usage.rcu:g}; requests {usage.requests}")
            for purpose, (wcu, rcu, _items) in sorted(parts.items()):
                print(f"      {purpose:<28} WCU {wcu:>4g}  RCU {rcu:>6g}")
            print(
                f"    fan-out reads {fanout_reads} online-index rows (one per online terminal), "
                f"{member_reads} member/group items (the group and the sender: none per member); "
                f"posts {posts} = {posts / online:.2f} per online member (the sender's own terminal is one of them)"
            )
        accounts = [f"host{i}" for i in range(2)]
        sb.api.ok("im_open_login_svc/multiaccount_import", {"Accounts": accounts})
        print()
        print(
            f"Time to deliver one message (posts {POST_LATENCY * 1000:g} ms each, {PUSH_WORKERS} parallel posts per "
            f"Lambda, index pages {QUERY_LATENCY * 1000:g} ms, inline up to 200, queued pages of 500)"
        )
        print(f"  {'online':>7} {'type':<11} {'send returns':>12} {'1 consumer':>11} {'task/Lambda':>11} {'tasks':>6}")
        for online in SIZES:
            kind = "Public" if online <= 1000 else "AVChatRoom"
            gid = sb.api.ok(
                "group_open_http_svc/create_group", {"Type": kind, "Name": "t", "Owner_Account": accounts[0]}
            )["GroupId"]
            group = sb.services.group_messages.group(sb.services.apps.get(sb.tenant.sdkappid), gid)
            t = delivery_time(sb, online, gid, GroupRef.of(group), kind)
            print(
                f"  {online:>7} {kind:<11} {t['returned'] * 1000:>10.0f}ms {t['sequential'] * 1000:>9.0f}ms "
                f"{t['parallel'] * 1000:>9.0f}ms {int(t['tasks']):>6}"
            )
        print("  (1 consumer: every queued page in one Lambda after the other; task/Lambda: each page its own Lambda)")
