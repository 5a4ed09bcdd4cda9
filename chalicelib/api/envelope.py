"""Tencent's response envelope: ActionStatus, ErrorCode, ErrorInfo (+ ErrorDisplay for sns/profile/recentcontact)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import DomainError

ERROR_DISPLAY_SERVICES = frozenset({"sns", "profile", "recentcontact"})


def ok(result: Mapping[str, Any] | None = None, *, error_display: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}
    if error_display:
        out["ErrorDisplay"] = ""
    if result:
        out.update(result)
    return out


def fail(err: DomainError, *, error_display: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"ActionStatus": "FAIL", "ErrorInfo": err.info, "ErrorCode": err.error_code}
    if error_display:
        out["ErrorDisplay"] = ""
    out.update(err.extra)
    return out
