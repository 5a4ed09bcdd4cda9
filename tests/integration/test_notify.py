from chalicelib.services.ports import Connection


def _conn(cid, user="alice", platform="Android", now=1_700_000_000):
    return Connection(cid, 1400000001, user, platform, now, now)


def test_notifier_reaches_every_terminal_and_prunes_gone_connections(svc, pusher, clock):
    now = int(clock.now())
    for cid, user in (("c1", "alice"), ("c2", "alice"), ("c3", "bob")):
        svc.connections.add(_conn(cid, user), expires=now + 600)
    pusher.gone.add("c2")
    sent = svc.notifier.to_users(1400000001, ["alice", "bob"], "hello", {"x": 1}, exclude="c3")
    assert sent == 1
    assert pusher.frames("c1") == [{"event": "hello", "data": {"x": 1}}]
    assert svc.connections.get("c2") is None  # pruned
    assert [c.connection_id for c in svc.connections.of_user(1400000001, "alice")] == ["c1"]


def test_expired_connections_are_never_returned(svc, clock):
    now = int(clock.now())
    svc.connections.add(_conn("old"), expires=now + 10)
    clock.advance(11)
    assert svc.connections.get("old") is None
    assert svc.connections.of_user(1400000001, "alice") == []
