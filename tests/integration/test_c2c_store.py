import pytest

from bench.counting import count_dynamodb
from chalicelib.domain import errors
from chalicelib.domain.c2c import KIND_MSG, Message
from chalicelib.store.c2c import DynamoMessageStore, MessageModel, StreamFloorModel, stream_pk

APP = 1400000001


def _msg(clock, seq=1, sender="alice", recipient="bob", life=3600, at=None):
    t = int(clock.now()) if at is None else at
    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"m{seq}"}}]
    return Message(sender, recipient, seq, 7, t, body, expires=int(clock.now()) + life)


def _entries(user):
    return list(MessageModel.query(stream_pk(APP, user), consistent_read=True))


def test_stream_seqs_are_contiguous_and_read_back_in_order(svc, clock):
    store = DynamoMessageStore(clock)
    seqs = [store.append(APP, "bob", KIND_MSG, _msg(clock, i), indexed=True)[0] for i in range(4)]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    events, more = store.stream(APP, "bob", seqs[0], 10)
    assert [e.cursor for e in events] == seqs[1:] and not more
    assert [e.message.msg_seq for e in events] == [1, 2, 3]


class StaleHead(DynamoMessageStore):
    """A writer that read the head just before another writer appended (the race conditional puts resolve)."""

    def __init__(self, clock, stale):
        super().__init__(clock)
        self.stale = list(stale)

    def _head(self, pk):
        return self.stale.pop(0) if self.stale else super()._head(pk)


def test_a_writer_that_read_a_stale_head_retries_and_lands_after_the_entry_it_raced(svc, clock):
    store = DynamoMessageStore(clock)
    first, _ = store.append(APP, "bob", KIND_MSG, _msg(clock, 1), indexed=True)
    stale = (first, int(clock.now()) + 3600)
    second, _ = store.append(APP, "bob", KIND_MSG, _msg(clock, 2), indexed=True)
    racer = StaleHead(clock, [stale])
    third, _ = racer.append(APP, "bob", KIND_MSG, _msg(clock, 3), indexed=True)
    assert (second, third) == (first + 1, first + 2)
    assert [m.msg_seq for m in (e.message for e in store.stream(APP, "bob", 0, 10)[0])] == [1, 2, 3]


def test_ttl_never_decreases_along_a_stream_while_each_entry_keeps_its_own_deadline(svc, clock):
    store = DynamoMessageStore(clock)
    store.append(APP, "bob", KIND_MSG, _msg(clock, 1, life=7 * 86400), indexed=True)
    store.append(APP, "bob", KIND_MSG, _msg(clock, 2, life=60), indexed=True)
    long, short = _entries("bob")
    assert short.expires == long.expires
    assert short.visible_until == int(clock.now()) + 60


def test_a_stream_restarts_above_every_seq_it_issued_once_its_entries_expired_and_were_deleted(svc, clock):
    store = DynamoMessageStore(clock)
    old = [store.append(APP, "bob", KIND_MSG, _msg(clock, i, life=10), indexed=True)[0] for i in range(3)]
    clock.advance(11)
    for entry in _entries("bob")[1:]:  # TTL deletes in any order: the newest went first
        entry.delete()
    restarted, _ = store.append(APP, "bob", KIND_MSG, _msg(clock, 9), indexed=True)
    assert restarted > max(old)
    events, _ = store.stream(APP, "bob", max(old), 10)
    assert [e.cursor for e in events] == [restarted]


def test_concurrent_restarts_agree_on_one_floor(svc, clock):
    store = DynamoMessageStore(clock)
    agreed = store._restart(APP, "bob", 0, clock.now())
    clock.advance(0.5)  # a second writer, a moment later, before the first wrote its entry
    assert store._restart(APP, "bob", 0, clock.now()) == agreed
    clock.advance(61)  # a floor older than the agreement window belongs to an earlier restart
    assert store._restart(APP, "bob", 0, clock.now()) > agreed
    assert StreamFloorModel.get(f"{APP}#U#bob", "STREAM").floor > agreed


