"""The connection directory on DynamoDB (moto): login order, online counters, exactly-once removal, the sweep."""

from chalicelib.domain.terminals import HANDSHAKE_GRACE_SECONDS
from chalicelib.push.gateway import ApiGatewayPusher
from chalicelib.services.notify import Notifier
from chalicelib.services.ports import Connection, Online
from chalicelib.store.connections import META_SK, ConnectionModel, conn_pk
from tests.fakes import FakeManagementClient

APP, OTHER_APP = 1400000001, 1400000002
IDLE = 600


def _conn(cid, user="alice", platform="Android", app=APP, now=1_700_000_000):
    return Connection(cid, app, user, platform, now, now)


def _add(svc, clock, cid, user="alice", app=APP, platform="Android"):
    now = int(clock.now())
    return svc.connections.add(_conn(cid, user, platform, app, now), now + IDLE)


def test_each_login_of_an_account_gets_the_next_sequence_number(svc, clock):
    assert [_add(svc, clock, c).connection.seq for c in ("c1", "c2", "c3")] == [1, 2, 3]
    assert _add(svc, clock, "b1", user="bob").connection.seq == 1
    assert svc.connections.get("c2").seq == 2


def test_online_counters_follow_terminals_and_accounts(svc, clock):
    _add(svc, clock, "a1")
    _add(svc, clock, "a2")
    added = _add(svc, clock, "b1", user="bob")
    assert added.online == Online(connections=3, accounts=2)
    svc.connections.remove("a1")
    assert svc.connections.online(APP) == Online(2, 2)
    svc.connections.remove("a2")
    assert svc.connections.online(APP) == Online(1, 1)
    assert svc.connections.online(OTHER_APP) == Online(0, 0)


def test_only_the_first_removal_counts_a_terminal_down(svc, clock):
    _add(svc, clock, "a1")
    _add(svc, clock, "a2")
    assert svc.connections.remove("a1") is not None
    assert svc.connections.remove("a1") is None  # e.g. $disconnect arriving after a kick
    assert svc.connections.online(APP) == Online(1, 1)
    assert svc.connections.remove("never-there") is None


def test_touch_moves_expiry_forward(svc, clock):
    _add(svc, clock, "a1")
    clock.advance(IDLE - 1)
    now = int(clock.now())
    svc.connections.touch("a1", now, now + IDLE)
    clock.advance(IDLE - 1)
    conn = svc.connections.get("a1")
    assert conn is not None and conn.last_seen == now
    assert [c.connection_id for c in svc.connections.of_user(APP, "alice")] == ["a1"]


def test_touch_never_revives_a_removed_connection(svc, clock):
    _add(svc, clock, "a1")
    svc.connections.remove("a1")
    now = int(clock.now())
    svc.connections.touch("a1", now, now + IDLE)
    assert svc.connections.get("a1") is None
    assert svc.connections.of_user(APP, "alice") == []
    assert ConnectionModel.count(conn_pk("a1")) == 0
    assert svc.connections.online(APP) == Online(0, 0)


def test_sweep_removes_expired_terminals_once_and_keeps_live_ones(svc, clock):
    _add(svc, clock, "old")
    clock.advance(300)
    _add(svc, clock, "fresh", user="bob")
    clock.advance(IDLE - 299)  # "old" expired 1 s ago, "fresh" has 299 s left
    removed = svc.connections.remove_expired(APP, int(clock.now()), 100)
    assert [c.connection_id for c in removed] == ["old"]
    assert svc.connections.remove_expired(APP, int(clock.now()), 100) == []
    assert svc.connections.remove("old") is None  # a late $disconnect does not count it down again
    assert svc.connections.online(APP) == Online(1, 1)


def test_sweep_spares_a_terminal_whose_base_row_was_touched_after_the_index_was_read(svc, clock):
    _add(svc, clock, "a1")
    clock.advance(IDLE + 5)
    now = int(clock.now())
    # only META moves forward, as if gsi1 still showed the old expiry (it is eventually consistent)
    ConnectionModel(conn_pk("a1"), META_SK).update(actions=[ConnectionModel.expires.set(now + IDLE)])
    assert svc.connections.remove_expired(APP, now, 100) == []
    assert svc.connections.get("a1") is not None
    assert svc.connections.online(APP) == Online(1, 1)


