"""REST edge: `/v4/{service}/{command}?sdkappid&identifier&usersig&random` → registry → Tencent envelope."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

from chalicelib import logs
from chalicelib.api import envelope, registry
from chalicelib.api.context import AuthContext
from chalicelib.domain import errors
from chalicelib.wiring import services

log = logging.getLogger("yuntong.rest")


def _finite_float(text: str) -> float:
    """1e400 parses to inf, which no JSON encoder may write back: refuse it like NaN (it would poison replies)."""
    value = float(text)
    if math.isinf(value) or math.isnan(value):
        raise ValueError(f"number {text[:32]} is out of range")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes | str | None) -> Any:
    """An empty or missing body means `{}` (clients send none); raw UTF-8 is fine; bad JSON → 90001."""
    if raw is None:
        return {}
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise errors.JsonParseError("request body is not valid UTF-8") from exc
    raw = raw.removeprefix("\ufeff")  # some Windows clients prefix a UTF-8 byte order mark
    if not raw.strip():
        return {}
    try:
        # NaN/Infinity are Python extensions, not JSON; a pathologically deep body raises RecursionError.
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise errors.JsonParseError() from exc


def parse_sdkappid(raw: str | None) -> int:
    """`sdkappid` must be plain ASCII digits (int() would also take " 12", "1_2" or fullwidth digits)."""
    if not raw:
        raise errors.MissingAppId()
    if not (raw.isascii() and raw.isdigit()):
        raise errors.error(60002, f"sdkappid must be an integer, got {raw[:32]!r}")
    if len(raw) > 10:  # SDKAppIDs are 32-bit; also keeps int() away from its 4300-digit limit
        raise errors.AppNotFound(f"SDKAppID {raw[:32]}… not found")
    return int(raw)


def credentials(query: Mapping[str, str] | None) -> tuple[int, str, str]:
    """`sdkappid`, `identifier` and `usersig` from a query string (REST URL or websocket `$connect`)."""
    q = query or {}
    sdkappid = parse_sdkappid(q.get("sdkappid"))
    identifier = q.get("identifier")
    if not identifier:
        raise errors.MissingIdentity("identifier is required in the request URL")
    return sdkappid, identifier, q.get("usersig") or ""


def authenticate(query: Mapping[str, str] | None) -> AuthContext:
    principal = services().auth.authenticate(*credentials(query))
    return AuthContext(principal.app, principal.identifier, principal.is_admin, via="rest")


def source_ip(context: Mapping[str, Any] | None) -> str:
    """The caller's address as API Gateway saw it (callbacks' ClientIP); "" if absent."""
    identity = (context or {}).get("identity") or {}
    ip = identity.get("sourceIp") if isinstance(identity, Mapping) else None
    return ip[:64] if isinstance(ip, str) else ""


def handle(
    service: str, command: str, query: Mapping[str, str] | None, raw_body: bytes | str | None, client_ip: str = ""
) -> dict[str, Any]:
    """Always returns an envelope (HTTP 200), never raises. Over the app's call rate → 60007 before anything runs."""
    started = time.perf_counter()
    display = service in envelope.ERROR_DISPLAY_SERVICES
    ctx: AuthContext | None = None
    try:
        ctx = authenticate(query)
        if client_ip:
            ctx = dataclasses.replace(ctx, client_ip=client_ip)
        services().guard.admit(ctx.app)
        cmd = registry.lookup(f"{service}/{command}")
        data = parse_json(raw_body)
        out = envelope.ok(registry.dispatch(ctx, cmd, data), error_display=display)
        if not ctx.is_admin:  # an account acting as itself with its own UserSig is active today (DAU, FAQ)
            services().stats.active(ctx.app, ctx.identifier)
    except errors.DomainError as err:
        out = envelope.fail(err, error_display=display)
    except Exception:
        log.exception("unhandled error in %s/%s", service, command)
        out = envelope.fail(errors.Internal(), error_display=display)
    _log_call(f"{service}/{command}", query or {}, ctx, out["ErrorCode"], started)
    return out


def _log_call(name: str, query: Mapping[str, str], ctx: AuthContext | None, code: int, started: float) -> None:
    """One line per call: who called what and how it ended; never the body or the UserSig."""
    logs.event(
        log,
        logging.INFO,
        "rest call",
        app_log_level=ctx.app.config.log_level if ctx else None,
        cmd=name[:100],
        sdkappid=ctx.sdkappid if ctx else (query.get("sdkappid") or "")[:20],
        identifier=ctx.identifier if ctx else (query.get("identifier") or "")[:64],
        code=code,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
