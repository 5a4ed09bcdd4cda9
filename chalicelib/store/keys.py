"""Key formats. Every partition key starts with the SDKAppID; numbers in sort keys are zero-padded."""

from __future__ import annotations

SEP = "#"


def pad(n: int, width: int = 20) -> str:
    return str(n).zfill(width)


def user_pk(sdkappid: int, user: str) -> str:
    """The partition of everything one account owns (account + profile, relations, conversations)."""
    return f"{sdkappid}#U#{user}"


ACCOUNT_SK = "ACCOUNT"
