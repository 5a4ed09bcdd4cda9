"""Local API Gateway WebSocket API: real sockets → the app's $connect/$default/$disconnect, and the @connections API.

Mirrors what the deployed API does and the app relies on: the upgrade waits for `$connect` and is refused (403)
unless it answers 200; a `$default` handler's return value is ignored (replies go through @connections); a handler
error sends API Gateway's "Internal server error" frame; `$disconnect` fires after the socket is gone (posting to it
then gets 410 Gone); messages over 128 KB close the socket with 1009 (inbound) or get 413 (@connections); sockets
idle for 10 minutes or open for 2 hours are closed with 1001.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from devstack import events
from devstack.lambdas import Invoker, websocket_routes

log = logging.getLogger("devstack.ws")

MAX_MESSAGE = 128 * 1024
IDLE_TIMEOUT = 600.0
MAX_DURATION = 7200.0
# @connections: POST/GET/DELETE {endpoint}/@connections/{id}, optionally behind the stage name, as botocore calls it
_MANAGEMENT = re.compile(r"^(?:/[^/@]+)?/@connections/(?P<id>[^/]+)/?$")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


def _aws_error(status: int, error_type: str, message: str | None) -> web.Response:
    # botocore reads the error code from x-amzn-ErrorType, so `client.exceptions.GoneException` is raised on 410
    return web.Response(
        status=status,
        body=json.dumps({"message": message}).encode(),
        content_type="application/json",
        headers={"x-amzn-ErrorType": error_type},
    )


def new_connection_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(11)).decode()  # API Gateway ids look like "JC1dgf9yoAMCK-g="


@dataclass(eq=False)
class Connection:
    origin: events.WsOrigin
    ws: web.WebSocketResponse
    host: str
    opened: float = field(default_factory=time.monotonic)
    last_active: float = field(default_factory=time.monotonic)
    last_active_at: float = field(default_factory=time.time)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed_with: tuple[int, str] | None = None  # set when the gateway closes the socket (DELETE, timeouts, stop)

    @property
    def id(self) -> str:
        return self.origin.connection_id

    def touch(self) -> None:
        self.last_active = time.monotonic()
        self.last_active_at = time.time()


class WebsocketGateway:
    def __init__(
        self,
        invoker: Invoker,
        host: str,
        port: int,
        *,
        stage: str = "local",
        api_id: str = "local",
        idle_timeout: float = IDLE_TIMEOUT,
        max_duration: float = MAX_DURATION,
        max_message: int = MAX_MESSAGE,
    ) -> None:
        self._invoker = invoker
        self.host = host
        self.port = port
        self._stage = stage
        self._api_id = api_id
        self._idle_timeout = idle_timeout
        self._max_duration = max_duration
        self._max_message = max_message
        self.routes = websocket_routes(invoker.app)
        self._connections: dict[str, Connection] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """What the app's push adapter uses as its apigatewaymanagementapi endpoint_url."""
        return f"http://{self.host}:{self.port}"

    @property
    def connection_ids(self) -> list[str]:
        return list(self._connections)

    @property
    def busy(self) -> bool:
        """Some socket is open or some `$disconnect` has yet to run."""
        return bool(self._connections or self._background)

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * self._max_message)  # oversize posts get API GW's 413, not aiohttp's
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, reuse_address=True).start()
        self._watchdog = asyncio.create_task(self._watch_timeouts())

    async def stop(self, timeout: float = 5.0) -> None:
        """Close every socket (1001, as API Gateway does when it goes away), let `$disconnect` run, free the port."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for conn in list(self._connections.values()):
            self._spawn(self._close(conn, WSCloseCode.GOING_AWAY, "Going away"))
        # each socket's handler ends once the close handshake is done, then spawns its `$disconnect`
        while self.busy and loop.time() < deadline:
            if self._background:
                await asyncio.wait(list(self._background), timeout=deadline - loop.time())
            else:
                await asyncio.sleep(0.01)
        if self.busy:
            log.warning("websocket connections or $disconnect handlers still running after %.0fs", timeout)
        if self._runner is not None:
            await self._runner.cleanup()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        match = _MANAGEMENT.match(request.path)
        if match:
            return await self._manage(request, match.group("id"))
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.json_response({"message": "Upgrade Required"}, status=426)
        return await self._upgrade(request)

    # --- inbound: sockets → handlers -------------------------------------------------------------------------

    async def _upgrade(self, request: web.Request) -> web.StreamResponse:
        if self._stopping or not self.routes:
            return web.json_response({"message": "Forbidden"}, status=403)
        origin = events.WsOrigin(
            api_id=self._api_id,
            stage=self._stage,
            domain_name=request.host,
            connection_id=new_connection_id(),
            connected_at=time.time(),
            source_ip=request.remote or "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
        )
        protocols: tuple[str, ...] = ()
        connect = self.routes.get("$connect")
        if connect is not None:
            event = events.ws_connect(origin, list(request.headers.items()), list(request.query.items()))
            try:
                result = await self._invoker.invoke(connect, event)
            except Exception:
                log.exception("$connect handler %s raised: upgrade refused", connect)
                return web.json_response({"message": "Forbidden"}, status=403)
            status, headers = _status_and_headers(result)
            if status != 200:
                log.info("$connect answered %s: upgrade refused for %s", status, origin.connection_id)
                return web.json_response({"message": "Forbidden"}, status=403)
            chosen = headers.get("Sec-WebSocket-Protocol") or headers.get("sec-websocket-protocol")
            protocols = (chosen,) if chosen else ()
        # the 128 KB limit is checked on whole messages in _read, so the close handshake stays clean; aiohttp's own
        # limit only caps memory for absurd sizes
        ws = web.WebSocketResponse(protocols=protocols, max_msg_size=8 * self._max_message, autoping=True)
        await ws.prepare(request)
        conn = Connection(origin=origin, ws=ws, host=request.host)
        self._connections[conn.id] = conn
        code: int | None = None
        reason = ""
        try:
            code, reason = await self._read(conn)
        finally:
            self._connections.pop(conn.id, None)
            if conn.closed_with is not None:  # not the code the client echoed back
                code, reason = conn.closed_with
            if code is None:
                code = ws.close_code if ws.close_code is not None else WSCloseCode.ABNORMAL_CLOSURE
            self._spawn(self._disconnected(conn, int(code), reason))
        return ws

    async def _read(self, conn: Connection) -> tuple[int | None, str]:
        """Feed frames to `$default` until the socket closes; returns the close code (if known here) and reason."""
        while True:
            msg = await conn.ws.receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                data = msg.data.encode("utf-8") if msg.type == WSMsgType.TEXT else msg.data
                if len(data) > self._max_message:
                    await self._close(conn, WSCloseCode.MESSAGE_TOO_BIG, "Message too big")
                    return WSCloseCode.MESSAGE_TOO_BIG, "Message too big"
                conn.touch()
                if msg.type == WSMsgType.TEXT:
                    await self._message(conn, msg.data, False)
                else:
                    await self._message(conn, base64.b64encode(data).decode(), True)
            elif msg.type == WSMsgType.ERROR:
                # e.g. a message over aiohttp's cap: it has already closed the socket with 1009
                log.info("connection %s: %s", conn.id, msg.data)
                return getattr(msg.data, "code", None), str(msg.data)
            elif msg.type == WSMsgType.CLOSE:
                return None, str(msg.extra or "")
            elif msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED):
                return None, ""

    async def _message(self, conn: Connection, body: str, is_base64: bool) -> None:
        """One frame = one `$default` invocation; a connection's frames are handled in order."""
        event = events.ws_message(conn.origin, body, is_base64)
        request_id = event["requestContext"]["requestId"]
        handler = self.routes.get("$default")
        if handler is None:
            await self._send(conn, _gateway_frame("Forbidden", conn.id, request_id))
            return
        try:
            await self._invoker.invoke(handler, event)
        except Exception:
            log.exception("$default handler %s raised", handler)
            await self._send(conn, _gateway_frame("Internal server error", conn.id, request_id))

    async def _disconnected(self, conn: Connection, code: int, reason: str) -> None:
        handler = self.routes.get("$disconnect")
        if handler is None:
            return
        event = events.ws_disconnect(conn.origin, conn.host, code, reason)
        try:
            await self._invoker.invoke(handler, event)
        except Exception:
            log.exception("$disconnect handler %s raised", handler)

    async def _watch_timeouts(self) -> None:
        tick = max(0.05, min(1.0, self._idle_timeout / 4, self._max_duration / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for conn in list(self._connections.values()):
                if now - conn.last_active >= self._idle_timeout or now - conn.opened >= self._max_duration:
                    log.info("connection %s idle or too old: closing", conn.id)
                    self._connections.pop(conn.id, None)
                    self._spawn(self._close(conn, WSCloseCode.GOING_AWAY, "Going away"))

    # --- outbound: @connections management API -------------------------------------------------------------

    async def _manage(self, request: web.Request, connection_id: str) -> web.StreamResponse:
        if not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            # the real API needs IAM-signed calls; an unsigned one is a bug the local stack should show
            return _aws_error(403, "ForbiddenException", "Missing Authentication Token")
        conn = self._connections.get(connection_id)
        if request.method == "POST":
            data = await request.read()
            if conn is None:
                return _aws_error(410, "GoneException", None)
            if len(data) > self._max_message:
                return _aws_error(413, "PayloadTooLargeException", "Message too long")
            if not await self._send(conn, data):
                return _aws_error(410, "GoneException", None)
            return web.Response(status=200)
        if conn is None:
            return _aws_error(410, "GoneException", None)
        if request.method == "GET":
            identity = {"sourceIp": conn.origin.source_ip, "userAgent": conn.origin.user_agent}
            body = {"connectedAt": _iso(conn.origin.connected_at), "identity": identity}
            body["lastActiveAt"] = _iso(conn.last_active_at)
            return web.json_response(body)
        if request.method == "DELETE":
            self._connections.pop(conn.id, None)
            await self._close(conn, WSCloseCode.OK, "")
            return web.Response(status=204)
        return _aws_error(405, "MethodNotAllowedException", f"{request.method} is not supported on @connections")

    async def _send(self, conn: Connection, data: bytes) -> bool:
        try:
            data.decode("utf-8")
            opcode = WSMsgType.TEXT
        except UnicodeDecodeError:
            opcode = WSMsgType.BINARY
        async with conn.send_lock:  # posts to one connection arrive in the order they were made
            if conn.ws.closed or conn.id not in self._connections:
                return False
            try:
                await conn.ws.send_frame(data, opcode)
            except (ConnectionError, RuntimeError):
                return False
        conn.touch()
        return True

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.closed_with = conn.closed_with or (code, reason)
        try:
            await conn.ws.close(code=code, message=reason.encode())
        except (ConnectionError, RuntimeError):
            log.debug("connection %s was already gone", conn.id)


def _status_and_headers(result: Any) -> tuple[int, dict[str, str]]:
    """A handler's Lambda proxy response: Chalice returns a dict with statusCode (200 when the handler gave none)."""
    if isinstance(result, dict):
        try:
            status = int(result.get("statusCode", 200))
        except (TypeError, ValueError):
            status = 502
        headers = result.get("headers") or {}
        return status, {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
    return 200, {}


def _gateway_frame(message: str, connection_id: str, request_id: str) -> bytes:
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": request_id}).encode()
