import pytest

from chalicelib.domain import errors
from chalicelib.domain.c2c import (
    HISTORY_MAX_BYTES,
    HOLE_SECONDS,
    KIND_MSG,
    KIND_VOID,
    KIND_WITHDRAW,
    MAX_LIFETIME,
    SYNC_MAX_BYTES,
    LogEntry,
    Message,
    Position,
    RetryToken,
    SyncMode,
    check_cloud,
    history_page,
    import_mode,
    lifetime,
    message_time,
    msg_key,
    parse_cursor,
    parse_msg_key,
    recall_refusal,
    send_controls,
    send_refusal,
    signature,
    sync_mode,
    sync_page,
)

NOW = 1_700_000_000


def _code(fn):
    with pytest.raises(errors.DomainError) as exc:
        fn()
    return exc.value.error_code


def _msg(t, seq=1, text="hi", expires=NOW + 100, **kw):
    return Message(
        "alice", "bob", seq, 7, t, [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], expires=expires, **kw
    )


ALLOWED = dict(
    by_admin=False, muted=False, blocked=False, friend_check=False, sender_lists_peer=False, peer_lists_sender=False
)


@pytest.mark.parametrize(
    "changes,code",
    [
        ({}, None),
        ({"muted": True}, 20012),
        ({"blocked": True}, 20007),
        ({"muted": True, "blocked": True}, 20012),
        ({"friend_check": True}, 20009),
        ({"friend_check": True, "sender_lists_peer": True}, 20010),
        ({"friend_check": True, "peer_lists_sender": True}, 20011),
        ({"friend_check": True, "sender_lists_peer": True, "peer_lists_sender": True}, None),
        ({"friend_check": True, "sender_lists_peer": True, "peer_lists_sender": True, "blocked": True}, 20007),
        ({"sender_lists_peer": False, "friend_check": False, "peer_lists_sender": False}, None),
        ({"by_admin": True, "muted": True, "blocked": True, "friend_check": True}, None),
    ],
)
def test_send_decision_table(changes, code):
    assert send_refusal(**{**ALLOWED, **changes}) == code


def test_msg_key_has_the_reference_format_and_parses_back():
    assert msg_key(549396494, 2578554, 1584669680) == "549396494_2578554_1584669680"
    assert parse_msg_key("31906_833502_1572869830") == (31906, 833502, 1572869830)


@pytest.mark.parametrize("key", ["", "1_2", "a_b_c", "1_2_3_4", 5, None, "1_2_3 ", "-1_2_3"])
def test_bad_msg_keys_are_90054(key):
    assert _code(lambda: parse_msg_key(key)) == 90054


def test_lifetime_defaults_to_roaming_clamps_for_sendmsg_and_refuses_for_batch():
    assert lifetime(None, 7, clamp=True) == 7 * 86400
    assert lifetime(0, 7, clamp=True) == 0
    assert lifetime(60, 7, clamp=True) == 60
    assert lifetime(MAX_LIFETIME + 1, 7, clamp=True) == MAX_LIFETIME
    assert lifetime(MAX_LIFETIME, 3, clamp=True) == 3 * 86400  # the app's shorter roaming period wins
    assert _code(lambda: lifetime(MAX_LIFETIME + 1, 7, clamp=False)) == 90026
    assert _code(lambda: lifetime(-1, 7, clamp=True)) == 90026


def test_sync_other_machine_defaults_to_echo_only_for_an_account_sending_as_itself():
    assert sync_mode(None, as_self=True) is SyncMode.ECHO
    assert sync_mode(None, as_self=False) is SyncMode.ROAM
    assert sync_mode(1, as_self=False) is SyncMode.ECHO
    assert sync_mode(2, as_self=True) is SyncMode.NONE
    assert _code(lambda: sync_mode(3, as_self=True)) == 90031


def test_message_time_accepts_timestamps_within_roaming_only():
    assert message_time(None, NOW + 0.7, 7) == NOW
    assert message_time(NOW - 100, NOW, 7) == NOW - 100
    assert _code(lambda: message_time(NOW - 7 * 86400, NOW, 7)) == 90006
    assert _code(lambda: message_time(NOW + 3600, NOW, 7)) == 90006


def test_signature_ignores_key_order_but_not_content():
    a = signature([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}], None)
    b = signature([{"MsgContent": {"Text": "x"}, "MsgType": "TIMTextElem"}], None)
    c = signature([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "y"}}], None)
    assert a == b != c


