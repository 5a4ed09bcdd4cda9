"""Protocols the services need; store/ and push/ implement them, tests may fake them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain import relations as rel
from chalicelib.domain.apps import App
from chalicelib.domain.push import Term


class AppRepo(Protocol):
    def get(self, sdkappid: int) -> App | None: ...
    def create(self, app: App) -> None: ...  # raises AppExists if taken
    def save(self, app: App) -> None: ...
    def list(self) -> list[App]: ...
    def purge(self, sdkappid: int) -> None: ...


@dataclass(frozen=True)
class AccountRecord:
    """One account as stored: profile tags and global mute (setnospeaking) in the same item (one read per send)."""

    user: str
    created_at: int
    profile: dict[str, Any]
    c2c_mute_until: int = 0  # epoch s; 0 none; domain.mute.FOREVER forever
    group_mute_until: int = 0


class AccountRepo(Protocol):
    def get_account(self, sdkappid: int, user: str) -> AccountRecord | None: ...
    def set_mute(self, sdkappid: int, user: str, c2c_until: int | None, group_until: int | None) -> bool: ...
    def import_account(self, sdkappid: int, user: str, now: int, profile: Mapping[str, Any]) -> bool: ...
    def existing(self, sdkappid: int, users: Iterable[str]) -> set[str]: ...
    def exists(self, sdkappid: int, user: str) -> bool: ...
    def delete(self, sdkappid: int, user: str) -> None: ...
    def get_profiles(self, sdkappid: int, users: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    def set_profile(self, sdkappid: int, user: str, items: Mapping[str, Any]) -> bool: ...  # False: no account


class TaskQueue(Protocol):
    """Background work (large fan-out, all-member push): one SQS queue, tasks dispatched by kind (api/tasks.py)."""

    def enqueue(self, kind: str, payload: Mapping[str, Any]) -> None: ...


class Pusher(Protocol):
    """Posts frames to websocket connections (chalicelib/push)."""

    def send(self, connection_id: str, frame: Mapping[str, Any]) -> bool: ...  # False: connection is gone
    def send_many(self, connection_ids: Sequence[str], frame: Mapping[str, Any]) -> list[str]: ...  # gone ids
    def close(self, connection_id: str) -> None: ...


class AccountDeletionHook(Protocol):
    """Features that keep per-account state elsewhere (relations, sessions, conversations) clean it up here."""

    def on_account_deleted(self, sdkappid: int, user: str) -> None: ...


@dataclass(frozen=True)
class Connection:
    """One logged-in terminal (a websocket connection)."""

    connection_id: str
    sdkappid: int
    user: str
    platform: str
    connected_at: int
    last_seen: int
    seq: int = 0  # login order among the account's terminals (allocated by the directory on add)
    sig_expires: int | None = None  # when the UserSig it logged in with expires


@dataclass(frozen=True)
class Online:
    """An app's online counters: terminals (connections) and distinct accounts with at least one."""

    connections: int = 0
    accounts: int = 0


@dataclass(frozen=True)
class Added:
    connection: Connection  # as stored, with its login seq
    online: Online  # the app's counters right after this login


class ConnectionDirectory(Protocol):
    """Where online terminals are found; reads never return expired connections.

    The directory keeps the app's online counters: add and remove adjust them, and only the one call that really
    removed a connection (kick, $disconnect, sweep or a Gone prune, whichever comes first) counts it down.
    """

    def add(self, conn: Connection, expires: int) -> Added: ...
    def get(self, connection_id: str) -> Connection | None: ...
    def of_user(self, sdkappid: int, user: str) -> list[Connection]: ...
    def of_users(self, sdkappid: int, users: Sequence[str]) -> dict[str, list[Connection]]: ...
    def touch(self, connection_id: str, now: int, expires: int) -> None: ...  # never revives a removed one
    def remove(self, connection_id: str) -> Connection | None: ...  # None: absent or removed by another call
    # After API Gateway answered Gone: removed only if it connected before domain/terminals.gone_cutoff (a Gone
    # during its handshake says nothing); conditional, so no racing pruner removes a fresh login. None: kept/absent
    def remove_gone(self, connection_id: str) -> Connection | None: ...
    # `refusal=frame` logins: the refusal a connection's first frame is answered with (never a terminal, never online)
    def refuse(self, connection_id: str, code: int, info: str, expires: int) -> None: ...
    def refusal(self, connection_id: str) -> tuple[int, str] | None: ...
    def remove_expired_refusals(self, now: int, limit: int) -> list[str]: ...  # their connection ids (the sweep)
    def remove_expired(self, sdkappid: int, now: int, limit: int) -> list[Connection]: ...  # the sweep
    def online(self, sdkappid: int) -> Online: ...
    def page(self, sdkappid: int, after: str | None, limit: int) -> tuple[list[Connection], str | None]: ...  # console


