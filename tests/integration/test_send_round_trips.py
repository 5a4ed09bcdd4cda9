"""A send's critical path (issue 15 item 2): at most 3 sequential DynamoDB round trips between its arrival and its
reply, C2C and group, over REST and websocket. Counted from causality (bench.counting.count_round_trips: which
request had to end before which could start), never from timings; `make bench` → send_cost prints the latency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.counting import count_round_trips
from chalicelib.api import registry
from chalicelib.api.context import AuthContext
from tests import group_builders as gb

LEASE = ("-counters",)  # the REST rate window's lease: one call in ten takes one, before anything else


def _c2c(api: Any, i: int, **extra: Any) -> dict[str, Any]:
    body = {"To_Account": "bob", "MsgRandom": 5000 + i, "MsgBody": gb.text("x" * 200), **extra}
    return dict(api.ok("openim/sendmsg", body))


def test_the_counter_follows_requests_across_threads(aws):
    import boto3

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    with ThreadPoolExecutor(2) as pool, count_round_trips() as trips:
        ddb.list_tables()  # 1
        side = [pool.submit(ddb.list_tables), pool.submit(ddb.list_tables)]  # 2, 2: beside each other
        ddb.list_tables()  # 2
        for f in side:
            f.result()
        ddb.list_tables()  # 3: after all of them
    assert sorted(d for _, d in trips.requests) == [1, 2, 2, 2, 3], trips.chain()
    assert trips.sequential == 3


def test_a_c2c_send_makes_three_sequential_round_trips(api, svc, tenant, clock):
    gb.accounts(api, "alice", "bob")
    gb.connect(svc, "bob", "bob-phone")
    gb.connect(svc, "alice", "alice-phone")
    _c2c(api, 0, From_Account="alice")
    clock.advance(1)
    alice = AuthContext(svc.apps.get(tenant.sdkappid), "alice", False, via="ws", connection_id="alice-phone")
    for i in range(1, 6):
        with count_round_trips(LEASE) as rest:
            _c2c(api, i, From_Account="alice")
        with count_round_trips(LEASE) as ws:
            body = {"To_Account": "bob", "MsgRandom": 6000 + i, "MsgBody": gb.text("y")}
            registry.dispatch(alice, registry.lookup("openim/sendmsg"), body)
        for trips in (rest, ws):
            own = trips.requests
            assert trips.sequential == 3, trips.chain()
            # BatchGetItem, then the position, then the message, the other row and the terminals side by side
            assert sorted(own, key=lambda r: (r[1], r[0])) == [
                ("BatchGetItem", 1),
                ("UpdateItem", 2),
                ("PutItem", 3),
                ("Query", 3),
                ("UpdateItem", 3),
            ], trips.chain()
        clock.advance(1)


def test_a_group_send_makes_three_sequential_round_trips(api, svc, clock):
    members = tuple(f"m{i}" for i in range(10))
    gb.accounts(api, "alice", *members)
    for m in members[::2]:
        gb.connect(svc, m, f"c-{m}")
    gid = gb.create(api, "Public", "alice", members)
    gb.send(api, gid, "first", sender="alice")  # this container has read the group once
    for _ in range(5):
        clock.advance(1)
        with count_round_trips(LEASE) as trips:
            gb.send(api, gid, "x" * 200, sender="alice")
        assert trips.sequential == 3, trips.chain()
        own = sorted(trips.requests, key=lambda r: (r[1], r[0]))
        # the group, account, member row, watermark and claim; the claim beside the message; the watermark's
        # update beside the online members' Query
        assert own == [
            ("BatchGetItem", 1),
            ("PutItem", 2),
            ("PutItem", 2),
            ("Query", 3),
            ("UpdateItem", 3),
        ], trips.chain()


def test_a_group_retry_is_answered_from_the_claim_read_ahead_and_writes_nothing(api, svc, clock):
    gb.accounts(api, "alice", "bob")
    gid = gb.create(api, "Public", "alice", ("bob",))
    gb.send(api, gid, "first", sender="alice")
    body = {"GroupId": gid, "Random": 77, "MsgBody": gb.text("once"), "From_Account": "alice"}
    first = api.ok("group_open_http_svc/send_group_msg", body)
    clock.advance(2)
    with count_round_trips(LEASE) as trips:
        again = api.ok("group_open_http_svc/send_group_msg", body)
    assert again["MsgSeq"] == first["MsgSeq"]
    assert not [op for op, d in trips.requests if op == "PutItem"], trips.chain()
    after = gb.send(api, gid, "next", sender="alice")
    assert after["MsgSeq"] == first["MsgSeq"] + 1  # no seq was spent on the retry
    assert [m["MsgSeq"] for m in gb.history(api, gid)] == [after["MsgSeq"], first["MsgSeq"], 1]


def test_a_group_retry_racing_its_original_leaves_a_placeholder_not_a_second_message(api, svc, tenant, clock):
    """The claim was not read ahead (the retry raced its original): its copy, stored beside the claim, becomes a
    deleted placeholder and the answer is the original's seq."""
    from chalicelib.store.group_messages import DynamoGroupMessageRepo

    gb.accounts(api, "alice", "bob")
    gid = gb.create(api, "Public", "alice", ("bob",))
    body = {"GroupId": gid, "Random": 88, "MsgBody": gb.text("once"), "From_Account": "alice"}
    first = api.ok("group_open_http_svc/send_group_msg", body)
    real = DynamoGroupMessageRepo.claimed
    DynamoGroupMessageRepo.claimed = lambda *a, **k: False  # type: ignore[method-assign]
    try:
        again = api.ok("group_open_http_svc/send_group_msg", body)
    finally:
        DynamoGroupMessageRepo.claimed = real  # type: ignore[method-assign]
    assert again["MsgSeq"] == first["MsgSeq"]
    rows = gb.history(api, gid)
    live = [r for r in rows if r["IsPlaceMsg"] == 0]
    assert [r["MsgSeq"] for r in live] == [first["MsgSeq"]]
    assert [r["MsgSeq"] for r in rows if r["IsPlaceMsg"] == 1] == [first["MsgSeq"] + 1]