def test_import_modes_controls_and_cloud_data_are_checked():
    assert [import_mode(m) for m in (1, 2, 5)] == [1, 2, 5]
    assert _code(lambda: import_mode(3)) == 90030
    assert send_controls(["NoUnread", "NoLastMsg"]) == {"NoUnread", "NoLastMsg"}
    assert _code(lambda: send_controls(["Nope"])) == 90001
    assert check_cloud("x" * 10, 10) == "x" * 10
    assert _code(lambda: check_cloud("é" * 6, 10)) == 80002


def test_recall_window_applies_to_accounts_not_to_the_admin():
    assert recall_refusal(by_admin=False, flags=0, msg_time=NOW, now=NOW + 120, limit_seconds=120) is None
    assert recall_refusal(by_admin=False, flags=0, msg_time=NOW, now=NOW + 121, limit_seconds=120) == 20016
    assert recall_refusal(by_admin=True, flags=0, msg_time=NOW, now=NOW + 10**6, limit_seconds=120) is None
    assert recall_refusal(by_admin=True, flags=8, msg_time=NOW, now=NOW, limit_seconds=120) == 20023


def test_recalled_placeholder_keeps_identity_and_drops_content():
    m = _msg(NOW, cloud="c").as_recalled()
    assert m.flags == 8 and m.body == [] and m.cloud is None and m.key == f"1_7_{NOW}"
    assert m.history()["MsgFlagBits"] == 8


def test_push_carries_sender_profile_and_position_online_only_has_none():
    m = _msg(NOW, nick="Alice", face="http://a")
    at = Position(NOW, 42)
    assert m.push(at)["SenderProfile"] == {"Nick": "Alice", "FaceUrl": "http://a"}
    assert (m.push(at)["Seq"], m.push(at)["Cursor"]) == (42, f"{NOW}.42") and "OnlineOnlyFlag" not in m.push(at)
    assert m.push(None)["OnlineOnlyFlag"] == 1 and "Cursor" not in m.push(None) and "Seq" not in m.push(None)
    assert LogEntry(KIND_WITHDRAW, Position(NOW, 9), m).frame() == {
        "event": "msg_withdraw",
        "data": {**m.history(), "Seq": 9, "Cursor": f"{NOW}.9"},
    }


def test_cursors_round_trip_and_anything_else_is_90001():
    assert parse_cursor(Position(NOW, 7).cursor) == Position(NOW, 7)
    assert parse_cursor("") is None and parse_cursor(None) is None
    for bad in ("7", "a.b", "1.2.3", "-1.2", " 1.2", "1.2\n", "1.\u0662", 12, "1." + "9" * 13):
        assert _code(lambda bad=bad: parse_cursor(bad)) == 90001
    assert Position(NOW, 9) < Position(NOW, 10) < Position(NOW + 1, 1)  # log order: time, then seq


def test_retry_tokens_name_the_direction():
    assert RetryToken.of("alice", "bob", 1, 2, 3) != RetryToken.of("bob", "alice", 1, 2, 3)
    assert RetryToken.of("alice", "bob", 1, 2, 3).name == "a1_2"
    assert RetryToken.of("alice", "bob", 1, 2, 3).facing == RetryToken.of("bob", "alice", 1, 2, 3).name == "b1_2"


def test_history_page_is_oldest_first_and_continues_from_its_oldest_message():
    examined = [_msg(NOW - i, seq=i) for i in range(5)]  # newest first, as the Query returns them
    page = history_page(examined, operator="bob", now=NOW, more=True, max_cnt=5)
    assert [m.time for m in page.messages] == [NOW - 4, NOW - 3, NOW - 2, NOW - 1, NOW]
    assert not page.complete and (page.last_time, page.last_key) == (NOW - 4, examined[-1].key)
    done = history_page(examined, operator="bob", now=NOW, more=False, max_cnt=5)
    assert done.complete


def test_history_page_skips_expired_and_hidden_messages_but_moves_past_them():
    examined = [
        _msg(NOW, seq=1),
        _msg(NOW - 1, seq=2, expires=NOW),
        _msg(NOW - 2, seq=3, hidden_for=frozenset({"bob"})),
    ]
    page = history_page(examined, operator="bob", now=NOW, more=False, max_cnt=10)
    assert [m.msg_seq for m in page.messages] == [1] and page.complete
    assert page.last_key == examined[-1].key
    other = history_page(examined, operator="alice", now=NOW, more=False, max_cnt=10)
    assert [m.msg_seq for m in other.messages] == [3, 1]


