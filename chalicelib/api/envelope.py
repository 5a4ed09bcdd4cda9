"""Tencent's response envelope: ActionStatus, ErrorCode, ErrorInfo (+ ErrorDisplay for sns/profile/recentcontact)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain.errors import DomainError, Internal

log = logging.getLogger("yuntong.api")

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


def answer(name: str, run: Callable[[], Mapping[str, Any] | None]) -> dict[str, Any]:
    """Run command `name` ("service/command") and wrap its result or error; never raises (REST and websocket)."""
    display = name.split("/", 1)[0] in ERROR_DISPLAY_SERVICES
    try:
        return ok(run(), error_display=display)
    except DomainError as err:
        return fail(err, error_display=display)
    except Exception:
        log.exception("unhandled error in %s", name)
        return fail(Internal(), error_display=display)
