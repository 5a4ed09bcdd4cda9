"""Callbacks to the app backend (README "Callbacks"): configuration, before-callbacks in the request, after-callbacks
and state changes through the task queue. Rules in domain/callbacks.py; the HTTP client is a port (hooks/http.py).

Before-callbacks add no DynamoDB request to the command: the app's callback configuration is read through this
container's cache (`ttl` seconds, a missing one too), and the callback statistics are counted in the container
(Metrics.later). After-callbacks are queued (`TASK`), each with a `CallbackId` the app can de-duplicate by: a task
makes one attempt, a failed one is queued again after a growing delay (`QUEUED_DELAYS`), and the last
failure raises, so SQS redelivers it and finally moves it to the dead-letter queue (`yuntong dlq list|redrive`).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from chalicelib.domain import callbacks as rules
from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.c2c import Outgoing, msg_key
from chalicelib.domain.clock import Clock
from chalicelib.domain.messages import C2C_CODES, GROUP_CODES, BodyCodes, parse_body
from chalicelib.services.ports import Connection, Metrics, TaskQueue

log = logging.getLogger("yuntong.callbacks")

TASK = "callback"
# After-callback attempts: the delay before each queued retry; after the last, the task raises (SQS redelivery,
# then the dead-letter queue).
QUEUED_DELAYS: tuple[int, ...] = (1, 5, 30, 120, 600)
AFTER_TIMEOUT_S = 2.0  # an after-callback's attempt waits at most this (≤ the app's timeout): a batch of queued
# tasks stays within the consumer Lambda's time even when the app's backend hangs
CACHE_SECONDS = 10.0


class CallbackConfigRepo(Protocol):
    def get(self, sdkappid: int) -> rules.CallbackConfig | None: ...
    def put(self, sdkappid: int, config: rules.CallbackConfig) -> None: ...
    def delete(self, sdkappid: int) -> None: ...


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class CallbackFailed(Exception):
    """No answer: connection refused, timeout, a refused address, an oversized answer."""


class CallbackHttp(Protocol):
    """The HTTP client (hooks/http.py): POSTs to a checked address of the target's host, never follows redirects,
    gives up after `timeout` seconds in all, reads at most domain.MAX_RESPONSE_BYTES; raises CallbackFailed."""

    def resolve(self, host: str) -> list[str]: ...
    def post(
        self,
        target: rules.Target,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: float,
        *,
        allow_private: bool,
    ) -> Reply: ...


# --- the request's origin: OptPlatform, ClientIP and its ForbidCallbackControl ------------------------------------
@dataclass
class Origin:
    platform: str = "Unknown"
    client_ip: str = ""
    forbid: set[str] = field(default_factory=set)


_origin: ContextVar[Origin | None] = ContextVar("callback_origin", default=None)
_closing: ContextVar[tuple[str, str] | None] = ContextVar("callback_closing", default=None)


@contextmanager
def acting(platform: str | None, client_ip: str = "") -> Iterator[Origin]:
    """Around one command (api/registry.dispatch): where it came from (REST is RESTAPI, else the terminal's)."""
    origin = Origin(rules.opt_platform(platform), client_ip)
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


def forbid(values: Sequence[Any] | None) -> None:
    """A send's ForbidCallbackControl (Tencent's per-request switches) for the rest of this command."""
    origin = _origin.get()
    if origin is not None and values:
        origin.forbid |= {v for v in values if isinstance(v, str)}


@contextmanager
def closing(close_code: int | None) -> Iterator[None]:
    """Around `$disconnect`: the socket's close code says logout (1000) or a lost link (State.StateChange)."""
    token = _closing.set(rules.disconnect_reason(close_code))
    try:
        yield
    finally:
        _closing.reset(token)


def _current() -> Origin:
    return _origin.get() or Origin()


def _forbidden(command: str, origin: Origin) -> bool:
    if command in (rules.C2C_BEFORE_SEND, rules.GROUP_BEFORE_SEND):
        return rules.FORBID_BEFORE in origin.forbid
    if command in (rules.C2C_AFTER_SEND, rules.GROUP_AFTER_SEND):
        return rules.FORBID_AFTER in origin.forbid
    return False


class CallbackService:
    def __init__(
        self,
        repo: CallbackConfigRepo,
        http: CallbackHttp,
        tasks: TaskQueue,
        metrics: Metrics,
        clock: Clock,
        *,
        local: bool,
        ttl: float = CACHE_SECONDS,
    ) -> None:
        self._repo = repo
        self.http = http
        self._tasks = tasks
        self._metrics = metrics
        self._clock = clock
        self.local = local  # the local stack: http:// and private addresses (the dev receiver) are allowed
        self._ttl = ttl
        self._cache: dict[int, tuple[float, rules.CallbackConfig]] = {}

    # --- configuration ------------------------------------------------------------------------------------------
    def config(self, sdkappid: int) -> rules.CallbackConfig:
        """The app's configuration through this container's cache (writes here invalidate it at once)."""
        now = self._clock.now()
        hit = self._cache.get(sdkappid)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        config = self._repo.get(sdkappid) or rules.CallbackConfig()
        self._cache[sdkappid] = (now, config)
        return config

    def configure(self, app: App, **changes: Any) -> rules.CallbackConfig:
        """Change the named settings (url, commands, timeout_ms, on_failure, token); the URL's host must resolve
        to public addresses only (outside the local stage). Raises InvalidParam (70402); writes nothing then."""
        current = self._repo.get(app.sdkappid) or rules.CallbackConfig()
        config = current.updated(local=self.local, **changes)
        if changes.get("url"):
            self.check_addresses(config.url)
        self._repo.put(app.sdkappid, config)
        self._cache.pop(app.sdkappid, None)
        return config

    def clear(self, app: App) -> None:
        self._repo.delete(app.sdkappid)
        self._cache.pop(app.sdkappid, None)

    def check_addresses(self, url: str) -> None:
        target = rules.check_url(url, local=self.local)
        if self.local:
            return
        try:
            addresses = self.http.resolve(target.host)
        except CallbackFailed as exc:
            raise errors.InvalidParam(f"the callback URL's host does not resolve: {exc}") from exc
        for address in addresses:
            refusal = rules.address_refusal(address)
            if refusal:
                raise errors.InvalidParam(f"the callback URL may not point at {target.host}: {refusal}")

    # --- sending ------------------------------------------------------------------------------------------------
    def wants(self, app: App, command: str) -> bool:
        """The app listens to `command` and this request did not switch it off (ForbidCallbackControl)."""
        return self.config(app.sdkappid).enabled(command) and not _forbidden(command, _current())

    def before(self, app: App, command: str, body: dict[str, Any]) -> rules.Verdict:
        """Ask the app backend, bounded by its timeout. A refusal raises its code and ErrorInfo; an allowed answer
        may carry replacements (verdict.replace), a dropped send comes back with verdict.drop."""
        if not self.wants(app, command):
            return rules.ALLOWED
        config = self.config(app.sdkappid)
        origin = _current()
        sent = {**body, "CallbackId": uuid.uuid4().hex}
        try:
            reply = self._post(app, config, command, sent, origin.platform, origin.client_ip, config.timeout)
            verdict = rules.interpret(command, reply.status, reply.body, config.on_failure)
        except CallbackFailed as exc:
            verdict = rules.failure(config.on_failure, command, str(exc))
        if verdict.failed:
            log.warning("before-callback failed", extra={"fields": {"command": command, "why": str(verdict.info)}})
        if not verdict.allow and not verdict.drop:
            raise errors.error(verdict.code, verdict.info)
        return verdict

    def after(self, app: App, command: str, body: dict[str, Any]) -> None:
        """Queue a notification (never on the caller's critical path beyond one SQS send)."""
        if not self.wants(app, command):
            return
        origin = _current()
        self._enqueue(app.sdkappid, command, body, origin.platform, origin.client_ip, attempt=1, delay=0)

    def _enqueue(
        self, sdkappid: int, command: str, body: Mapping[str, Any], platform: str, ip: str, *, attempt: int, delay: int
    ) -> None:
        payload = {
            "sdkappid": sdkappid,
            "command": command,
            "body": {"CallbackId": uuid.uuid4().hex, **body},  # kept by retries: the app de-duplicates by it
            "platform": platform,
            "client_ip": ip,
            "attempt": attempt,
        }
        later = getattr(self._tasks, "enqueue_later", None)
        if delay and later is not None:
            later(TASK, payload, delay)
        else:
            self._tasks.enqueue(TASK, payload)

    def deliver(self, app: App, payload: Mapping[str, Any]) -> None:
        """The queued task: one attempt; a failure queues the next one after a delay, the last one raises."""
        command = str(payload["command"])
        config = self.config(app.sdkappid)
        if not config.enabled(command):
            return  # switched off since: nothing to tell
        body = dict(payload["body"])
        attempt = int(payload.get("attempt") or 1)
        platform, ip = str(payload.get("platform") or "Unknown"), str(payload.get("client_ip") or "")
        timeout = min(config.timeout, AFTER_TIMEOUT_S)
        try:
            reply = self._post(app, config, command, body, platform, ip, timeout)
            if not 200 <= reply.status < 300:
                raise CallbackFailed(f"HTTP {reply.status}")
            return
        except CallbackFailed as exc:
            why = str(exc)
        fields = {"command": command, "attempt": attempt, "why": why, "callback_id": body.get("CallbackId")}
        if attempt > len(QUEUED_DELAYS):
            log.warning("after-callback failed; left to the queue's redelivery", extra={"fields": fields})
            raise CallbackFailed(f"{command} failed {attempt} times: {why}")
        log.info("after-callback failed; retried later", extra={"fields": fields})
        delay = QUEUED_DELAYS[attempt - 1]
        self._enqueue(app.sdkappid, command, body, platform, ip, attempt=attempt + 1, delay=delay)

    def _post(
        self,
        app: App,
        config: rules.CallbackConfig,
        command: str,
        body: Mapping[str, Any],
        platform: str,
        client_ip: str,
        timeout: float,
    ) -> Reply:
        target = rules.check_url(config.url, local=self.local)
        now = int(self._clock.now())
        path = target.with_query(rules.query(app.sdkappid, command, client_ip, platform, config.token, now))
        data = rules.encode(dict(body))
        if len(data) > rules.MAX_REQUEST_BYTES:
            raise CallbackFailed(f"the request body exceeds {rules.MAX_REQUEST_BYTES} bytes")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        self._metrics.later(app, {"CallBackReq": 1})
        reply = self.http.post(target, path, data, headers, timeout, allow_private=self.local)
        self._metrics.later(app, {"CallBackRsp": 1})
        return reply

    # --- State.StateChange (a PresenceHook) ---------------------------------------------------------------------
    def state(self, app: App, conn: Connection, action: tuple[str, str]) -> None:
        if not self.config(app.sdkappid).enabled(rules.STATE_CHANGE):
            return
        body = rules.state_change(conn.user, action[0], action[1], self._ms())
        platform = rules.opt_platform(conn.platform)
        self._enqueue(app.sdkappid, rules.STATE_CHANGE, body, platform, "", attempt=1, delay=0)

    def _ms(self) -> int:
        return int(self._clock.now() * 1000)

    def event_ms(self) -> int:
        """EventTime of a body: milliseconds."""
        return self._ms()


class NoCallbacks:
    """The services' default until wiring sets the real one: nothing is ever called back."""

    def wants(self, app: App, command: str) -> bool:
        return False

    def before(self, app: App, command: str, body: dict[str, Any]) -> rules.Verdict:
        return rules.ALLOWED

    def after(self, app: App, command: str, body: dict[str, Any]) -> None:
        return None

    def event_ms(self) -> int:
        return 0


class Callbacks(Protocol):
    """What the hook-point services use (CallbackService, or NoCallbacks by default)."""

    def wants(self, app: App, command: str) -> bool: ...
    def before(self, app: App, command: str, body: dict[str, Any]) -> rules.Verdict: ...
    def after(self, app: App, command: str, body: dict[str, Any]) -> None: ...
    def event_ms(self) -> int: ...


NO_CALLBACKS: Callbacks = NoCallbacks()


class StateChanges:
    """PresenceHook: State.StateChange for every terminal that logs in or goes (wiring adds it to presence_hooks).

    Login is Login/Register; `$disconnect` is Logout/Unregister when the client closed the socket normally, else
    Disconnect/LinkClose; a terminal removed by the idle sweep is Disconnect/TimeOut; kicks and pruned sockets
    are Disconnect/LinkClose."""

    def __init__(self, callbacks: CallbackService, apps: Any, idle_seconds: int, clock: Clock) -> None:
        self._callbacks = callbacks
        self._apps = apps
        self._idle = idle_seconds
        self._clock = clock

    def on_connected(self, conn: Connection) -> None:
        self._tell(conn, rules.LOGIN)

    def on_disconnected(self, conn: Connection) -> None:
        action = _closing.get()
        if action is None:
            stale = self._clock.now() - conn.last_seen >= self._idle
            action = rules.TIMEOUT if stale else rules.LINK_CLOSE
        self._tell(conn, action)

    def _tell(self, conn: Connection, action: tuple[str, str]) -> None:
        try:
            if not self._callbacks.config(conn.sdkappid).enabled(rules.STATE_CHANGE):
                return
            self._callbacks.state(self._apps.get(conn.sdkappid), conn, action)
        except Exception:  # a callback never fails a login or a logout
            log.exception("could not queue State.StateChange")


# --- the hook points' one-liners (services/c2c.py, services/group_messages.py) --------------------------------------
def _rewritten(app: App, command: str, verdict: rules.Verdict, codes: BodyCodes) -> tuple[list[Any] | None, Any]:
    """A before-send answer's MsgBody (checked like a sent one) and CloudCustomData; a bad MsgBody refuses."""
    body = verdict.replace.get("MsgBody")
    if body is not None:
        try:
            body = parse_body(body, max_bytes=app.config.max_msg_bytes, codes=codes)
        except errors.DomainError as exc:
            code = rules.refused_code(command)
            raise errors.error(code, f"the app backend's callback answered an invalid MsgBody: {exc.info}") from exc
    return body, verdict.replace.get("CloudCustomData")


def c2c_before(cb: Callbacks, app: App, sender: str, recipient: str, out: Outgoing, time: int) -> Outgoing | None:
    """C2C.CallbackBeforeSendMsg for a sendmsg: the message to store (maybe rewritten), None if dropped silently;
    a refusal raises. Reads and writes nothing in DynamoDB."""
    if not cb.wants(app, rules.C2C_BEFORE_SEND):
        return out
    body = rules.c2c_send(
        rules.C2C_BEFORE_SEND, sender=sender, recipient=recipient, msg_seq=out.msg_seq, msg_random=out.msg_random,
        msg_time=time, msg_key=msg_key(out.msg_seq, out.msg_random, time), online_only=out.online_only,
        body=out.body, cloud=out.cloud, event_ms=cb.event_ms(),
    )  # fmt: skip
    verdict = cb.before(app, rules.C2C_BEFORE_SEND, body)
    if verdict.drop:
        return None
    new_body, cloud = _rewritten(app, rules.C2C_BEFORE_SEND, verdict, C2C_CODES)
    if new_body is not None:
        out = replace(out, body=new_body)
    if isinstance(cloud, str):
        out = replace(out, cloud=cloud)
    return out


def c2c_after(cb: Callbacks, app: App, sender: str, recipient: str, out: Outgoing, time: int) -> None:
    """C2C.CallbackAfterSendMsg, queued."""
    if not cb.wants(app, rules.C2C_AFTER_SEND):
        return
    body = rules.c2c_send(
        rules.C2C_AFTER_SEND, sender=sender, recipient=recipient, msg_seq=out.msg_seq, msg_random=out.msg_random,
        msg_time=time, msg_key=msg_key(out.msg_seq, out.msg_random, time), online_only=out.online_only,
        body=out.body, cloud=out.cloud, event_ms=cb.event_ms(),
    )  # fmt: skip
    cb.after(app, rules.C2C_AFTER_SEND, body)


def group_before(cb: Callbacks, app: App, gid: str, group_type: str, operator: str, out: Any) -> Any:
    """Group.CallbackBeforeSendMsg: the send_group_msg Outgoing to store (maybe rewritten), None if dropped."""
    if not cb.wants(app, rules.GROUP_BEFORE_SEND):
        return out
    body = rules.group_send(
        rules.GROUP_BEFORE_SEND, gid=gid, group_type=group_type, sender=out.sender or operator, operator=operator,
        msg_random=out.random, online_only=out.online_only, body=out.body, cloud=out.cloud_custom_data or None,
        event_ms=cb.event_ms(),
    )  # fmt: skip
    verdict = cb.before(app, rules.GROUP_BEFORE_SEND, body)
    if verdict.drop:
        return None
    new_body, cloud = _rewritten(app, rules.GROUP_BEFORE_SEND, verdict, GROUP_CODES)
    if new_body is not None:
        out = dataclasses.replace(out, body=new_body)
    if isinstance(cloud, str):
        out = dataclasses.replace(out, cloud_custom_data=cloud)
    return out


def group_after(
    cb: Callbacks, app: App, gid: str, group_type: str, operator: str, out: Any, seq: int, time: int
) -> None:
    """Group.CallbackAfterSendMsg, queued."""
    if not cb.wants(app, rules.GROUP_AFTER_SEND):
        return
    body = rules.group_send(
        rules.GROUP_AFTER_SEND, gid=gid, group_type=group_type, sender=out.sender or operator, operator=operator,
        msg_random=out.random, online_only=out.online_only, body=out.body, cloud=out.cloud_custom_data or None,
        event_ms=cb.event_ms(), msg_seq=seq, msg_time=time,
    )  # fmt: skip
    cb.after(app, rules.GROUP_AFTER_SEND, body)


def notify(cb: Callbacks, app: App, command: str, **fields: Any) -> None:
    """Any other after-callback: `fields` are the documented body fields (CallbackCommand and EventTime added)."""
    if cb.wants(app, command):
        cb.after(app, command, {"CallbackCommand": command, **fields, "EventTime": cb.event_ms()})


def ask(cb: Callbacks, app: App, command: str, **fields: Any) -> rules.Verdict:
    """Any other before-callback (create group, apply to join, add a friend): a refusal raises."""
    if not cb.wants(app, command):
        return rules.ALLOWED
    return cb.before(app, command, {"CallbackCommand": command, **fields, "EventTime": cb.event_ms()})
