"""Recent contacts use cases: get_list (last message and unread per conversation), delete, pin/unpin."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import (
    C2C,
    PAGE_SIZE,
    RECENTCONTACT_TOP,
    WITH_EMPTY,
    WITH_TOP,
    Conversation,
    Cursor,
    ListRequest,
    MessageRef,
    SessionPage,
    session_page,
)
from chalicelib.services.notify import Notifier
from chalicelib.services.ports import AccountRepo


class ConversationRepo(Protocol):
    def record(
        self,
        sdkappid: int,
        owner: str,
        type_: int,
        peer: str,
        *,
        time: int | None,
        last: MessageRef | None,
        received: int = 0,
        only_if_older: bool = False,
    ) -> bool: ...
    def first(self, sdkappid: int, owner: str, limit: int) -> tuple[list[Conversation], bool]: ...
    def ensure_indexed(self, sdkappid: int, owner: str) -> None: ...  # rows predating the activity index
    def pinned(self, sdkappid: int, owner: str) -> list[Conversation]: ...  # pinned C2C rows
    def groups(self, sdkappid: int, owner: str) -> list[Conversation]: ...  # group rows
    def count_listed_after(self, sdkappid: int, owner: str, time: int, cap: int) -> int: ...
    def listed(
        self, sdkappid: int, owner: str, until: int | None, count: int
    ) -> tuple[list[Conversation], int | None]: ...  # unpinned C2C rows by activity (see store/conversations.py)
    def list(self, sdkappid: int, owner: str) -> list[Conversation]: ...
    def get(self, sdkappid: int, owner: str, type_: int, peers: Sequence[str]) -> dict[str, Conversation]: ...
    def mirrors(self, sdkappid: int, owner: str, peers: Sequence[str]) -> dict[str, Conversation]: ...
    def mark_read(self, sdkappid: int, owner: str, type_: int, peer: str, read: int, read_time: int) -> bool: ...
    def unreceive(self, sdkappid: int, owner: str, type_: int, peer: str, sent_at: int) -> bool: ...
    def delete(self, sdkappid: int, owner: str, type_: int, peer: str, now: int | None = None) -> bool: ...
    def set_top(self, sdkappid: int, owner: str, type_: int, peer: str, top: bool, now: int) -> None: ...


@dataclass(frozen=True)
class Description:
    last: dict[str, Any] | None  # the last message as history shows it; None when there is none (or it expired)
    unread: int
    at: list[dict[str, int]] = field(default_factory=list)  # groups: unread mentions (GroupAtInfoList)


class ConversationSource(Protocol):
    """How one conversation Type shows its rows: C2C here; the groups feature registers Type 2 in wiring."""

    def describe(self, sdkappid: int, owner: str, rows: Sequence[Conversation]) -> dict[str, Description]: ...

    def check_peer(self, sdkappid: int, owner: str, peer: str, *, pin: bool) -> None:
        """Raise the Type's code when `peer` does not exist (an account, a group) or, to `pin`, when `owner` may
        not have that conversation (a group it is not in)."""
        ...


class ActivityTimes(Protocol):
    """For a Type whose rows are not written per message (groups): each peer's last message time."""

    def last_times(self, sdkappid: int, rows: Sequence[Conversation]) -> dict[str, int]: ...


class RoamingCleaner(Protocol):
    """ClearRamble for one conversation Type: take the conversation out of the owner's history."""

    def clear_roaming(self, sdkappid: int, owner: str, peer: str) -> None: ...


FEW_ROWS = 2 * PAGE_SIZE + 1  # up to this many conversation rows, get_list reads them all (one Query)


def _shown(row: Conversation, request: ListRequest) -> bool:
    """A row get_list may show (session_page's filter): not deleted; empty ones only with AssistFlags bit 1."""
    return not row.gone and bool(request.flags & WITH_EMPTY or not row.empty)


def _ordered(rows: Iterable[Conversation]) -> list[Conversation]:
    return sorted(rows, key=lambda r: (-r.time, r.type, r.peer))  # session_page's order


@dataclass(frozen=True)
class Listed:
    page: SessionPage
    described: dict[tuple[int, str], Description]

    def describe(self, row: Conversation) -> Description:
        return self.described.get((row.type, row.peer), Description(None, row.unread))


