from dataclasses import replace

import pytest

from bench.counting import count_dynamodb
from chalicelib.domain import errors
from chalicelib.domain.c2c import (
    DEDUP_KEEP,
    DEDUP_SECONDS,
    KIND_MSG,
    KIND_VOID,
    KIND_WITHDRAW,
    Message,
    Original,
    Position,
    RetryToken,
    RowChange,
)
from chalicelib.store.c2c import DynamoMessageStore, MessageModel, log_pk
from chalicelib.store.conversations import ConversationModel, conversation_sk
from chalicelib.store.keys import user_pk

APP = 1400000001


def _msg(clock, seq=1, sender="alice", recipient="bob", life=3600, at=None):
    t = int(clock.now()) if at is None else at
    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"m{seq}"}}]
    return Message(sender, recipient, seq, 7, t, body, expires=int(clock.now()) + life)


def _store(store, message, kind=KIND_MSG):
    """Allocate and write, as a send does (lower account first)."""
    lo, hi = sorted((message.sender, message.recipient))
    at = store.allocate(APP, lo, hi, at=message.time)
    store.put(APP, kind, at, replace(message, time=at.time))
    return at


def _row(owner, peer):
    return ConversationModel.get(user_pk(APP, owner), conversation_sk(1, peer), consistent_read=True)


