"""Mute times (global no-speaking, group member mute): seconds from now, 0 = clear, 4294967295 = forever."""

from __future__ import annotations

FOREVER = 4_294_967_295


def until(now: int, seconds: int) -> int:
    """Epoch second until which a mute lasts (0: not muted; FOREVER: forever)."""
    if seconds <= 0:
        return 0
    if seconds >= FOREVER:
        return FOREVER
    return now + seconds


def is_muted(mute_until: int, now: float) -> bool:
    return mute_until == FOREVER or mute_until > now


def remaining(mute_until: int, now: float) -> int:
    """Seconds left as Tencent reports them (FOREVER stays FOREVER, 0 when not muted)."""
    if mute_until == FOREVER:
        return FOREVER
    return max(0, int(mute_until - now))
