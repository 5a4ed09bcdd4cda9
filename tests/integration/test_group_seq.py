import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.domain import errors
from chalicelib.services.group_messages import Outgoing
from chalicelib.store.group_messages import SEQ_SK, SeqModel, msg_pk
from tests.group_builders import accounts, create, history, send, text

SENDERS = [f"u{i}" for i in range(8)]


@pytest.fixture
def group(api):
    accounts(api, "alice", *SENDERS)
    return create(api, "Public", members=tuple(SENDERS))


def _out(sender, random, value="x"):
    # High: the fixed clock puts every message in the same second, and High is never refused by the 40/s rule
    return Outgoing(sender=sender, random=random, body=text(value), priority="High")


@pytest.fixture
def atomic_requests(monkeypatch):
    """DynamoDB applies each request atomically; moto's in-process backend does not guard against threads (two
    conditional puts may both pass). Serialising requests keeps DynamoDB's guarantee and nothing more: the senders
    still interleave between their requests, which is where the allocation races are."""
    from botocore.client import BaseClient

    lock = threading.Lock()
    real = BaseClient._make_api_call

    def serialised(self, operation, params):
        with lock:
            return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", serialised)


def test_concurrent_senders_get_contiguous_seqs_without_gap_or_duplicate(svc, group, atomic_requests):
    app = svc.apps.get(1400000001)

    def burst(i):
        send = svc.group_messages.send
        return [send(app, "administrator", group, _out(SENDERS[i], i * 100 + k)).seq for k in range(6)]

    with ThreadPoolExecutor(len(SENDERS)) as pool:
        seqs = [s for batch in pool.map(burst, range(len(SENDERS))) for s in batch]
    assert sorted(seqs) == list(range(1, len(SENDERS) * 6 + 1))
    stored = svc.group_messages.last_seq(svc.groups._repo.get(app.sdkappid, group))
    assert stored == len(seqs)


def test_a_watermark_left_behind_by_a_crash_is_healed_by_the_next_sender(svc, api, group):
    first = send(api, group, "one")["MsgSeq"]
    second = send(api, group, "two")["MsgSeq"]
    # the sender of `second` died after storing it, before moving the watermark
    grp = svc.groups._repo.get(1400000001, group)
    SeqModel(msg_pk(1400000001, group, grp.incarnation), SEQ_SK).update(actions=[SeqModel.seq.set(first)])
    third = send(api, group, "three")["MsgSeq"]
    assert (first, second, third) == (1, 2, 3)
    assert [m["MsgSeq"] for m in history(api, group)] == [3, 2, 1]


def test_a_store_failure_allocates_no_seq_and_frees_the_random_for_a_retry(svc, api, group, monkeypatch):
    from chalicelib.store.group_messages import DynamoGroupMessageRepo

    real = DynamoGroupMessageRepo.append

    def broken(self, *a, **kw):
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(DynamoGroupMessageRepo, "append", broken)
    body = {"GroupId": group, "Random": 77, "From_Account": "u1", "MsgBody": text("hello")}
    api.fails("group_open_http_svc/send_group_msg", body, 70500)
    monkeypatch.setattr(DynamoGroupMessageRepo, "append", real)
    assert api.ok("group_open_http_svc/send_group_msg", body)["MsgSeq"] == 1
    assert [m["MsgSeq"] for m in history(api, group)] == [1]


def test_same_random_within_five_minutes_is_the_same_message(svc, api, clock, group):
    body = {"GroupId": group, "Random": 5, "From_Account": "u1", "MsgBody": text("hello")}
    first = api.ok("group_open_http_svc/send_group_msg", body)
    send(api, group, "between")
    again = api.ok("group_open_http_svc/send_group_msg", body)
    assert (again["MsgSeq"], again["MsgTime"]) == (first["MsgSeq"], first["MsgTime"])
    other_sender = api.ok("group_open_http_svc/send_group_msg", {**body, "From_Account": "u2"})
    assert other_sender["MsgSeq"] == 3
    clock.advance(301)
    later = api.ok("group_open_http_svc/send_group_msg", body)
    assert later["MsgSeq"] == 4
    assert [m["MsgSeq"] for m in history(api, group)] == [4, 3, 2, 1]


def test_a_busy_group_refuses_normal_traffic_over_40_per_second_but_never_high(svc, api, clock, group):
    for _ in range(30):
        send(api, group)
    low = {"GroupId": group, "Random": 1, "MsgBody": text("x"), "MsgPriority": "Low"}
    api.fails("group_open_http_svc/send_group_msg", low, 10023)
    for _ in range(10):
        send(api, group)
    api.fails("group_open_http_svc/send_group_msg", {**low, "MsgPriority": "Normal"}, 10023)
    assert send(api, group, MsgPriority="High")["MsgSeq"] == 41
    assert svc.group_messages.last_seq(svc.groups._repo.get(1400000001, group)) == 41  # refused ones wrote nothing
    clock.advance(1.5)
    assert send(api, group, MsgPriority="Low")["MsgSeq"] == 42


def test_dissolved_and_recreated_group_is_a_new_group(svc, api, pusher, group):
    old = send(api, group, "old secret", sender="u1", Random=9)
    api.ok("group_open_http_svc/destroy_group", {"GroupId": group})
    api.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "again", "GroupId": "room"})
    api.fails("group_open_http_svc/create_group", {"Type": "Public", "Name": "dup", "GroupId": "room"}, 10021)
    api.ok("group_open_http_svc/add_group_member", {"GroupId": "room", "MemberList": [{"Member_Account": "u1"}]})
    new = api.ok(
        "group_open_http_svc/send_group_msg",
        {"GroupId": "room", "Random": 9, "From_Account": "u1", "MsgBody": text("new")},
    )
    assert old["MsgSeq"] == 1 and new["MsgSeq"] == 2  # the same Random is not a duplicate in the new group
    rows = history(api, "room", identifier="u1")
    assert next((r["MsgSeq"], r["MsgBody"]) for r in rows) == (2, text("new"))
    assert all("old secret" not in str(r) for r in rows)


def test_recreating_a_dissolved_custom_id_does_not_see_its_members(svc, api):
    accounts(api, "alice", "bob")
    create(api, "Private", members=("bob",), GroupId="team")
    api.ok("group_open_http_svc/destroy_group", {"GroupId": "team"})
    create(api, "Private", GroupId="team")
    roles = api.ok("group_open_http_svc/get_role_in_group", {"GroupId": "team", "User_Account": ["bob", "alice"]})
    assert roles["UserIdList"] == [
        {"Member_Account": "bob", "Role": "NotMember"},
        {"Member_Account": "alice", "Role": "Owner"},
    ]
    assert api.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob"})["TotalCount"] == 0


def test_unknown_group_sends_nothing(svc, api):
    with pytest.raises(errors.GroupNotFound):
        svc.group_messages.send(svc.apps.get(1400000001), "administrator", "nope", _out(None, 1))
