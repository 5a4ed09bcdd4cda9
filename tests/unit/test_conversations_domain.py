import pytest

from chalicelib.domain import errors
from chalicelib.domain.conversations import (
    TOP_PAGING,
    WITH_EMPTY,
    WITH_TOP,
    Conversation,
    Cursor,
    ListRequest,
    MessageRef,
    session_page,
)

REF = MessageRef("p", "s")


def _row(peer, time, top=False, last=REF, type_=1, recv=0, read=0):
    return Conversation("me", type_, peer, time, last, recv, read, top=top)


def test_unread_is_received_minus_read_and_never_negative():
    assert _row("a", 1, recv=5, read=2).unread == 3
    assert _row("a", 1, recv=1, read=4).unread == 0


def test_list_is_most_recent_first_and_limited():
    rows = [_row(f"u{i}", 100 + i) for i in range(8)]
    page = session_page(rows, ListRequest(), limit=5, size=20)
    assert [r.peer for r in page.items] == ["u7", "u6", "u5", "u4", "u3"] and page.complete


def test_a_conversation_beyond_the_limit_comes_back_when_a_message_makes_it_recent():
    rows = [_row(f"u{i}", 100 + i) for i in range(3)]
    assert "u0" not in [r.peer for r in session_page(rows, ListRequest(), limit=2).items]
    rows[0] = _row("u0", 200)
    assert session_page(rows, ListRequest(), limit=2).items[0].peer == "u0"


def test_paging_walks_every_item_once_even_with_equal_times():
    rows = [_row(f"u{i}", 100 + i // 3) for i in range(10)]
    seen, request = [], ListRequest()
    while True:
        page = session_page(rows, request, limit=50, size=4)
        seen += [r.peer for r in page.items]
        if page.complete:
            break
        request = ListRequest(page.cursor)
    assert sorted(seen) == sorted(r.peer for r in rows) and len(seen) == len(set(seen))


def test_empty_conversations_only_with_assist_flag_bit_1():
    rows = [_row("a", 5), _row("b", 6, last=None)]
    assert [r.peer for r in session_page(rows, ListRequest(), limit=50).items] == ["a"]
    assert [r.peer for r in session_page(rows, ListRequest(flags=WITH_EMPTY), limit=50).items] == ["b", "a"]


def test_pinned_are_listed_apart_always_and_outside_the_limit_with_bit_0():
    rows = [_row("old", 1, top=True)] + [_row(f"u{i}", 100 + i) for i in range(3)]
    page = session_page(rows, ListRequest(flags=WITH_TOP), limit=2)
    assert [r.peer for r in page.top_items] == ["old"]
    assert [r.peer for r in page.items] == ["u2", "u1"]
    plain = session_page(rows, ListRequest(), limit=2)
    assert plain.top_items == [] and [r.peer for r in plain.items] == ["u2", "u1"]
    later = session_page(rows, ListRequest(Cursor(101, 1), flags=WITH_TOP), limit=50)
    assert later.top_items == []  # without bit 2 the pinned come with the first page only


def test_pinned_paging_with_bit_2():
    rows = [_row(f"p{i}", 10 + i, top=True) for i in range(3)]
    request = ListRequest(flags=WITH_TOP | TOP_PAGING)
    first = session_page(rows, request, limit=50, size=2)
    assert [r.peer for r in first.top_items] == ["p2", "p1"] and not first.complete
    second = session_page(rows, ListRequest(first.cursor, first.top_cursor, request.flags), limit=50, size=2)
    assert [r.peer for r in second.top_items] == ["p0"] and second.complete


def test_assist_flags_out_of_range_are_refused():
    with pytest.raises(errors.DomainError) as exc:
        ListRequest(flags=8)
    assert exc.value.error_code == 50002
