"""The relationship-chain store on moto: transactions with counters, limits under concurrency, paging, cleanup."""

import dataclasses
import threading

import pytest

from chalicelib.domain import relations as rel
from chalicelib.store.relations import DynamoRelationRepo

APP = 1400000001
LIMITS = rel.RelationLimits(friends=3, blacklist=2, pending=2, groups=2)


@pytest.fixture
def repo(svc):
    return DynamoRelationRepo()


def f(peer, **kw):
    return rel.Friend(peer, add_source="AddSource_Type_Web", add_time=1, **kw)


def put(owner, *peers):
    return [rel.PutFriend(owner, f(p)) for p in peers]


def test_rows_and_counters_move_together(repo):
    repo.apply(APP, put("a", "b", "c") + put("b", "a"), LIMITS)
    assert repo.meta(APP, "a").friends == 2 and repo.meta(APP, "b").friends == 1
    assert repo.pairs(APP, "a", ["b"])["b"].theirs is not None
    repo.apply(APP, [rel.DeleteRow("a", rel.FRIEND, "b")], LIMITS)
    meta = repo.meta(APP, "a")
    assert meta.friends == 1 and meta.friend_seq == 2


def test_a_limit_names_the_full_account_and_writes_nothing(repo):
    repo.apply(APP, put("b", "x", "y", "z"), LIMITS)
    with pytest.raises(rel.LimitReached) as hit:
        repo.apply(APP, put("a", "b") + put("b", "a"), LIMITS)
    assert (hit.value.owner, hit.value.counter) == ("b", "friends")
    assert repo.pairs(APP, "a", ["b"])["b"].mine is None
    assert repo.meta(APP, "a").friends == 0


def test_writing_over_a_row_that_appeared_meanwhile_is_a_conflict(repo):
    repo.apply(APP, put("a", "b"), LIMITS)
    with pytest.raises(rel.Conflict):
        repo.apply(APP, put("a", "b"), LIMITS)
    with pytest.raises(rel.Conflict):
        repo.apply(APP, [rel.DeleteRow("a", rel.FRIEND, "zed")], LIMITS)
    assert repo.meta(APP, "a").friends == 1


def test_required_accounts_must_still_exist(repo, svc, tenant):
    with pytest.raises(rel.AccountGone):
        repo.apply(APP, put("a", "ghost"), LIMITS, require=["ghost"])
    svc.accounts.import_account(APP, "ghost")
    repo.apply(APP, put("a", "ghost"), LIMITS, require=["ghost"])


def test_friend_pages_follow_the_order_friends_were_added_and_survive_deletes(repo):
    for peer in ("m", "c", "x", "a", "q"):
        repo.apply(APP, put("o", peer), rel.RelationLimits(100, 100, 100, 100))
    repo.apply(APP, [rel.DeleteRow("o", rel.FRIEND, "x")], LIMITS)
    page, nxt = repo.friends_page(APP, "o", 0, 2)
    assert [x.peer for x in page] == ["m", "c"] and nxt
    page, nxt2 = repo.friends_page(APP, "o", nxt, 2)
    assert [x.peer for x in page] == ["a", "q"]
    assert nxt2 == 0


def test_friend_rows_keep_remark_groups_and_custom_values(repo):
    repo.apply(APP, put("a", "b"), LIMITS)
    repo.apply(
        APP,
        [
            rel.AddGroups("a", ("work",)),
            rel.UpdateFriend("a", "b", remark="Bee", remark_time=7, groups=("work",), custom={"Tag_SNS_Custom_Lv": 3}),
        ],
        LIMITS,
    )
    repo.apply(APP, [rel.UpdateFriend("a", "b", custom={"Tag_SNS_Custom_Nick": "bee"})], LIMITS)
    row = repo.pairs(APP, "a", ["b"])["b"].mine
    assert (row.remark, row.remark_time, row.groups) == ("Bee", 7, ("work",))
    assert row.custom == {"Tag_SNS_Custom_Lv": 3, "Tag_SNS_Custom_Nick": "bee"}
    meta = repo.meta(APP, "a")
    assert meta.groups == {"work"} and meta.custom_seq == 2 and meta.group_seq == 1


def test_friend_groups_are_bounded_and_existing_names_do_not_count(repo):
    repo.apply(APP, [rel.AddGroups("a", ("g1", "g2"))], LIMITS)
    repo.apply(APP, [rel.AddGroups("a", ("g1",))], LIMITS)
    with pytest.raises(rel.LimitReached) as hit:
        repo.apply(APP, [rel.AddGroups("a", ("g3",))], LIMITS)
    assert hit.value.counter == "groups"
    repo.apply(APP, [rel.DeleteGroups("a", ("g1",))], LIMITS)
    repo.apply(APP, [rel.AddGroups("a", ("g3",))], LIMITS)
    assert repo.meta(APP, "a").groups == {"g2", "g3"}


