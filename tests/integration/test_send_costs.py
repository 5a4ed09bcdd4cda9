"""A send's whole DynamoDB cost, every table counted (rate window and daily statistics included), over REST: C2C
and group sends of ≤ 1 KB text make 5 requests of their own, 3 WCU and ≤ 3 RCU, plus the REST rate window's lease
(one write per tenth of the app's per-second limit: 0.1 a call); daily statistics are batched per container and
written far less often than once per send (issue 15). Counts only, never timings."""

from __future__ import annotations

from typing import Any

from bench.counting import Usage, count_dynamodb
from tests import group_builders as gb

SENDS = 20


def _c2c(api: Any, i: int, size: int, **extra: Any) -> dict[str, Any]:
    body = {"To_Account": "bob", "MsgRandom": 1000 + i, "MsgBody": gb.text("x" * size), **extra}
    return dict(api.ok("openim/sendmsg", body))


def _per_send(usage: Usage) -> tuple[float, float, float]:
    return usage.requests / SENDS, usage.wcu / SENDS, usage.rcu / SENDS


def _counters(usage: Usage) -> Usage:
    return Usage([c for c in usage.calls if any(t.endswith("-counters") for t in c.tables)])


def _steady(usage: Usage) -> Usage:
    """The requests every send makes (the counters table's are leases and batched statistics, shared by many)."""
    return Usage([c for c in usage.calls if not any(t.endswith("-counters") for t in c.tables)])


def test_a_c2c_send_costs_five_requests_three_wcu_and_at_most_three_rcu(api, svc, clock):
    gb.accounts(api, "alice", "bob")
    gb.connect(svc, "bob", "bob-phone")
    _c2c(api, 0, 10, From_Account="alice")  # the conversation exists
    clock.advance(1)
    for size, online in ((200, True), (900, False)):
        if not online:
            gb.disconnect(svc, "bob-phone")
        with count_dynamodb() as usage:
            for i in range(SENDS):
                _c2c(api, size * 100 + i, size, From_Account="alice")
        requests, wcu, rcu = _per_send(_steady(usage))
        assert requests == 5 and wcu == 3 and rcu <= 3, (size, usage.summary())
        assert _per_send(usage)[0] <= 5.1 and _per_send(usage)[1] <= 3.1  # + the REST rate lease, 0.1 a call
        each = _steady(usage)
        assert each.operations == {
            "BatchGetItem": SENDS,  # both accounts and the conversation row, in one request
            "UpdateItem": 2 * SENDS,  # the lower row (position), the higher row
            "PutItem": SENDS,  # the message
            "Query": SENDS,  # the recipient's terminals
        }, each.summary()
        leases = _counters(usage)
        assert leases.operations == {"UpdateItem": 2}, leases.summary()  # REST rate: 0.1 writes a call
        clock.advance(1)


def test_a_group_send_costs_five_requests_three_wcu_and_at_most_three_rcu(api, svc, clock):
    for size in (10, 100):
        members = tuple(f"m{size}-{i}" for i in range(size))
        gb.accounts(api, "alice", *members[:50])
        if size > 50:
            gb.accounts(api, *members[50:])
        for i in range(0, size, 5):  # a fifth of the members online
            gb.connect(svc, members[i], f"c{size}-{i}")
        gid = gb.create(api, "Public", "alice", members)
        gb.send(api, gid, "first", sender="alice")  # this container has read the group once
        clock.advance(1)
        # a 900-byte body is stored compressed: still one write unit (the body's size does not depend on the group's)
        for text in ("x" * 200, _prose(900)) if size == 10 else ("x" * 200,):
            with count_dynamodb() as usage:
                for _ in range(SENDS):
                    gb.send(api, gid, text, sender="alice")
            requests, wcu, rcu = _per_send(_steady(usage))
            assert requests == 5 and wcu == 3 and rcu <= 3, (size, len(text), usage.summary())
            if len(text) < 900:  # (a later batch may hold this container's statistics flush: not the send's)
                assert _per_send(usage)[0] <= 5.1 and _per_send(usage)[1] <= 3.1  # + the REST rate lease
                assert _counters(usage).operations == {"UpdateItem": 2}, _counters(usage).summary()
            each = _steady(usage)
            assert each.operations == {
                "BatchGetItem": SENDS,  # the group, the sender's account, member row and claim, the seq watermark
                "PutItem": 2 * SENDS,  # the (sender, Random) claim, the message
                "UpdateItem": SENDS,  # the watermark
                "Query": SENDS,  # the online members
            }, each.summary()
            clock.advance(1)


