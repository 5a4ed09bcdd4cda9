"""Key formats. Every partition key starts with the SDKAppID; numbers in sort keys are zero-padded.

A zero-padded number sorts as a number only while it fits its width: `pad` refuses one that does not (the API edge
bounds every integer to its wire type first, so that is a bug, not bad input), and `bound` clamps a range query's
bound into the width (a MaxTime of 10**11 means "everything", not a key that sorts before 2023).
"""

from __future__ import annotations

SEP = "#"


def pad(n: int, width: int = 20) -> str:
    text = str(n)
    if n < 0 or len(text) > width:
        raise ValueError(f"{n} does not fit a {width}-digit key")
    return text.zfill(width)


def bound(n: int, width: int = 20) -> str:
    """A range query's bound: `n` clamped to [0, 10**width - 1], padded."""
    return pad(min(max(n, 0), 10**width - 1), width)


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


def push_app_pk(sdkappid: int) -> str:
    """App-wide all-member push settings (entities table): sk `ATTRNAMES` holds the attribute names."""
    return f"{sdkappid}#PUSH"


def push_term_sk(kind: str, key: str) -> str:
    """A user's push tag or attribute, under the account partition (account deletion removes it)."""
    return f"PUSH{kind.upper()}#{key}"


def push_term_index(sdkappid: int, kind: str, key: str, value: str) -> str:
    """gsi1 partition of everyone holding a tag (or an attribute slot with a value): one Query finds them."""
    return f"{sdkappid}#PUSH{kind.upper()}#{key}" + (f"#{value}" if value else "")


def c2c_log_pk(sdkappid: int, lo: str, hi: str) -> str:
    """A one-to-one conversation's log (messages table): `lo` <= `hi`, length-prefixed so ids with `#` stay apart."""
    return f"{sdkappid}#C2C#{len(lo)}#{lo}#{hi}"


def c2c_log_sk(time: int, seq: int, *, event: bool = False) -> str:
    """A log entry at position (time, seq): messages sort by it; recalls, edits and voids sit under `E`, outside
    every history range (digits sort before `E`)."""
    return f"{'E' if event else ''}{pad(time, 10)}#{pad(seq, 12)}"
