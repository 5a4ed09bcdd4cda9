"""Recent contacts (conversations): unread counts, the per-app limit, pinning and get_list's paging rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain import errors

C2C, GROUP = 1, 2
TYPES = (C2C, GROUP)
PAGE_SIZE = 20
# AssistFlags bits (reference §3.8)
WITH_TOP, WITH_EMPTY, TOP_PAGING = 1, 2, 4
RECENTCONTACT_TOP = "recentcontact_top"  # push event: a conversation was pinned or unpinned


@dataclass(frozen=True)
class MessageRef:
    """Where a conversation's last message is stored (messages table keys)."""

    pk: str
    sk: str


@dataclass(frozen=True)
class Conversation:
    """One row of an account's recent contacts. `recv`/`read` are counts, so unread needs no per-message write
    per reader: unread = messages received - messages received when last read."""

    owner: str
    type: int
    peer: str  # To_Account (Type 1) or GroupId (Type 2)
    time: int = 0  # last activity (epoch s); orders the list
    last: MessageRef | None = None
    recv: int = 0
    read: int = 0
    read_time: int = 0
    top: bool = False
    top_time: int = 0
    gone: bool = False  # deleted by its owner (recentcontact/delete) until a new message brings it back
    head_time: int = 0  # C2C, on the row of the lower account: the position of the conversation log's newest
    head_seq: int = 0  # entry (see domain.c2c.Position); 0 on the other row and on group rows
    received_time: int = 0  # C2C: MsgTime of the last message received (0: unknown)

    @property
    def unread(self) -> int:
        return max(0, self.recv - self.read)

    @property
    def empty(self) -> bool:
        return self.last is None


@dataclass(frozen=True)
class Cursor:
    """get_list's position: the activity time of the last item returned and how many with that time came."""

    time: int = 0
    index: int = 0

    @property
    def at_start(self) -> bool:
        return self.time == 0 and self.index == 0


@dataclass(frozen=True)
class ListRequest:
    cursor: Cursor = Cursor()
    top_cursor: Cursor = Cursor()
    flags: int = 0

    def __post_init__(self) -> None:
        if self.flags < 0 or self.flags > 7:
            raise errors.error(50002, "AssistFlags uses bits 0 (pinned), 1 (empty sessions), 2 (pinned paging)")


@dataclass(frozen=True)
class SessionPage:
    items: list[Conversation]
    top_items: list[Conversation]
    cursor: Cursor
    top_cursor: Cursor
    complete: bool


def _order(rows: Sequence[Conversation]) -> list[Conversation]:
    return sorted(rows, key=lambda r: (-r.time, r.type, r.peer))


def _page(rows: list[Conversation], cursor: Cursor, size: int) -> tuple[list[Conversation], Cursor, bool]:
    start = 0
    if not cursor.at_start:
        newer = sum(1 for r in rows if r.time > cursor.time)
        start = newer + cursor.index
    taken = rows[start : start + size]
    if not taken:
        return [], cursor, True
    last = taken[-1].time
    index = sum(1 for r in rows[: start + len(taken)] if r.time == last)
    return taken, Cursor(last, index), start + len(taken) >= len(rows)


def session_page(
    rows: Sequence[Conversation], request: ListRequest, *, limit: int, size: int = PAGE_SIZE
) -> SessionPage:
    """One get_list page.

    The list holds the `limit` most recently active conversations (FAQ: beyond the limit a conversation is not
    shown until a new message makes it recent again); empty ones (no stored last message) only with AssistFlags
    bit 1. With bit 0 pinned conversations are listed apart, always (the user chose them) and marked TopFlag;
    with bit 2 they are paged by TopTimeStamp/TopStartIndex, otherwise all come with the first page.
    """
    shown = _order([r for r in rows if not r.gone and (request.flags & WITH_EMPTY or not r.empty)])
    if request.flags & WITH_TOP:
        pinned = [r for r in shown if r.top]
        normal = [r for r in shown if not r.top][:limit]
    else:
        pinned, normal = [], shown[:limit]
    items, cursor, done = _page(normal, request.cursor, size)
    if request.flags & TOP_PAGING:
        top_items, top_cursor, top_done = _page(pinned, request.top_cursor, size)
    else:
        top_items = pinned if request.cursor.at_start else []
        top_cursor, top_done = request.top_cursor, True
    return SessionPage(items, top_items, cursor, top_cursor, done and top_done)
