"""E2E fixtures: `stack` runs `python -m devstack` for app.py over real sockets; `local` runs the same stack in-process
for the test-only app in tests/e2e/wsapp.py (websocket handlers, schedule, queue consumer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.config import Config

from devstack.settings import StackSettings
from devstack.stack import Stack
from tests.e2e import wsapp
from tests.e2e.harness import LocalStack, WsClient, free_port


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    running = LocalStack.launch()
    try:
        yield running
    finally:
        code = running.interrupt()
    assert code == 0, running.output()[-3000:]


@dataclass
class InProcess:
    stack: Stack

    @property
    def ws_url(self) -> str:
        return self.stack.gateway.url

    @property
    def rest_url(self) -> str:
        return self.stack.rest.url

    def connect(self, identifier: str = "alice", platform: str = "Web", **options: Any) -> WsClient:
        return WsClient(f"{self.ws_url}/?sdkappid=1&identifier={identifier}&usersig=x&platform={platform}", **options)


# moto keeps one in-memory world per process: the in-process stack uses its own region, so the tests' shared
# us-east-1 world (tests/conftest.py empties it after each test) never sees its queue
REGION = "eu-west-1"


def start_in_process(app: object, **overrides: float) -> Stack:
    ports = {"http_port": free_port(), "ws_port": free_port(), "aws_port": free_port()}
    settings = StackSettings(region=REGION, **ports, **overrides)  # type: ignore[arg-type]
    stack = Stack(app, Config.create(chalice_stage="local", app_name="wsecho"), settings)  # type: ignore[arg-type]
    stack.start()
    return stack


# module scope: its moto server and queue poller share the process with tests that patch botocore (mock_aws)
@pytest.fixture(scope="module")
def local() -> Iterator[InProcess]:
    stack = start_in_process(wsapp.app)
    wsapp.management_endpoint = stack.gateway.endpoint
    try:
        yield InProcess(stack)
    finally:
        assert stack.stop(), "a handler was still running when the stack stopped"
        leftovers = [t.name for t in threading.enumerate() if t.name.startswith(("lambda", "devstack-loop", "rest"))]
        assert not leftovers, leftovers


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test sees only its own events: the previous test's sockets are closed and their $disconnect has run."""
    wsapp.seen.clear()
    yield
    if "local" in request.fixturenames:
        gateway = request.getfixturevalue("local").stack.gateway
        deadline = time.monotonic() + 10
        while gateway.busy and time.monotonic() < deadline:
            time.sleep(0.02)