class PresenceHook(Protocol):
    """Features that index online terminals (the groups' online-member index) follow logins and logouts here.

    services/presence.HookedDirectory (the container's directory) calls every hook in `services().presence_hooks`
    after a terminal was stored and after one was removed (logout, $disconnect, kick, the sweep or a Gone prune).
    """

    def on_connected(self, conn: Connection) -> None: ...
    def on_disconnected(self, conn: Connection) -> None: ...


class Metrics(Protocol):
    """Per-app daily counters under domain/stats.METRICS names, bucketed by the app's natural day."""

    def incr(self, app: App, name: str, amount: int = 1) -> None: ...
    def incr_many(self, app: App, amounts: Mapping[str, int]) -> None: ...  # one write for several counters
    def mark(self, app: App, name: str, member: str) -> bool: ...  # count `member` once per day; True if new
    def peak(self, app: App, name: str, value: int) -> None: ...  # keep the day's maximum
    # Counted in the container and written in batches (the send path): see store/counters.py
    def later(  # `peaks`: day maxima (the online peak of a login), written only when above the known one
        self,
        app: App,
        amounts: Mapping[str, int],
        marks: Iterable[tuple[str, str]] = (),
        peaks: Mapping[str, int] | None = None,
    ) -> None: ...
    def active(  # DAU: the mark at once, the first time a day in this container; `amounts`/`peaks` go to `later`
        self,
        app: App,
        member: str,
        name: str = "ActiveUserNum",
        amounts: Mapping[str, int] | None = None,
        peaks: Mapping[str, int] | None = None,
    ) -> None: ...
    def flush(self, due_only: bool = False) -> None: ...  # write what `later` counted (before any read of it)
    def day(self, sdkappid: int, day: str) -> dict[str, int]: ...


class RelationCheck(Protocol):
    """What one-to-one messaging needs to know about the relationship chain (rows written by relations)."""

    def is_friend(self, sdkappid: int, owner: str, peer: str) -> bool: ...  # `peer` is in `owner`'s friend list
    def is_blocked(self, sdkappid: int, owner: str, peer: str) -> bool: ...  # `owner` blacklisted `peer`
    def blocked_among(self, sdkappid: int, owner: str, peers: Sequence[str]) -> set[str]: ...  # those it blacklisted


class Limits(Protocol):
    """Atomic windows shared by every Lambda instance (rate limits, daily quotas, minimum gaps)."""

    def take(  # False: the window has no room for `amount` more uses
        self, sdkappid: int, bucket: str, limit: int, expires: int, amount: int = 1
    ) -> bool: ...
    def give_back(self, sdkappid: int, bucket: str) -> None: ...
    def space(self, sdkappid: int, bucket: str, now: float, gap: float, expires: int) -> bool: ...  # False: too soon


class ReadAhead(Protocol):
    """The items a send reads by key, fetched in one request before it starts (store/readahead.py)."""

    def c2c_send(
        self, sdkappid: int, sender: str, recipient: str, *, relations: bool, friends: bool, terminals: bool = False
    ) -> AbstractContextManager[None]: ...
    def group_send(
        self, sdkappid: int, gid: str, sender: str | None, claim: tuple[str, int] | None = None
    ) -> AbstractContextManager[None]: ...  # claim: (From_Account, Random)
    def terminals(self, sdkappid: int, user: str) -> int | None: ...  # as read ahead; None: not read


