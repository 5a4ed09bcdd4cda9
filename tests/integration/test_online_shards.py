"""The apps' online totals in shards (moto): summed exactly, people not terminals, a login's estimate and its bound."""

from chalicelib.services.ports import Connection, Online
from chalicelib.store.connections import (
    ONLINE_ESTIMATE_SECONDS,
    ONLINE_SHARDS,
    TOTAL_SK,
    AppOnlineModel,
    DynamoConnectionDirectory,
    app_online_pk,
    online_shard,
)

APP = 1400000001
IDLE = 600


def _add(directory, clock, cid, user):
    now = int(clock.now())
    return directory.add(Connection(cid, APP, user, "Android", now, now), now + IDLE)


def _shard_items():
    keys = [(app_online_pk(APP, k), TOTAL_SK) for k in range(ONLINE_SHARDS)]
    return {m.pk: (int(m.connections or 0), int(m.accounts or 0)) for m in AppOnlineModel.batch_get(keys)}


def test_totals_spread_over_the_shards_and_sum_exactly(svc, clock):
    users = [f"user{i}" for i in range(60)]
    for user in users:
        _add(svc.connections, clock, f"{user}-a", user)
    for user in users[:20]:
        _add(svc.connections, clock, f"{user}-b", user)  # a second terminal: no second person
    assert svc.connections.online(APP) == Online(connections=80, accounts=60)
    items = _shard_items()
    assert len(items) == len({online_shard(u) for u in users}) > ONLINE_SHARDS // 2  # no single hot item
    assert sum(c for c, _ in items.values()) == 80 and sum(a for _, a in items.values()) == 60
    for user in users[:30]:
        svc.connections.remove(f"{user}-a")
    # users 0-19 keep their second terminal; users 20-29 went offline
    assert svc.connections.online(APP) == Online(connections=50, accounts=50)


def test_a_second_terminal_adds_no_person_and_the_last_one_out_removes_one(svc, clock):
    assert _add(svc.connections, clock, "a1", "alice").online == Online(1, 1)
    assert _add(svc.connections, clock, "a2", "alice").online == Online(2, 1)
    assert _add(svc.connections, clock, "b1", "bob").online == Online(3, 2)
    svc.connections.remove("a1")
    assert svc.connections.online(APP) == Online(2, 2)
    svc.connections.remove("a2")
    assert svc.connections.online(APP) == Online(1, 1)
    svc.connections.remove("a2")  # removed already: counts nothing down
    assert svc.connections.online(APP) == Online(1, 1)


def test_shard_zero_keeps_the_key_of_the_single_item_it_replaced(svc, clock):
    """A stack upgraded with terminals online: their count stays in `{app}#ONLINE`, and the sum stays exact when
    they log out through other shards (a shard may go below zero, the sum never does)."""
    assert app_online_pk(APP) == app_online_pk(APP, 0) == f"{APP}#ONLINE"
    AppOnlineModel(app_online_pk(APP), TOTAL_SK, connections=5, accounts=4).save()  # as counted before sharding
    assert svc.connections.online(APP) == Online(5, 4)
    user = next(f"u{i}" for i in range(100) if online_shard(f"u{i}") != 0)
    _add(svc.connections, clock, "c1", user)
    svc.connections.remove("c1")
    assert svc.connections.online(APP) == Online(5, 4)


def test_a_logins_estimate_is_exact_for_this_container_and_catches_up_with_others(svc, clock):
    mine, other = DynamoConnectionDirectory(clock), DynamoConnectionDirectory(clock)  # two Lambda containers
    users = [f"p{i}" for i in range(40)]
    alice, bob = users[0], next(u for u in users if online_shard(u) != online_shard(users[0]))
    assert _add(mine, clock, "m1", alice).online == Online(1, 1)  # first use: every shard read
    _add(other, clock, "o1", bob)  # another container, another shard
    # within ONLINE_ESTIMATE_SECONDS this container still sees bob's shard as it last read it
    assert _add(mine, clock, "m2", alice).online == Online(2, 1)
    clock.advance(ONLINE_ESTIMATE_SECONDS)
    assert _add(mine, clock, "m3", alice).online == Online(4, 2)  # the shards are read again: exact
    assert mine.online(APP) == other.online(APP) == Online(4, 2)
