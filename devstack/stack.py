"""The whole local stack for one Chalice app: moto, REST, websocket gateway, scheduler and queue pollers."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import boto3
from chalice.app import Chalice
from chalice.config import Config

from devstack.aws import FAKE_CREDENTIALS, InProcessAws, MotoServer
from devstack.gateway import WebsocketGateway
from devstack.lambdas import Invoker, queue_consumers, scheduled_functions
from devstack.rest import RestServer
from devstack.scheduler import QueuePoller, Scheduler
from devstack.settings import HOST, STAGE, StackSettings
from devstack.streams import StreamPoller, stream_consumers

log = logging.getLogger("devstack")

T = TypeVar("T")


class PortInUse(OSError):
    pass


def check_ports(ports: dict[str, int]) -> None:
    """Fail before starting anything, with the variable to change, rather than half-way through."""
    if len(set(ports.values())) != len(ports):
        raise PortInUse(f"ports must differ: {ports}")
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError as exc:
                raise PortInUse(f"{HOST}:{port} is already in use: stop the other process or set {name}") from exc


class LoopThread:
    """An asyncio loop in its own thread (gateway, scheduler, pollers); synchronous callers hand it coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.loop.run_forever, name="devstack-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._thread is not None:
            self.run(self.loop.shutdown_default_executor(), timeout=10.0)  # pollers' receive calls end within 1 s
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5.0)
        if not self.loop.is_running():
            self.loop.close()


class Stack:
    def __init__(
        self, app: Chalice, config: Config, settings: StackSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.app = app
        self.settings = settings
        self.invoker = Invoker(app, STAGE)
        self.moto = MotoServer(HOST, settings.aws_port)
        # this process's own AWS calls answered by the same moto backends in-process (devstack/aws.py)
        self.aws = InProcessAws() if settings.in_process_aws else None
        self.rest = RestServer(app, config, HOST, settings.http_port)
        self.gateway = WebsocketGateway(
            self.invoker,
            HOST,
            settings.ws_port,
            stage=STAGE,
            idle_timeout=settings.idle_timeout,
            max_duration=settings.max_duration,
        )
        self.scheduler = Scheduler(
            self.invoker,
            scheduled_functions(app),
            app_name=app.app_name,
            stage=STAGE,
            region=settings.region,
            start=clock(),
            clock=clock,
        )
        self.pollers: list[QueuePoller] = []
        self.stream_pollers: list[StreamPoller] = []  # `@app.on_dynamodb_record` consumers (devstack/streams.py)
        self._loop = LoopThread()
        self._tasks: list[asyncio.Task[None]] = []

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=None if self.aws else self.moto.endpoint,  # in-process: AWS's hostname, answered by moto
            region_name=self.settings.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def sqs_client(self) -> Any:
        return boto3.client(
            "sqs",
            endpoint_url=None if self.aws else self.moto.endpoint,  # in-process: AWS's hostname, answered by moto
            region_name=self.settings.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def start(self, before_serving: Callable[[], None] | None = None) -> None:
        """Start AWS (moto, the queues), run `before_serving` (devstack/__main__.py creates the demo app there),
        then open the websocket and REST ports: no call can arrive before the app it names exists."""
        check_ports(self.settings.ports)
        self.moto.start()
        if self.aws:
            self.aws.start()
        consumers = queue_consumers(self.app)
        if consumers:
            sqs = self.sqs_client()
            for consumer in consumers:
                poller = QueuePoller(self.invoker, consumer, sqs, self.settings.region)
                poller.create_queue()
                self.pollers.append(poller)
        for stream in stream_consumers(self.app):
            ddb, streams = self.client("dynamodb"), self.client("dynamodbstreams")
            self.stream_pollers.append(StreamPoller(self.invoker.invoke, stream, ddb, streams, self.settings.region))
        if before_serving is not None:
            before_serving()
        self._loop.start()
        self._loop.run(self.gateway.start())
        self.rest.start()
        self._loop.run(self._start_background())

    async def _start_background(self) -> None:
        runners = [self.scheduler.run()] + [p.run() for p in self.pollers] + [p.run() for p in self.stream_pollers]
        self._tasks = [asyncio.create_task(r) for r in runners]

    async def _stop_async(self, timeout: float) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.gateway.stop(timeout)

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop everything started so far, in reverse order; False if some handler was still running at the end."""
        self.rest.stop()
        if self._loop.loop.is_running():
            try:
                self._loop.run(self._stop_async(timeout), timeout=4 * timeout)
            except Exception:  # a failing gateway must not keep moto and the ports alive
                log.exception("stopping the websocket gateway failed")
        self._loop.stop()
        finished = self.invoker.shutdown(timeout)
        self.moto.stop()  # last: `$disconnect` and in-flight handlers still use DynamoDB
        if self.aws:
            self.aws.stop()
        return finished
