"""Recent contacts use cases: get_list (last message and unread per conversation), delete, pin/unpin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import (
    C2C,
    RECENTCONTACT_TOP,
    Conversation,
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
        """One page of recent contacts, each with its last message and unread count (one Query, one BatchGet)."""
        self._require_account(app.sdkappid, owner)
        page = session_page(self._active(app.sdkappid, owner), request, limit=app.config.recent_contacts)
        described: dict[tuple[int, str], Description] = {}
        shown = page.top_items + page.items
        for type_ in {r.type for r in shown}:
            source = self.sources.get(type_)
            if source is not None:
                rows = [r for r in shown if r.type == type_]
                described.update({(type_, peer): d for peer, d in source.describe(app.sdkappid, owner, rows).items()})
        return Listed(page, described)

    def _active(self, sdkappid: int, owner: str) -> list[Conversation]:
        """The owner's rows, each timed by its last activity: group rows by their group's last message."""
        rows = self._repo.list(sdkappid, owner)
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