def test_requests_are_stored_on_both_sides_and_listed_with_expired_ones(repo):
    r = rel.FriendRequest("a", "b", rel.ADD_BOTH, "AddSource_Type_Web", "hi", "", "", 1, 100)
    repo.apply(APP, [rel.PutRequest(r)], LIMITS)
    assert repo.pairs(APP, "a", ["b"])["b"].sent == r
    assert repo.pairs(APP, "b", ["a"])["a"].received == r
    assert repo.meta(APP, "a").pending_out == 1 and repo.meta(APP, "b").pending_in == 1
    renewed = dataclasses.replace(r, expires=200)
    repo.apply(APP, [rel.PutRequest(renewed, replace=True)], LIMITS)
    assert repo.meta(APP, "b").pending_in == 1
    requests, cursor = repo.requests_page(APP, "b", None, 10)
    assert requests == [renewed] and cursor == ""


def test_request_pages_continue_from_the_cursor(repo):
    for peer in ("p1", "p2", "p3"):
        r = rel.FriendRequest(peer, "t", rel.ADD_BOTH, "AddSource_Type_Web", "", "", "", 1, 100)
        repo.apply(APP, [rel.PutRequest(r)], rel.RelationLimits(9, 9, 9, 9))
    first, cursor = repo.requests_page(APP, "t", None, 2)
    rest, end = repo.requests_page(APP, "t", cursor, 2)
    assert [r.requester for r in first + rest] == ["p1", "p2", "p3"] and end == ""


def test_rows_pointing_at_an_account_are_found_without_a_scan(repo):
    repo.apply(APP, put("a", "x") + put("x", "a"), LIMITS)
    repo.apply(APP, [rel.PutBlock("b", rel.Block("x", 5))], LIMITS)
    r = rel.FriendRequest("x", "c", rel.ADD_BOTH, "AddSource_Type_Web", "", "", "", 1, 100)
    repo.apply(APP, [rel.PutRequest(r)], LIMITS)
    found = sorted((d.owner, d.kind) for d in repo.pointing_at(APP, "x"))
    assert found == [("a", "FRIEND"), ("b", "BLACK"), ("c", "REQIN")]
    assert repo.pointing_at(APP + 1, "x") == []  # another tenant shares nothing


def test_blacklist_pages_and_limit(repo):
    repo.apply(APP, [rel.PutBlock("a", rel.Block("b", 5)), rel.PutBlock("a", rel.Block("c", 6))], LIMITS)
    with pytest.raises(rel.LimitReached) as hit:
        repo.apply(APP, [rel.PutBlock("a", rel.Block("d", 7))], LIMITS)
    assert hit.value.counter == "blacks"
    page, nxt = repo.blocks_page(APP, "a", 0, 1)
    assert page == [rel.Block("b", 5, page[0].ord)] and nxt
    assert [b.peer for b in repo.blocks_page(APP, "a", nxt, 5)[0]] == ["c"]


# --- concurrency: many writers, one limit -------------------------------------------------------------------------
@pytest.fixture
def atomic_requests(monkeypatch):
    """DynamoDB runs each request (a TransactWriteItems included) atomically; moto in one process does not (it
    rolls a failed transaction back from a copy of the whole table, undoing other threads' writes). Serialise
    moto's request handling so threads still race between requests, exactly as Lambdas do against DynamoDB."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


def _parallel(fn, args):
    results = [None] * len(args)

    def run(i, a):
        results[i] = fn(a)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_adds_to_one_account_never_pass_its_friend_limit(svc, tenant, repo, atomic_requests):
    app = svc.apps.configure(tenant.sdkappid, {"max_friends": "5"})
    svc.accounts.import_account(tenant.sdkappid, "star")
    fans = [f"fan{i}" for i in range(16)]
    for fan in fans:
        svc.accounts.import_account(tenant.sdkappid, fan)
    svc.profiles.set(tenant.sdkappid, "star", {"Tag_Profile_IM_AllowType": rel.ALLOW_ANY}, is_admin=True)

    def befriend(fan):
        item = rel.AddRequest("star", "AddSource_Type_Web")
        return svc.relations.add_friends(app, fan, [item], add_type=rel.ADD_BOTH, force=False)[0].code

    codes = _parallel(befriend, fans)
    assert codes.count(0) == 5
    assert set(codes) <= {0, 30014}
    assert repo.meta(tenant.sdkappid, "star").friends == 5
    assert len(repo.friends(tenant.sdkappid, "star")) == 5
    # each fan that failed wrote nothing either
    assert sum(repo.meta(tenant.sdkappid, fan).friends for fan in fans) == 5


def test_concurrent_adds_by_one_account_never_pass_its_own_limit(svc, tenant, repo, atomic_requests):
    app = svc.apps.configure(tenant.sdkappid, {"max_friends": "4", "max_blacklist": "3"})
    svc.accounts.import_account(tenant.sdkappid, "me")
    peers = [f"p{i}" for i in range(12)]
    for p in peers:
        svc.accounts.import_account(tenant.sdkappid, p)

    def add(peer):
        item = rel.AddRequest(peer, "AddSource_Type_Web")
        return svc.relations.add_friends(app, "me", [item], add_type=rel.ADD_SINGLE, force=True)[0].code

    codes = _parallel(add, peers)
    assert codes.count(0) == 4 and set(codes) <= {0, 30010}
    assert repo.meta(tenant.sdkappid, "me").friends == len(repo.friends(tenant.sdkappid, "me")) == 4

    blocks = _parallel(lambda p: svc.relations.block(app, "me", [p])[0].code, peers)
    assert blocks.count(0) == 3 and set(blocks) <= {0, 30013}
    assert repo.meta(tenant.sdkappid, "me").blacks == 3
