"""The app's non-REST Lambda handlers, found through the Chalice app object and called the way Lambda calls them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice, Cron, Rate, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

log = logging.getLogger("devstack.lambda")

WS_ROUTES = ("$connect", "$default", "$disconnect")


@dataclass(frozen=True)
class ScheduledFunction:
    name: str
    expression: str


@dataclass(frozen=True)
class QueueConsumer:
    name: str
    queue: str
    batch_size: int


def websocket_routes(app: Chalice) -> dict[str, str]:
    """Route key → handler name, for the `@app.on_ws_connect/message/disconnect` handlers the app declares."""
    return {key: app.websocket_handlers[key].name for key in WS_ROUTES if key in app.websocket_handlers}


def _expression(source: ScheduledEventConfig) -> str:
    expr = source.schedule_expression
    return expr.to_string() if isinstance(expr, Rate | Cron) else str(expr)


def scheduled_functions(app: Chalice) -> list[ScheduledFunction]:
    return [ScheduledFunction(s.name, _expression(s)) for s in app.event_sources if isinstance(s, ScheduledEventConfig)]


def queue_consumers(app: Chalice) -> list[QueueConsumer]:
    consumers = []
    for s in app.event_sources:
        if isinstance(s, SQSEventConfig):
            queue = s.queue or (s.queue_arn or "").rsplit(":", 1)[-1]
            consumers.append(QueueConsumer(s.name, queue, s.batch_size))
    return consumers


class Invoker:
    """Runs handlers from `app.handler_map` in a worker pool (Lambda concurrency), each with a fresh LambdaContext.

    Handlers are synchronous and may call back into the local stack over HTTP (@connections, moto), so they never
    run on the event loop.
    """

    def __init__(self, app: Chalice, stage: str = "local", workers: int = 32, timeout_s: int = 60) -> None:
        self.app = app
        self._stage = stage
        self._timeout_ms = timeout_s * 1000
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda")
        self._inflight: set[concurrent.futures.Future[Any]] = set()
        self._lock = threading.Lock()

    def handler(self, name: str) -> Callable[[dict[str, Any], Any], Any]:
        return self.app.handler_map[name]

    def call(self, name: str, event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=f"{self.app.app_name}-{self._stage}-{name}", memory_size=128, max_runtime_ms=self._timeout_ms
        )
        return self.handler(name)(event, context)

    def submit(self, name: str, event: dict[str, Any]) -> concurrent.futures.Future[Any]:
        future = self._pool.submit(self.call, name, event)
        with self._lock:
            self._inflight.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._inflight.discard(future)

    async def invoke(self, name: str, event: dict[str, Any]) -> Any:
        """Await a handler from the event loop; its exception propagates (the caller decides what API GW does)."""
        return await asyncio.wrap_future(self.submit(name, event))

    def shutdown(self, timeout: float) -> bool:
        """Stop taking work, wait up to `timeout` for running handlers; False if some are still running."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            pending = list(self._inflight)
        _, not_done = concurrent.futures.wait(pending, timeout=timeout)
        if not_done:
            log.warning("%d handler(s) still running after %.0fs", len(not_done), timeout)
        return not not_done