def test_positions_count_from_one_without_gaps_and_times_never_decrease(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    assert store.allocate(APP, "alice", "bob", at=t) == Position(t, 1)
    assert store.allocate(APP, "alice", "bob", at=t + 5) == Position(t + 5, 2)
    assert store.allocate(APP, "alice", "bob", at=t - 100) == Position(t + 5, 3)  # an older time: raised to the head
    row = _row("alice", "bob")
    assert (row.cseq, row.ctime) == (3, t + 5)


def test_a_writer_overtaken_between_its_read_and_its_write_retries_at_the_new_head(svc, clock, monkeypatch):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    store.allocate(APP, "alice", "bob", at=t)
    real_get = ConversationModel.get
    calls = []

    def get_then_race(*args, **kwargs):
        row = real_get(*args, **kwargs)
        if not calls:  # another sender takes a position (at a later time) right after this read
            calls.append(None)
            calls[0] = store.allocate(APP, "alice", "bob", at=t + 3)
        return row

    monkeypatch.setattr(ConversationModel, "get", get_then_race)
    late = store.allocate(APP, "alice", "bob", at=t)
    monkeypatch.undo()
    assert calls == [Position(t + 3, 2)] and late == Position(t + 3, 3)


def test_retry_tokens_answer_the_original_refuse_a_same_second_collision_and_expire(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    token = RetryToken.of("alice", "bob", 1, 7, 111)
    assert store.allocate(APP, "alice", "bob", at=t, token=token) == Position(t, 1)
    assert store.allocate(APP, "alice", "bob", at=t + 1, token=token) == Original(t, Position(t, 1), t)
    assert store.stored(APP, Position(t, 1), _msg(clock, 1)) is None  # taken, not (yet) written
    other = RetryToken.of("alice", "bob", 1, 7, 222)
    with pytest.raises(errors.DomainError) as exc:
        store.allocate(APP, "alice", "bob", at=t, token=other)
    assert exc.value.error_code == 90005
    clock.advance(1)
    assert store.allocate(APP, "alice", "bob", at=t + 1, token=other) == Position(t + 1, 2)  # another second: new
    back = RetryToken.of("bob", "alice", 1, 7, 222)  # the other direction, same MsgSeq and MsgRandom
    with pytest.raises(errors.DomainError) as exc:
        store.allocate(APP, "alice", "bob", at=t + 1, token=back)  # same second: its MsgKey would be the same
    assert exc.value.error_code == 90005
    clock.advance(1)
    assert store.allocate(APP, "alice", "bob", at=t + 2, token=back) == Position(t + 2, 3)
    clock.advance(DEDUP_SECONDS + 1)
    now = int(clock.now())
    assert store.allocate(APP, "alice", "bob", at=now, token=other) == Position(now, 4)  # too late to be a retry


def test_a_released_token_lets_the_retry_through_and_tokens_stay_few(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    token = RetryToken.of("alice", "bob", 1, 7, 111)
    at = store.allocate(APP, "alice", "bob", at=t, token=token, change=RowChange(received=1))
    store.release(APP, "alice", "bob", token, at, 1)
    assert _row("alice", "bob").recv == 0  # the unread the failed send counted is taken back
    assert store.allocate(APP, "alice", "bob", at=t, token=token) == Position(t, 2)
    # many sends in one second: the newest by seq are kept, whatever their MsgSeq (the oldest token goes first)
    for i in range(DEDUP_KEEP * 2):
        store.allocate(APP, "alice", "bob", at=t, token=RetryToken.of("alice", "bob", 900 - i, 7, 1))
    kept = _row("alice", "bob").dd.attribute_values
    assert sorted(kept) == sorted(f"a{900 - i}_7" for i in range(DEDUP_KEEP, DEDUP_KEEP * 2))
    with count_dynamodb() as usage:
        store.allocate(APP, "alice", "bob", at=t, token=RetryToken.of("alice", "bob", 999, 7, 1))
    assert usage.wcu == 1  # the row with its tokens stays within one write unit


def test_allocation_applies_the_lower_sides_change_and_last_message(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    store.allocate(APP, "alice", "bob", at=t, change=RowChange(time=t, received=1), last=True)
    store.allocate(APP, "alice", "bob", at=t, change=RowChange(received=1))
    row = _row("alice", "bob")
    assert (row.recv, row.time, row.mseq, row.mtime) == (2, t, 1, t)


def test_history_pages_newest_first_with_one_query_each_and_respects_the_window(svc, clock):
    store = DynamoMessageStore(clock)
    base = int(clock.now())
    for i in range(7):
        _store(store, _msg(clock, i, at=base - 100 + i * 10))
    _store(store, _msg(clock, 50, at=base - 50), kind=KIND_WITHDRAW)  # an event: never history
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


def test_history_resumes_inside_a_second_after_the_last_message_returned(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    for i in range(5):
        _store(store, _msg(clock, i, at=t))
    first, more = store.history(APP, "bob", "alice", 0, t, None, 2)
    assert [m.msg_seq for m in first] == [4, 3] and more
    rest, more = store.history(APP, "bob", "alice", 0, t, (t, first[-1].key), 2)
    assert [m.msg_seq for m in rest] == [2, 1] and more
    last, more = store.history(APP, "bob", "alice", 0, t, (t, rest[-1].key), 2)
    assert [m.msg_seq for m in last] == [0] and not more


def test_the_log_merges_events_in_order_and_pages_only_as_far_as_both_parts_are_known(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    kinds = [KIND_MSG, KIND_WITHDRAW, KIND_MSG, KIND_MSG, KIND_WITHDRAW, KIND_WITHDRAW, KIND_MSG]
    for i, kind in enumerate(kinds):
        _store(store, _msg(clock, i, at=t + i // 3), kind=kind)
    entries, more = store.log(APP, "bob", "alice", None, 10)
    assert [e.position.seq for e in entries] == list(range(1, 8)) and not more
    assert [e.kind for e in entries] == kinds
    after, seen = None, []
    while True:
        with count_dynamodb(measure_capacity=False) as usage:
            entries, more = store.log(APP, "alice", "bob", after, 2)
        assert usage.operations == {"Query": 2}
        seen += [e.position.seq for e in entries]
        if not more:
            break
        after = entries[-1].position
    assert seen == list(range(1, 8))


def test_imported_history_is_in_history_but_not_in_the_log(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    _store(store, _msg(clock, 1, at=t))
    assert store.archive(APP, _msg(clock, 2, at=t + 1)) is not None
    assert store.archive(APP, _msg(clock, 2, at=t + 1)) is None  # the same import twice
    assert [m.msg_seq for m in store.history(APP, "alice", "bob", 0, t + 5, None, 10)[0]] == [2, 1]
    assert [e.message.msg_seq for e in store.log(APP, "alice", "bob", None, 10)[0]] == [1]


def test_conversations_of_ids_containing_hash_never_mix(svc, clock):
    store = DynamoMessageStore(clock)
    _store(store, _msg(clock, 1, sender="a#b", recipient="c"))
    _store(store, _msg(clock, 2, sender="a", recipient="b#c"))
    window = (0, int(clock.now()) + 10, None, 10)
    assert [m.msg_seq for m in store.history(APP, "a#b", "c", *window)[0]] == [1]
    assert [m.msg_seq for m in store.history(APP, "a", "b#c", *window)[0]] == [2]


def test_find_rewrite_hide_and_count(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    for i in range(3):
        _store(store, _msg(clock, i, at=t - 10 + i))
    ((ref, found),) = store.find(APP, "alice", "bob", f"1_7_{t - 9}", t - 9)
    assert found.msg_seq == 1
    assert store.find(APP, "bob", "alice", f"1_7_{t - 9}", t - 9) == []  # not bob's message
    assert store.rewrite(ref, found.as_recalled(), expect_flags=0, version=5)
    assert not store.rewrite(ref, found.as_recalled(), expect_flags=0, version=6)  # someone recalled it first
    assert store.version(ref) == 5
    assert not store.rewrite(ref, found, expect_flags=8, version=4)  # a change logged before the applied one
    assert store.get_many([ref])[ref].recalled
    assert store.count_from(APP, "alice", "bob", t - 10) == 1  # the recalled one no longer counts as unread
    assert store.count_from(APP, "bob", "alice", t - 100) == 0
    assert store.hide(APP, "bob", "alice") == 3
    assert all("bob" in m.hidden_for for m in store.history(APP, "bob", "alice", 0, t, None, 10)[0])


def test_large_bodies_are_stored_compressed_and_read_back_exactly(svc, clock):
    store = DynamoMessageStore(clock)
    words = " ".join(f"word{i % 97}" for i in range(400))  # ~3.6 KB of text that compresses well
    big = replace(_msg(clock, 1), body=[{"MsgType": "TIMTextElem", "MsgContent": {"Text": words}}])
    at = _store(store, big)
    (item,) = list(MessageModel.query(log_pk(APP, "alice", "bob"), consistent_read=True))
    assert item.body is None and item.packed is not None and len(item.packed) < 1024
    ((ref, found),) = store.find(APP, "alice", "bob", f"1_7_{at.time}", at.time)
    assert found.body == big.body
    small = replace(found, body=[{"MsgType": "TIMTextElem", "MsgContent": {"Text": "short"}}])
    assert store.rewrite(ref, small, expect_flags=0, version=2)
    item = MessageModel.get(ref.pk, ref.sk, consistent_read=True)
    assert item.packed is None and store.get_many([ref])[ref].body == small.body


def test_what_a_position_holds_message_void_or_nothing(svc, clock):
    store = DynamoMessageStore(clock)
    first = _msg(clock, 1)
    at = _store(store, first)
    assert store.stored(APP, at, first) == KIND_MSG
    assert store.stored(APP, at, replace(first, msg_random=8)) is None  # another message's position
    taken = store.allocate(APP, "alice", "bob", at=int(clock.now()))
    assert store.stored(APP, taken, _msg(clock, 2)) is None
    store.void(APP, taken, _msg(clock, 2))
    assert store.stored(APP, taken, _msg(clock, 2)) == KIND_VOID
    store.void(APP, at, first)  # a message's void never replaces the message
    assert store.stored(APP, at, first) == KIND_MSG


def test_a_log_whose_lower_row_is_gone_goes_on_from_its_newest_entry(svc, clock):
    store = DynamoMessageStore(clock)
    t = int(clock.now())
    for i in range(3):
        _store(store, _msg(clock, i))
    _store(store, _msg(clock, 9), kind=KIND_WITHDRAW)  # the newest entry is an event
    ConversationModel(user_pk(APP, "alice"), conversation_sk(1, "bob")).delete()  # alice was deleted
    assert store.allocate(APP, "alice", "bob", at=t - 50) == Position(t, 5)