def test_history_page_stops_at_13_kb_and_resumes_after_the_last_message_returned():
    big = "x" * 5000
    examined = [_msg(NOW - i, seq=i, text=big) for i in range(4)]
    page = history_page(examined, operator="bob", now=NOW, more=False, max_cnt=10)
    assert len(page.messages) == 2 and not page.complete
    assert page.last_key == examined[1].key
    assert sum(len(m.body[0]["MsgContent"]["Text"]) for m in page.messages) < HISTORY_MAX_BYTES


def test_history_page_of_nothing_is_complete():
    page = history_page([], operator="bob", now=NOW, more=False, max_cnt=10)
    assert page.complete and page.messages == []


def _entry(seq, t=NOW, kind=KIND_MSG, written=None, **kw):
    return LogEntry(kind, Position(t, seq), _msg(t, seq=seq, **kw), t if written is None else written)


def test_sync_page_passes_over_expired_entries_and_respects_the_frame_budget():
    entries = [_entry(10 + i, expires=NOW + (0 if i == 1 else 10)) for i in range(4)]
    page, cursor, complete = sync_page(entries, after=Position(NOW, 9), viewer="bob", now=NOW, more=False, max_cnt=10)
    assert [e.position.seq for e in page] == [10, 12, 13] and cursor == Position(NOW, 13) and complete
    big = [_entry(20 + i, text="y" * 9000) for i in range(4)]
    page, cursor, complete = sync_page(big, after=Position(NOW, 19), viewer="bob", now=NOW, more=False, max_cnt=10)
    assert len(page) == 2 and cursor == Position(NOW, 21) and not complete
    assert sum(len(str(e.frame())) for e in page) < SYNC_MAX_BYTES
    page, cursor, complete = sync_page(entries, after=Position(NOW, 9), viewer="bob", now=NOW, more=False, max_cnt=1)
    assert [e.position.seq for e in page] == [10] and cursor == Position(NOW, 11) and not complete


def test_sync_page_of_only_passed_over_entries_moves_the_cursor():
    entries = [_entry(5, expires=NOW), _entry(6, kind=KIND_VOID), _entry(7, hidden_for=frozenset({"bob"}))]
    assert sync_page(entries, after=Position(NOW, 4), viewer="bob", now=NOW, more=True, max_cnt=10) == (
        [],
        Position(NOW, 7),
        False,
    )


def test_sync_page_stops_before_a_young_hole_and_passes_an_old_one():
    young = [_entry(1), _entry(3)]
    page, cursor, complete = sync_page(young, after=None, viewer="bob", now=NOW, more=False, max_cnt=10)
    assert [e.position.seq for e in page] == [1] and cursor == Position(NOW, 1) and not complete
    old = [_entry(1, t=NOW - HOLE_SECONDS - 1), _entry(3, t=NOW - HOLE_SECONDS - 1)]
    page, cursor, complete = sync_page(old, after=None, viewer="bob", now=NOW, more=False, max_cnt=10)
    assert [e.position.seq for e in page] == [1, 3] and complete
    # the age that counts is when the entry was written, not its (possibly explicit, old) time
    imported = [_entry(1, t=NOW - 3600), _entry(3, t=NOW - 3600, written=NOW)]
    page, _, complete = sync_page(imported, after=None, viewer="bob", now=NOW, more=False, max_cnt=10)
    assert [e.position.seq for e in page] == [1] and not complete
    # from the start, seq 1 is expected too: a first entry at 2 that was just written waits for 1
    page, cursor, complete = sync_page([_entry(2)], after=None, viewer="bob", now=NOW, more=False, max_cnt=10)
    assert page == [] and cursor is None and not complete
    # the first entry after the start may be anywhere (older ones expired); a log that restarted (its lower
    # account was deleted and re-imported) counts from 1 again at a later time
    restarted = [_entry(5, t=NOW - HOLE_SECONDS - 1), _entry(1, t=NOW + 1)]
    page, cursor, _ = sync_page(restarted, after=None, viewer="bob", now=NOW, more=False, max_cnt=10)
    assert [e.position.seq for e in page] == [5, 1] and cursor == Position(NOW + 1, 1)
