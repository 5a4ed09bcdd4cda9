import pytest

from chalicelib.domain.groups import GroupRef, Member, OnlineTerminal
from chalicelib.domain.terminals import HANDSHAKE_GRACE_SECONDS
from chalicelib.services.group_fanout import FANOUT_TASK, FanoutLimits
from chalicelib.services.group_messages import Outgoing
from tests.group_builders import InMemoryGroupOnlineIndex, accounts, connect, create, send, text


@pytest.fixture
def queued(task_queue):
    task_queue.run_inline = False
    return task_queue


def _messages(pusher, cid):
    return [f["data"] for f in pusher.frames(cid, "GroupMessage")]


def test_small_group_is_delivered_inline_to_every_terminal_but_the_senders_own(svc, api, pusher, queued):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "Public", members=("bob", "carol"))
    for user, cid in (("alice", "a1"), ("bob", "b1"), ("bob", "b2"), ("carol", "c1")):
        connect(svc, user, cid)
    app = svc.apps.get(1400000001)
    sent = svc.group_messages.send(app, "bob", gid, Outgoing(None, 1, text("hi")), exclude="b1")
    assert queued.enqueued == []
    for cid in ("a1", "b2", "c1"):
        (data,) = _messages(pusher, cid)
        assert (data["MsgSeq"], data["From_Account"], data["MsgBody"]) == (sent.seq, "bob", text("hi"))
    assert _messages(pusher, "b1") == []


def test_gone_terminals_are_pruned_from_the_directory_and_the_group_index(svc, api, pusher):
    accounts(api, "alice", "bob")
    gid = create(api, "Public", members=("bob",))
    connect(svc, "bob", "b1")
    svc.clock.advance(HANDSHAKE_GRACE_SECONDS + 1)  # a Gone within the login's handshake grace prunes nothing
    pusher.gone.add("b1")
    send(api, gid)
    group = svc.groups._repo.get(1400000001, gid)
    assert svc.connections.get("b1") is None
    assert svc.group_messages.fanout._online.page(1400000001, GroupRef.of(group), 0, None, 10) == ([], None)


def test_above_the_inline_threshold_delivery_moves_to_the_queue_in_pages(svc, api, pusher, queued):
    accounts(api, "alice", *[f"m{i}" for i in range(9)])
    gid = create(api, "Public", members=tuple(f"m{i}" for i in range(9)))
    for i in range(9):
        connect(svc, f"m{i}", f"c{i}")
    svc.group_messages.fanout.limits = FanoutLimits(inline_max=2, page_size=3)
    send(api, gid)
    assert len(pusher.events("GroupMessage")) == 2  # the first page went inline, the rest is queued
    assert [kind for kind, _ in queued.enqueued] == [FANOUT_TASK]
    assert queued.drain() == 3  # pages of 3, 3 and 1: each task enqueues the next before posting its own
    assert sorted(cid for cid, _ in pusher.events("GroupMessage")) == sorted(f"c{i}" for i in range(9))


def test_a_10000_member_live_room_receives_through_the_queue(svc, api, pusher, queued):
    accounts(api, "host")
    gid = create(api, "AVChatRoom", owner="host")
    group = svc.groups._repo.get(1400000001, gid)
    users = [f"v{i:05d}" for i in range(10_000)]
    now = int(svc.clock.now())
    svc.groups._repo.bulk_put_members(group, [Member(u, "Member", now, 1) for u in users])
    online = InMemoryGroupOnlineIndex()  # the DynamoDB index's paging is tested above with small pages
    svc.group_messages.fanout._online = svc.groups._online = online
    online.add(1400000001, [GroupRef.of(group)], [OnlineTerminal(u, f"conn-{u}") for u in users], now + 3600)
    assert svc.groups._repo.get(1400000001, gid).member_num == 10_001
    svc.group_messages.fanout.limits = FanoutLimits(inline_max=200, page_size=500)

    sent = send(api, gid, "to everyone", sender="host")
    assert pusher.sent == []  # the send returned once stored: every delivery is queued
    assert len(queued.enqueued) == group.shards == 8
    tasks = queued.drain()
    got = pusher.events("GroupMessage")
    assert len(got) == 10_000 and len({cid for cid, _ in got}) == 10_000
    assert {f["data"]["MsgSeq"] for _, f in got} == {sent["MsgSeq"]}
    assert tasks == 8 * 3  # ~1250 terminals per shard: three pages of at most 500 each, one task per page
    assert api.ok("group_open_http_svc/get_online_member_num", {"GroupId": gid})["OnlineMemberNum"] == 10_000


def test_the_online_index_pages_by_cursor_and_skips_expired_rows(svc, clock):
    online = svc.group_messages.fanout._online
    ref = GroupRef("g", "inc", 1)
    now = int(clock.now())
    online.add(1, [ref], [OnlineTerminal(f"u{i}", f"c{i}") for i in range(5)], now + 100)
    online.add(1, [ref], [OnlineTerminal("late", "cx")], now + 1)
    clock.advance(2)
    seen, cursor, pages = [], None, 0
    while True:
        found, cursor = online.page(1, ref, 0, cursor, 2)
        seen += found
        pages += 1
        if cursor is None:
            break
    assert sorted(t.user for t in seen) == [f"u{i}" for i in range(5)]
    assert pages >= 3
    assert online.count_users(1, ref) == 5