def test_dedup_claim_answers_the_original_for_a_retry_and_refuses_a_colliding_msg_key(svc, clock):
    store = DynamoMessageStore(clock)
    assert store.claim(APP, "alice", "bob", 1, 7, 111, "1_7_100", 100) is None
    assert store.claim(APP, "alice", "bob", 1, 7, 111, "1_7_101", 101) == ("1_7_100", 100)
    with pytest.raises(errors.DomainError) as exc:
        store.claim(APP, "alice", "bob", 1, 7, 222, "1_7_100", 100)
    assert exc.value.error_code == 90005
    assert store.claim(APP, "alice", "bob", 1, 7, 222, "1_7_102", 102) is None  # new content, new second
    assert store.claim(APP, "alice", "carol", 1, 7, 111, "1_7_100", 100) is None  # another conversation
    clock.advance(121)
    assert store.claim(APP, "alice", "bob", 1, 7, 222, "1_7_300", 300) is None  # the window has passed
    store.release(APP, "alice", "bob", 1, 7, 222)
    assert store.claim(APP, "alice", "bob", 1, 7, 222, "1_7_301", 301) is None


def test_history_pages_newest_first_with_one_query_each_and_respects_the_window(svc, clock):
    store = DynamoMessageStore(clock)
    base = int(clock.now())
    for i in range(7):
        store.append(APP, "bob", KIND_MSG, _msg(clock, i, at=base - 100 + i * 10), indexed=True)
    store.append(APP, "alice", KIND_MSG, _msg(clock, 99, at=base), indexed=False)  # a sender copy: not history
    seen, before = [], None
    while True:
        with count_dynamodb(measure_capacity=False) as usage:
            page, more = store.history(APP, "bob", "alice", base - 100, base - 45, before, 2)
        assert usage.operations == {"Query": 1}
        seen += [m.msg_seq for m in page]
        if not more:
            break
        before = (page[-1].time, page[-1].key)
    assert seen == [5, 4, 3, 2, 1, 0]
    late = (base, f"9_7_{base}")  # a LastMsgKey later than MaxTime: the window still bounds the page
    assert [m.msg_seq for m in store.history(APP, "bob", "alice", base - 100, base - 85, late, 10)[0]] == [1, 0]


def test_conversations_of_ids_containing_hash_never_mix(svc, clock):
    store = DynamoMessageStore(clock)
    store.append(APP, "c", KIND_MSG, _msg(clock, 1, sender="a#b", recipient="c"), indexed=True)
    store.append(APP, "b#c", KIND_MSG, _msg(clock, 2, sender="a", recipient="b#c"), indexed=True)
    window = (0, int(clock.now()) + 10, None, 10)
    assert [m.msg_seq for m in store.history(APP, "a#b", "c", *window)[0]] == [1]
    assert [m.msg_seq for m in store.history(APP, "a", "b#c", *window)[0]] == [2]


def test_find_rewrite_hide_and_count(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    for i in range(3):
        store.append(APP, "bob", KIND_MSG, _msg(clock, i, at=t - 10 + i), indexed=True)
    ((ref, found),) = store.find(APP, "alice", "bob", f"1_7_{t - 9}", t - 9)
    assert found.msg_seq == 1
    assert store.rewrite(ref, found.as_recalled(), expect_flags=0)
    assert not store.rewrite(ref, found.as_recalled(), expect_flags=0)  # someone recalled it first
    assert store.get_many([ref])[ref].recalled
    assert store.count_from(APP, "alice", "bob", t - 10) == 2
    assert store.count_from(APP, "bob", "alice", t - 100) == 0
    assert store.hide(APP, "bob", "alice") == 3
    assert all("bob" in m.hidden_for for m in store.history(APP, "bob", "alice", 0, t, None, 10)[0])
