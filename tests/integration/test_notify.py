from chalicelib.domain.terminals import HANDSHAKE_GRACE_SECONDS
from chalicelib.services.ports import Connection, Online


def _conn(cid, user="alice", platform="Android", now=1_700_000_000):
    return Connection(cid, 1400000001, user, platform, now, now)


def test_notifier_reaches_every_terminal_and_prunes_gone_connections(svc, pusher, clock):
    now = int(clock.now())
    for cid, user in (("c1", "alice"), ("c2", "alice"), ("c3", "bob")):
        svc.connections.add(_conn(cid, user, now=now), expires=now + 600)
    clock.advance(HANDSHAKE_GRACE_SECONDS + 1)
    pusher.gone.add("c2")
    sent = svc.notifier.to_users(1400000001, ["alice", "bob"], "hello", {"x": 1}, exclude="c3")
    assert sent == 1
    assert pusher.frames("c1") == [{"event": "hello", "data": {"x": 1}}]
    assert svc.connections.get("c2") is None  # pruned
    assert [c.connection_id for c in svc.connections.of_user(1400000001, "alice")] == ["c1"]
    assert svc.connections.online(1400000001) == Online(2, 2)


def test_a_gone_terminal_within_its_handshake_grace_is_kept(svc, pusher, clock):
    """API Gateway answers Gone until `$connect` returns: a login the push raced must stay logged in."""
    now = int(clock.now())
    svc.connections.add(_conn("young", now=now), expires=now + 600)
    pusher.gone.add("young")
    clock.advance(HANDSHAKE_GRACE_SECONDS)
    posted = svc.notifier.post(["young"], "hello", {"x": 1})
    assert (posted.gone, posted.pruned) == (["young"], [])
    assert svc.connections.get("young") is not None
    assert svc.connections.online(1400000001) == Online(1, 1)
    clock.advance(1)  # past the grace, a Gone means the socket is dead
    posted = svc.notifier.post(["young"], "hello", {"x": 2})
    assert (posted.gone, posted.pruned) == (["young"], ["young"])
    assert svc.connections.get("young") is None
    assert svc.connections.online(1400000001) == Online(0, 0)


def test_two_pruners_of_one_gone_terminal_count_it_down_once(svc, pusher, clock):
    now = int(clock.now())
    svc.connections.add(_conn("a1"), expires=now + 600)
    svc.connections.add(_conn("a2"), expires=now + 600)
    clock.advance(HANDSHAKE_GRACE_SECONDS + 1)
    pusher.gone.add("a1")
    assert svc.notifier.post(["a1"], "hello", {}).pruned == ["a1"]
    assert svc.notifier.post(["a1"], "hello", {}).pruned == []  # a second post (another Lambda) finds it gone
    assert svc.connections.online(1400000001) == Online(1, 1)