def test_sweep_takes_at_most_its_batch_and_stays_within_its_app(svc, clock):
    for i in range(5):
        _add(svc, clock, f"a{i}", user=f"u{i}")
    _add(svc, clock, "x1", app=OTHER_APP)
    clock.advance(IDLE + 1)
    now = int(clock.now())
    assert len(svc.connections.remove_expired(APP, now, 3)) == 3
    assert len(svc.connections.remove_expired(APP, now, 3)) == 2
    assert svc.connections.online(APP) == Online(0, 0)
    assert svc.connections.online(OTHER_APP) == Online(1, 1)


def test_of_users_finds_the_live_terminals_of_many_accounts(svc, clock):
    users = [f"u{i}" for i in range(30)]
    for u in users[::3]:
        _add(svc, clock, f"{u}-c", user=u)
    _add(svc, clock, "u0-d", user="u0", platform="PC")
    found = svc.connections.of_users(APP, [*users, "u0"])
    assert sorted(found) == sorted(users[::3])
    assert sorted(c.platform for c in found["u0"]) == ["Android", "PC"]
    clock.advance(IDLE)
    assert svc.connections.of_users(APP, users) == {}


def test_the_notifier_prunes_gone_terminals_but_never_the_senders_or_a_failing_one(svc, clock):
    for cid, user in (("sender", "alice"), ("a2", "alice"), ("b1", "bob"), ("b2", "bob"), ("b3", "bob")):
        _add(svc, clock, cid, user=user)
    clock.advance(HANDSHAKE_GRACE_SECONDS + 1)  # past their handshakes: a Gone now means a dead socket
    client = FakeManagementClient(gone={"b1", "sender"}, failing={"b2"})
    notifier = Notifier(svc.connections, ApiGatewayPusher("https://x.invalid/t", "us-east-1", 4, client=client))
    reached = notifier.to_users(APP, ["alice", "bob"], "hello", {"x": 1}, exclude="sender")
    assert sorted(cid for cid, _ in client.posts) == ["a2", "b3"]
    assert reached == 3  # a2, b2 (failed, kept: maybe transient), b3
    assert svc.connections.get("b1") is None
    assert svc.connections.get("sender") is not None  # excluded: never posted, never pruned
    assert svc.connections.get("b2") is not None
    assert svc.connections.online(APP) == Online(4, 2)


def test_remove_gone_keeps_a_terminal_within_its_handshake_grace(svc, clock):
    _add(svc, clock, "young")
    clock.advance(HANDSHAKE_GRACE_SECONDS)
    assert svc.connections.remove_gone("young") is None
    assert svc.connections.get("young") is not None
    assert svc.connections.online(APP) == Online(1, 1)
    clock.advance(1)
    assert svc.connections.remove_gone("young").connection_id == "young"
    assert svc.connections.get("young") is None and svc.connections.of_user(APP, "alice") == []
    assert svc.connections.online(APP) == Online(0, 0)
    assert svc.connections.remove_gone("young") is None  # a second pruner counts nothing down
    assert svc.connections.online(APP) == Online(0, 0)


def test_remove_gone_is_conditional_on_the_stored_login_time(svc, clock):
    """The delete itself checks `connected_at`: a pruner whose read (or clock) said "old enough" cannot delete a
    login that is in fact younger than the cutoff."""
    _add(svc, clock, "fresh")
    conn = svc.connections.get("fresh")
    assert svc.connections.inner._remove(conn, None, connected_before=conn.connected_at) is False
    assert svc.connections.get("fresh") is not None
    assert svc.connections.online(APP) == Online(1, 1)
    assert svc.connections.inner._remove(conn, None, connected_before=conn.connected_at + 1) is True
    assert svc.connections.online(APP) == Online(0, 0)


def test_a_refusal_is_kept_briefly_and_makes_no_terminal(svc, clock):
    now = int(clock.now())
    svc.connections.refuse("r1", 70001, "expired", now + 120)
    assert svc.connections.refusal("r1") == (70001, "expired")
    assert svc.connections.get("r1") is None
    assert svc.connections.online(APP) == Online(0, 0)
    assert svc.connections.refusal("other") is None
    clock.advance(120)
    assert svc.connections.refusal("r1") is None


def test_expired_refusals_are_removed_once_for_the_sweep(svc, clock):
    now = int(clock.now())
    svc.connections.refuse("r1", 70001, "expired", now + 120)
    svc.connections.refuse("r2", 70107, "no such account", now + 240)
    assert svc.connections.remove_expired_refusals(now + 119, 100) == []
    clock.advance(120)
    assert svc.connections.remove_expired_refusals(now + 120, 100) == ["r1"]
    assert svc.connections.remove_expired_refusals(now + 120, 100) == []
    assert svc.connections.remove_expired_refusals(now + 500, 100) == ["r2"]
