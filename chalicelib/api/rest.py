"""REST edge: `/v4/{service}/{command}?sdkappid&identifier&usersig&random` → registry → Tencent envelope."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from chalicelib.api import envelope, registry
from chalicelib.api.context import AuthContext
from chalicelib.domain import errors
from chalicelib.wiring import services

log = logging.getLogger("yuntong.rest")


def parse_json(raw: bytes | str | None) -> Any:
    """An empty or missing body means `{}` (clients send none); raw UTF-8 is fine; bad JSON → 90001."""
    if raw is None:
        return {}
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise errors.JsonParseError("request body is not valid UTF-8") from exc
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise errors.JsonParseError() from exc


def authenticate(query: Mapping[str, str] | None) -> AuthContext:
    q = query or {}
    raw_id = q.get("sdkappid")
    if not raw_id:
        raise errors.MissingAppId()
    try:
        sdkappid = int(raw_id)
    except ValueError as exc:
        raise errors.error(60002, "sdkappid must be an integer") from exc
    identifier = q.get("identifier")
    if not identifier:
        raise errors.MissingIdentity("identifier is required in the request URL")
    principal = services().auth.authenticate(sdkappid, identifier, q.get("usersig") or "")
    return AuthContext(principal.app, principal.identifier, principal.is_admin, via="rest")


def handle(service: str, command: str, query: Mapping[str, str] | None, raw_body: bytes | str | None) -> dict[str, Any]:
    """Always returns an envelope (HTTP 200), never raises."""
    display = service in envelope.ERROR_DISPLAY_SERVICES
    try:
        ctx = authenticate(query)
        cmd = registry.lookup(f"{service}/{command}")
        data = parse_json(raw_body)
        return envelope.ok(registry.dispatch(ctx, cmd, data), error_display=display)
    except errors.DomainError as err:
        return envelope.fail(err, error_display=display)
    except Exception:
        log.exception("unhandled error in %s/%s", service, command)
        return envelope.fail(errors.Internal(), error_display=display)