def _prose(size: int) -> str:
    """`size` bytes of varied text (not one repeated letter, which would compress to nothing)."""
    import random

    words = "the quick brown fox jumps over a lazy dog while nine tired owls watch from old oak trees".split()
    rng = random.Random(size)
    out = ""
    while len(out) < size:
        out += rng.choice(words) + " "
    return out[:size]


def test_a_group_message_stored_compressed_reads_back_everywhere(api, svc):
    """History, an edit and a recall of a compressed group body (900 B, stored zlib-compressed like C2C's)."""
    gb.accounts(api, "alice", "bob")
    gid = gb.create(api, "Public", "alice", ("bob",))
    long = _prose(900)
    sent = gb.send(api, gid, long, sender="alice")
    (row,) = gb.history(api, gid)
    assert row["MsgBody"] == gb.text(long)
    edited = _prose(950) + "!"
    api.ok("openim/modify_group_msg", {"GroupId": gid, "MsgSeq": sent["MsgSeq"], "MsgBody": gb.text(edited)})
    (row,) = gb.history(api, gid)
    assert row["MsgBody"] == gb.text(edited)
    api.ok("openim/modify_group_msg", {"GroupId": gid, "MsgSeq": sent["MsgSeq"], "MsgBody": gb.text("short")})
    (row,) = gb.history(api, gid)
    assert row["MsgBody"] == gb.text("short")
    api.ok("group_open_http_svc/group_msg_recall", {"GroupId": gid, "MsgSeqList": [{"MsgSeq": sent["MsgSeq"]}]})
    rows = gb.history(api, gid, WithRecalledMsg=1)
    assert [r["IsPlaceMsg"] for r in rows if r["MsgSeq"] == sent["MsgSeq"]] == [2]


def test_statistics_stay_exact_when_batched(api, svc, tenant, clock, stream):
    """Stored messages are counted from the messages stream (the send path makes no statistics write of its own);
    the daily job (here: reading the counters) sees every send."""
    from chalicelib.domain.stats import day_of

    gb.accounts(api, "alice", "bob", "carol")
    gid = gb.create(api, "Public", "alice", ("bob",))
    for i in range(30):
        _c2c(api, i, 10, From_Account="alice" if i % 2 else "carol")
    for _ in range(7):
        gb.send(api, gid, "hi", sender="bob")
    stream.drain()
    app = svc.apps.get(tenant.sdkappid)
    figures = svc.metrics.day(tenant.sdkappid, day_of(clock.now(), app.config.timezone))
    assert figures["C2CUpMsgNum"] == 30 and figures["C2CDownMsgNum"] == 30
    assert figures["C2CSendMsgUserNum"] == 2
    assert figures["GroupUpMsgNum"] == 7 and figures["GroupSendMsgUserNum"] == 1


def test_the_send_cost_benchmark_holds_the_targets_over_rest_and_websocket(aws):
    """bench/send_cost.py: every table, 20 sends a row; websocket sends make no rate-window lease."""
    from bench import send_cost
    from bench.sandbox import sandbox
    from tests.conftest import _empty_aws

    _empty_aws()
    with sandbox() as sb:
        rows = {m.label: m for m in send_cost.measure(sb, sizes=(200,), group_sizes=(10,))}
    for label, m in rows.items():
        # the app registry's cache is refreshed every 10 s per container (the bench's clock moves): not the send's
        own = Usage([c for c in _steady(m.usage).calls if not any(t.endswith("-apps") for t in c.tables)])
        assert own.requests == 5 * SENDS, (label, own.summary())
        assert own.rcu <= 3 * SENDS, (label, own.summary())
        assert own.wcu == 3 * SENDS, (label, own.summary())
