"""Key formats. Every partition key starts with the SDKAppID; numbers in sort keys are zero-padded."""

from __future__ import annotations

SEP = "#"


def pad(n: int, width: int = 20) -> str:
    return str(n).zfill(width)


def user_pk(sdkappid: int, user: str) -> str:
    """The partition of everything one account owns (account + profile, relations, conversations)."""
    return f"{sdkappid}#U#{user}"


ACCOUNT_SK = "ACCOUNT"


def limit_pk(sdkappid: int, bucket: str) -> str:
    """A rate or quota window (counters table, TTL): e.g. `{app}#LIMIT#REST#{epoch second}`."""
    return f"{sdkappid}#LIMIT#{bucket}"


def final_stats_pk(sdkappid: int) -> str:
    """An app's finalised daily figures (counters table, no TTL): sort key = YYYYMMDD, so a month is one Query."""
    return f"{sdkappid}#FINAL"
