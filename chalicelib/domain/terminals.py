"""Terminals: platforms, the four multi-terminal login policies (FAQ 多终端同时在线) and session liveness times.

Platform classes (the FAQ names only phones and PC; the other three platforms are placed so that its stated maxima
hold — "at most one phone and one PC", "at most one Android, one iOS and one PC"):
- iPhone and iPad are the *iOS* type of phone: Tencent's SDK reports both as iOS, and a separate iPad class would
  let a third terminal online under policy (2) and a fourth under (3).
- Mac is a PC: the FAQ's "PC" is the desktop client, whatever its operating system.
- Web is a PC too: a browser session is a desktop terminal (QQ, whose logic the FAQ follows, made WebQQ and PC QQ
  kick each other), and giving it its own class would again break the FAQ's maxima.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from chalicelib.domain import errors
from chalicelib.domain.apps import LOGIN_POLICIES

PLATFORMS: tuple[str, ...] = ("iPhone", "Android", "iPad", "Web", "PC", "Mac")

# Phone type per platform (policy per_platform) and the mobile/PC class (policy mobile_pc).
IOS, ANDROID, DESKTOP = "ios", "android", "pc"
TYPE_OF: dict[str, str] = {
    "iPhone": IOS,
    "iPad": IOS,
    "Android": ANDROID,
    "PC": DESKTOP,
    "Mac": DESKTOP,
    "Web": DESKTOP,
}
MOBILE, PC = "mobile", "pc"
CLASS_OF: dict[str, str] = {p: (PC if t == DESKTOP else MOBILE) for p, t in TYPE_OF.items()}

NO_KICK, MOBILE_PC, PER_PLATFORM, SINGLE = "no_kick", "mobile_pc", "per_platform", "single"
POLICIES: tuple[str, ...] = LOGIN_POLICIES  # AppConfig.login_policy takes one of these

# API Gateway closes a websocket after 10 idle minutes; a terminal not heard from for as long is offline.
IDLE_SECONDS = 600
# Any frame is activity, but the directory is written at most once a minute per terminal (cost: 2 writes).
TOUCH_EVERY_SECONDS = 60
# What the README advises clients: a heartbeat well inside the idle limit, rare enough to cost little.
HEARTBEAT_ADVICE_SECONDS = 240
# A terminal is stored during `$connect`, but API Gateway answers 410 Gone to posts until `$connect` has returned (its
# integration times out after 29 s). A Gone for a terminal younger than this says nothing about it being dead, so it is
# not pruned then: a dead young socket goes at its `$disconnect`, or at the sweep after the idle limit.
HANDSHAKE_GRACE_SECONDS = 30
# A refusal kept for a connection accepted with `refusal=frame`, until its first frame reads it (or the socket closes).
REFUSAL_SECONDS = 120

# Codes carried by the `kicked` event (reference §4: SDK-side codes) and what each means.
KICKED_OTHER_TERMINAL = 6208  # another terminal logged in with this account
KICKED_BY_ADMIN = 6014  # logged out by the app backend (im_open_login_svc/kick)
KICKED_ACCOUNT_DELETED = 70107  # the account was deleted


def platform(value: object) -> str:
    """The canonical platform name (case-insensitive match), or 70402."""
    if isinstance(value, str):
        for name in PLATFORMS:
            if value.lower() == name.lower():
                return name
    raise errors.InvalidParam(f"platform must be one of {', '.join(PLATFORMS)}")


def kicks(policy: str, online: str, logging_in: str) -> bool:
    """True if a terminal on `logging_in` logging in kicks the account's terminal already online on `online`."""
    if policy == NO_KICK:
        return False
    if policy == MOBILE_PC:
        return CLASS_OF[online] == CLASS_OF[logging_in]
    if policy == PER_PLATFORM:
        return TYPE_OF[online] == TYPE_OF[logging_in]
    if policy == SINGLE:
        return True
    raise ValueError(f"unknown login policy {policy!r}")


def table(policy: str) -> dict[tuple[str, str], bool]:
    """The whole policy as data: (platform already online, platform logging in) → kicked?"""
    return {(online, new): kicks(policy, online, new) for online in PLATFORMS for new in PLATFORMS}


class Terminal(Protocol):
    @property
    def platform(self) -> str: ...
    @property
    def seq(self) -> int: ...


T = TypeVar("T", bound=Terminal)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    kicked: list[T]  # terminals the newcomer kicks
    refused: bool  # a later login of a conflicting platform already won: the newcomer itself loses


def resolve(policy: str, newcomer: T, online: Sequence[T]) -> Outcome[T]:
    """Decide a login against the account's other terminals (the newcomer excluded from `online`).

    Logins are ordered by `seq`, allocated atomically per account, so two racing logins agree on the winner:
    each kicks the conflicting terminals that logged in before it, and loses to one that logged in after it.
    """
    if any(t.seq > newcomer.seq and kicks(policy, newcomer.platform, t.platform) for t in online):
        return Outcome([], True)
    return Outcome([t for t in online if t.seq < newcomer.seq and kicks(policy, t.platform, newcomer.platform)], False)


def gone_cutoff(now: float) -> int:
    """A Gone answer prunes only terminals that connected before this time (epoch seconds)."""
    return int(now) - HANDSHAKE_GRACE_SECONDS


def survives_gone(connected_at: int, now: float) -> bool:
    """True if a Gone answer for a terminal that logged in at `connected_at` must not log it out: its handshake may
    still be running (the push raced the login), and a login that succeeded stays logged in whatever races it."""
    return connected_at >= gone_cutoff(now)
