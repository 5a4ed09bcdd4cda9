"""Websocket edge: `$connect` login, frames `{"reqId","cmd","body"}` → the registry → envelope + reqId, `$disconnect`.

API Gateway ignores what `$default` returns, so every reply is posted through the pusher; it also refuses posts to a
connection during its own `$connect`, so a successful handshake is the login's only answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalice.app import WebsocketEvent

from chalicelib import logs, wiring
from chalicelib.api import envelope, registry
from chalicelib.api.context import AuthContext
from chalicelib.api.rest import credentials, parse_json
from chalicelib.domain import errors
from chalicelib.wiring import services

log = logging.getLogger("yuntong.ws")

ACCEPTED = {"statusCode": 200}
REFUSAL_FRAME = "frame"  # `?refusal=frame`: a refused login is told in the reply to its first frame, not by HTTP status
# Our own inbound frame limit, below API Gateway's 128 KB message cap (beyond which it closes the socket itself).
MAX_FRAME_BYTES = 64 * 1024
MAX_REQ_ID = 2**53 - 1  # JavaScript's safe integers: browser clients must be able to match replies

# `$connect` refusals: which HTTP status the handshake fails with.
_UNAUTHORIZED = frozenset({60004, 70001, 70002, 70003, 70009, 70013, 70014})
_FORBIDDEN = frozenset({60006, 60016, 70020, 70107})
_CONFLICT = frozenset({6208})


@dataclass(frozen=True)
class Frame:
    req_id: int
    cmd: str
    body: Any


class FrameError(Exception):
    """A frame that cannot be dispatched; `req_id` is set when it could be read."""

    def __init__(self, error: errors.DomainError, req_id: int | None = None) -> None:
        super().__init__(error.info)
        self.error = error
        self.req_id = req_id


def parse_frame(raw: str) -> Frame:
    if len(raw.encode("utf-8")) > MAX_FRAME_BYTES:
        raise FrameError(errors.error(93000, f"frame exceeds {MAX_FRAME_BYTES} bytes"))
    if not raw.strip():
        raise FrameError(errors.JsonParseError("empty frame"))
    try:
        doc = parse_json(raw)  # the REST body rules: BOM tolerated, NaN refused, deep nesting caught
    except errors.DomainError as exc:
        raise FrameError(errors.JsonParseError("frame is not valid JSON")) from exc
    if not isinstance(doc, dict):
        raise FrameError(errors.JsonParseError('a frame is a JSON object {"reqId", "cmd", "body"}'))
    req_id = doc.get("reqId")
    if isinstance(req_id, bool) or not isinstance(req_id, int) or abs(req_id) > MAX_REQ_ID:
        raise FrameError(errors.JsonParseError("reqId must be an integer (|reqId| < 2^53)"))
    cmd = doc.get("cmd")
    if not isinstance(cmd, str) or not cmd:
        raise FrameError(errors.UnknownCommand('cmd must be a string "service/command"'), req_id)
    body = doc.get("body")
    return Frame(req_id, cmd, {} if body is None else body)


def _text(event: WebsocketEvent) -> str:
    """The frame as text. We never touch `event.json_body`: on bad JSON it raises Chalice's BadRequestError."""
    raw = event.to_dict().get("body")
    if raw is None:
        return ""
    if event.to_dict().get("isBase64Encoded"):
        try:
            return base64.b64decode(raw).decode("utf-8")
        except (binascii.Error, ValueError):
            return ""
    return str(raw)


def _reply(connection_id: str, req_id: int | None, reply: Mapping[str, Any]) -> None:
    # A frame arrives only once `$connect` has returned, so no handshake is running: Gone means the socket is closed.
    if not services().pusher.send(connection_id, {**reply, "reqId": req_id}):
        services().realtime.disconnect(connection_id)  # gone: API Gateway will not deliver to it again


def connect(event: WebsocketEvent) -> dict[str, Any]:
    """Log a terminal in; a non-200 status refuses the handshake (the body carries the envelope, for debugging).

    With `refusal=frame` (browsers cannot read a refused upgrade's status) a refusal accepts the handshake instead,
    and the connection's first frame is answered with the refusal's code, then closed (see RealtimeService.session).
    """
    query: Mapping[str, str] = event.to_dict().get("queryStringParameters") or {}
    _learn_endpoint(event)
    try:
        sdkappid, identifier, sig = credentials(query)
        services().realtime.login(sdkappid, identifier, sig, query.get("platform"), event.connection_id)
    except errors.DomainError as err:
        if query.get("refusal") == REFUSAL_FRAME:
            services().realtime.refuse(event.connection_id, err)
            return ACCEPTED
        return {"statusCode": _refusal_status(err.error_code), "body": json.dumps(envelope.fail(err))}
    except Exception:
        log.exception("websocket login failed")
        return {"statusCode": 500, "body": json.dumps(envelope.fail(errors.Internal()))}
    return ACCEPTED


def _learn_endpoint(event: WebsocketEvent) -> None:
    """`chalice deploy` sets no YUNTONG_WS_ENDPOINT: the first `$connect` of a container records it for the rest."""
    try:
        wiring.learn_endpoint(event.to_dict().get("requestContext") or {})
    except Exception:
        log.exception("recording the websocket endpoint failed")


def _refusal_status(code: int) -> int:
    if code in _UNAUTHORIZED:
        return 401
    if code in _FORBIDDEN:
        return 403
    if code in _CONFLICT:
        return 409
    return 500 if code == errors.Internal.code else 400


def message(event: WebsocketEvent) -> dict[str, Any]:
    """Answer one frame; a bad frame gets an error reply and the socket stays open, a dead session is closed."""
    cid = event.connection_id
    try:
        frame: Frame | FrameError = parse_frame(_text(event))
    except FrameError as bad:
        frame = bad
    try:
        session = services().realtime.session(cid)
    except errors.DomainError as err:
        _reply(cid, frame.req_id, envelope.fail(err))
        services().pusher.close(cid)
        return ACCEPTED
    if isinstance(frame, FrameError):
        _reply(cid, frame.req_id, envelope.fail(frame.error))
        return ACCEPTED
    started = time.perf_counter()
    conn = session.connection
    ctx = AuthContext(session.app, conn.user, session.is_admin, via="ws", connection_id=cid, platform=conn.platform)
    cmd, body = frame.cmd, frame.body
    reply = envelope.answer(cmd, lambda: registry.dispatch(ctx, registry.lookup(cmd), body))
    _reply(cid, frame.req_id, reply)
    # One line per frame, like the REST edge's; never the body.
    logs.event(
        log,
        logging.INFO,
        "ws frame",
        app_log_level=session.app.config.log_level,
        cmd=cmd[:100],
        sdkappid=ctx.sdkappid,
        identifier=ctx.identifier,
        platform=conn.platform,
        code=reply["ErrorCode"],
        ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return ACCEPTED


def disconnect(event: WebsocketEvent) -> dict[str, Any]:
    from chalicelib.services import callbacks  # here: app.py imports this module, the services load on first use

    close_code = (event.to_dict().get("requestContext") or {}).get("disconnectStatusCode")
    with callbacks.closing(close_code if isinstance(close_code, int) else None):  # State.StateChange's reason
        services().realtime.disconnect(event.connection_id)
    return ACCEPTED