class NoReadAhead:
    """Every read goes on its own (services built without a store, and tests' fakes)."""

    def c2c_send(
        self, sdkappid: int, sender: str, recipient: str, *, relations: bool, friends: bool, terminals: bool = False
    ) -> AbstractContextManager[None]:
        return nullcontext()

    def group_send(
        self, sdkappid: int, gid: str, sender: str | None, claim: tuple[str, int] | None = None
    ) -> AbstractContextManager[None]:
        return nullcontext()

    def terminals(self, sdkappid: int, user: str) -> int | None:
        return None


class DailyStats(Protocol):
    """Finalised per-day figures written by the daily stats job (store/stats.py)."""

    def put(self, sdkappid: int, day: str, figures: Mapping[str, int], now: int) -> None: ...
    def get(self, sdkappid: int, day: str) -> dict[str, int] | None: ...
    def between(self, sdkappid: int, first: str, last: str) -> dict[str, dict[str, int]]: ...  # oldest first
    def latest_day(self, sdkappid: int) -> str | None: ...
    def marked(self, sdkappid: int, day: str, names: Iterable[str]) -> set[str]: ...


class PushStore(Protocol):
    """All-member push: attribute names, users' tags and attributes (domain.push.Term), and delivery walks."""

    def attr_names(self, sdkappid: int) -> dict[str, str]: ...  # slot "0".."9" → name
    def set_attr_names(self, sdkappid: int, names: Mapping[str, str]) -> None: ...
    def terms_of(self, sdkappid: int, user: str, kind: str) -> list[Term]: ...
    def put(self, sdkappid: int, user: str, terms: Iterable[Term]) -> None: ...
    def remove(self, sdkappid: int, user: str, kind: str, keys: Iterable[str]) -> None: ...
    def users_with(self, sdkappid: int, term: Term, after: str, limit: int) -> list[str]: ...  # one page
    def holdings(self, sdkappid: int, users: Sequence[str], terms: Sequence[Term]) -> dict[str, set[Term]]: ...
    def online_page(self, sdkappid: int, after: str, limit: int, now: float) -> tuple[list[Connection], str]: ...


class RelationRepo(Protocol):
    """The relationship chain's rows and counters (store/relations.py)."""

    def meta(self, sdkappid: int, owner: str) -> rel.RelationMeta: ...
    def pairs(
        self,
        sdkappid: int,
        owner: str,
        peers: Sequence[str],
        parts: Iterable[str] = ("all",),
        *,
        consistent: bool = True,
    ) -> dict[str, rel.Pair]: ...
    def friends(self, sdkappid: int, owner: str) -> list[rel.Friend]: ...
    def friends_page(self, sdkappid: int, owner: str, start: int, size: int) -> tuple[list[rel.Friend], int]: ...
    def blocks_page(self, sdkappid: int, owner: str, start: int, size: int) -> tuple[list[rel.Block], int]: ...
    def requests_page(
        self, sdkappid: int, owner: str, cursor: str | None, size: int
    ) -> tuple[list[rel.FriendRequest], str]: ...
    def pointing_at(self, sdkappid: int, user: str) -> list[rel.DeleteRow]: ...
    # raises rel.LimitReached / rel.AccountGone / rel.Conflict; nothing is written then
    def apply(
        self, sdkappid: int, changes: Sequence[rel.Change], limits: rel.RelationLimits, *, require: Sequence[str] = ()
    ) -> None: ...


class MediaRefs(Protocol):
    """The media objects a stored message names stay referenced (chalicelib/services/media.py): written before the
    message is stored, so an object is never deleted while a message names it. A body without media costs nothing."""

    def reference(
        self, app: App, body: list[dict[str, Any]], *, sender: str = "", to: Sequence[str] = (), group: str = ""
    ) -> None: ...