class ConversationService:
    def __init__(
        self,
        repo: ConversationRepo,
        accounts: AccountRepo,
        notifier: Notifier,
        clock: Clock,
        sources: Mapping[int, ConversationSource],
        cleaners: Mapping[int, RoamingCleaner],
        activity: Mapping[int, ActivityTimes] | None = None,
    ) -> None:
        self._repo = repo
        self.activity = dict(activity or {})
        self._accounts = accounts
        self._notifier = notifier
        self._clock = clock
        self.sources = dict(sources)
        self.cleaners = dict(cleaners)

    def _require_account(self, sdkappid: int, user: str) -> None:
        if not self._accounts.exists(sdkappid, user):
            raise errors.error(50001, f"account {user!r} does not exist")

    def get_list(self, app: App, owner: str, request: ListRequest) -> Listed:
        """One page of recent contacts, each with its last message and unread count.

        Its cost follows the page, not the account's conversation count: pinned rows and group rows are read whole
        (as many as the account pins or joins), unpinned C2C rows through their activity index, the page's hours
        only, and the keys above it counted (see store/conversations.py)."""
        self._require_account(app.sdkappid, owner)
        page = self._page(app.sdkappid, owner, request, app.config.recent_contacts)
        described: dict[tuple[int, str], Description] = {}
        shown = page.top_items + page.items
        for type_ in {r.type for r in shown}:
            source = self.sources.get(type_)
            if source is not None:
                rows = [r for r in shown if r.type == type_]
                described.update({(type_, peer): d for peer, d in source.describe(app.sdkappid, owner, rows).items()})
        return Listed(page, described)

    def _page(self, sdkappid: int, owner: str, request: ListRequest, limit: int) -> SessionPage:
        """session_page's answer, from the rows it needs.

        An account with few conversations (≤ FEW_ROWS) has them read in one Query, the cheapest way (a Query
        bills the rows' bytes, a read by key at least half a unit a row). Past that: the pinned and group rows in
        full, and of the listed C2C rows the count of those above the page and the rows of the page's hours (at
        least one more than the page, to tell whether it is the last)."""
        rows, complete = self._repo.first(sdkappid, owner, FEW_ROWS)
        if complete:
            return session_page(self._timed(sdkappid, rows), request, limit=limit)
        self._repo.ensure_indexed(sdkappid, owner)
        known = self._timed(sdkappid, [*self._repo.pinned(sdkappid, owner), *self._repo.groups(sdkappid, owner)])
        pins = session_page([r for r in known if r.top], request, limit=limit)  # the pinned part: all in `known`
        with_top = bool(request.flags & WITH_TOP)
        normal = [r for r in known if _shown(r, request) and not (with_top and r.top)]
        cursor = request.cursor
        until = None if cursor.at_start else cursor.time
        newer = 0 if until is None else self._repo.count_listed_after(sdkappid, owner, until, limit + 1)
        listed, since = self._repo.listed(sdkappid, owner, until, cursor.index + PAGE_SIZE + 1)
        listed = [r for r in listed if _shown(r, request)]
        if until is not None:
            newer += sum(1 for r in [*listed, *normal] if r.time > until)
        window = _ordered(
            r for r in [*listed, *normal] if (until is None or r.time <= until) and (since is None or r.time >= since)
        )
        start = newer + cursor.index
        taken = window[cursor.index : cursor.index + max(0, min(PAGE_SIZE, limit - start))]
        if not taken:
            items, next_cursor, done = [], cursor, True
        else:
            last = taken[-1].time
            seen = cursor.index + len(taken)
            next_cursor = Cursor(last, sum(1 for r in window[:seen] if r.time == last))
            items, done = taken, len(window) <= seen or start + len(taken) >= limit
        if not with_top:
            return SessionPage(items, [], next_cursor, request.top_cursor, done)
        return SessionPage(items, pins.top_items, next_cursor, pins.top_cursor, done and pins.complete)

    def _timed(self, sdkappid: int, rows: list[Conversation]) -> list[Conversation]:
        """Rows timed by their last activity: group rows by their group's last message."""
        for type_, source in self.activity.items():
            times = source.last_times(sdkappid, [r for r in rows if r.type == type_ and not r.gone])
            if times:
                rows = [
                    replace(r, time=max(r.time, times[r.peer])) if r.type == type_ and r.peer in times else r
                    for r in rows
                ]
        return rows

    def delete(self, app: App, owner: str, type_: int, peer: str, *, clear_roaming: bool) -> None:
        """Remove the conversation (and its unread count) until a new message brings it back."""
        self._require_account(app.sdkappid, owner)
        source = self.sources.get(type_)
        if source is not None and not self._repo.get(app.sdkappid, owner, type_, [peer]):
            source.check_peer(app.sdkappid, owner, peer, pin=False)  # a row with a since-deleted peer is deletable
        # a C2C row's read mark moves to now: everything received so far counts as read (recalls count down after)
        self._repo.delete(app.sdkappid, owner, type_, peer, int(self._clock.now()) if type_ == C2C else None)
        cleaner = self.cleaners.get(type_)
        if clear_roaming and cleaner is not None:
            cleaner.clear_roaming(app.sdkappid, owner, peer)

    def set_top(self, app: App, owner: str, type_: int, peer: str, top: bool, *, exclude: str | None) -> None:
        """Pin or unpin server-side and tell the account's other terminals (event recentcontact_top).

        Pinning needs a conversation there can be: an imported peer account (50001), a group that exists (10010)
        and that the owner belongs to (10007). Unpinning a row the owner has is always allowed."""
        self._require_account(app.sdkappid, owner)
        source = self.sources.get(type_)
        if source is not None and (top or not self._repo.get(app.sdkappid, owner, type_, [peer])):
            source.check_peer(app.sdkappid, owner, peer, pin=top)  # unpinning a row the owner has is always fine
        self._repo.set_top(app.sdkappid, owner, type_, peer, top, int(self._clock.now()))
        data: dict[str, Any] = {"Type": type_, "TopFlag": int(top)}
        data["To_Account" if type_ == C2C else "GroupId"] = peer
        self._notifier.to_users(app.sdkappid, [owner], RECENTCONTACT_TOP, data, exclude=exclude)
