"""get_online_member_num's count on the groups' online index (moto): exact for ordinary groups, and a big room's
full read bounded to one per container per COUNT_CACHE_SECONDS."""

from bench.counting import count_dynamodb
from chalicelib.domain.groups import GroupRef, OnlineTerminal
from chalicelib.store import group_online
from chalicelib.store.group_online import COUNT_CACHE_SECONDS, DynamoGroupOnlineIndex


def test_a_small_group_is_counted_afresh_every_time(svc, clock):
    online = DynamoGroupOnlineIndex(clock)
    ref = GroupRef("g", "inc", 1)
    now = int(clock.now())
    online.add(1, [ref], [OnlineTerminal("alice", "a1"), OnlineTerminal("alice", "a2")], now + 100)
    assert online.count_users(1, ref) == 1  # people: two terminals of one account
    online.add(1, [ref], [OnlineTerminal("bob", "b1")], now + 100)
    assert online.count_users(1, ref) == 2
    online.remove(1, [ref], [OnlineTerminal("bob", "b1")])
    assert online.count_users(1, ref) == 1


def test_a_big_rooms_count_is_read_at_most_once_per_period(svc, clock, monkeypatch):
    monkeypatch.setattr(group_online, "COUNT_CACHE_ROWS", 4)  # "big" from 4 rows, to keep the test small
    online = DynamoGroupOnlineIndex(clock)
    ref = GroupRef("room", "inc", 2)
    now = int(clock.now())
    online.add(1, [ref], [OnlineTerminal(f"u{i}", f"c{i}") for i in range(6)], now + 100)
    assert online.count_users(1, ref) == 6
    online.add(1, [ref], [OnlineTerminal("late", "cl")], now + 100)
    with count_dynamodb() as again:
        assert online.count_users(1, ref) == 6  # the count of a moment ago: no read
    assert again.requests == 0
    clock.advance(COUNT_CACHE_SECONDS)
    assert online.count_users(1, ref) == 7
