"""Identifier rules: UserID (≤32 bytes of printable ASCII), SDKAppID."""

from __future__ import annotations

from chalicelib.domain import errors

USER_ID_MAX_BYTES = 32


def user_id_problem(value: object) -> str | None:
    """Why `value` cannot be a UserID, or None if it can."""
    if not isinstance(value, str):
        return "must be a string"
    if not value:
        return "must not be empty"
    if any(not (0x20 <= ord(ch) <= 0x7E) for ch in value):
        return "must be printable ASCII (0x20-0x7e)"
    if len(value) > USER_ID_MAX_BYTES:  # ASCII: characters are bytes
        return f"exceeds {USER_ID_MAX_BYTES} bytes"
    return None


def is_user_id(value: object) -> bool:
    return user_id_problem(value) is None


def check_user_id(value: object, *, code: int = 70402, field: str = "UserID") -> str:
    """Return a valid UserID or raise `code` with a message naming the field."""
    problem = user_id_problem(value)
    if problem is not None:
        raise errors.error(code, f"{field} {problem}")
    assert isinstance(value, str)
    return value
