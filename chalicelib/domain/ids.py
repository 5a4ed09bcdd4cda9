"""Identifier rules: UserID (≤32 bytes of printable ASCII), SDKAppID."""

from __future__ import annotations

from chalicelib.domain import errors

USER_ID_MAX_BYTES = 32


def check_user_id(value: object, *, code: int = 70402, field: str = "UserID") -> str:
    """Return a valid UserID or raise `code` with a message naming the field."""
    if not isinstance(value, str):
        raise errors.error(code, f"{field} must be a string")
    if not value:
        raise errors.error(code, f"{field} must not be empty")
    if len(value.encode("utf-8")) > USER_ID_MAX_BYTES:
        raise errors.error(code, f"{field} exceeds {USER_ID_MAX_BYTES} bytes")
    if any(not (0x20 <= ord(ch) <= 0x7E) for ch in value):
        raise errors.error(code, f"{field} must be printable ASCII (0x20-0x7e)")
    return value
