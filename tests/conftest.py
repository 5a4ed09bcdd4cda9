"""Shared fixtures: moto-backed AWS, a services container with a fixed clock and recording pusher, a tenant."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

import pytest

# mock_aws stops intercepting if any AWS_ENDPOINT_URL* is set; tests never talk to real AWS.
for _k in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_k]
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_SESSION_TOKEN"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)

from moto import mock_aws  # noqa: E402

from chalicelib import wiring  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.domain.clock import FixedClock  # noqa: E402
from chalicelib.hooks.http import HttpCallbackClient  # noqa: E402
from chalicelib.store.schema import create_tables  # noqa: E402
from devstack.aws import one_dynamodb_request_at_a_time  # noqa: E402
from tests import moto_world  # noqa: E402
from tests.builders import RestCaller, Tenant, WsCaller, make_tenant  # noqa: E402
from tests.fakes import InlineTaskQueue, RecordingPusher  # noqa: E402
from tests.streams import StreamDrain  # noqa: E402

# DynamoDB applies each request atomically; moto does not lock, and the send paths write from several threads (the
# store's background pool, concurrent lookups). The local stack serialises moto's DynamoDB requests for the same
# reason (devstack/aws.py); the tests' in-process moto gets the same lock, so no test sees a half-applied request.
one_dynamodb_request_at_a_time()

# Fails the run if chalicelib uses a DynamoDB action the deployed IAM policy lacks (moto checks no IAM).
pytest_plugins = ["tests.iam_guard"]

TEST_SETTINGS = Settings(stage="test", region="us-east-1", table_prefix="test")

# Files whose tests take longest (tens of seconds each), run first in this order: with `make test`'s
# --dist worksteal the workers then end the run on short tests instead of one of them finishing a long one alone.
SLOW_FIRST = (
    "tests/integration/test_message_stream.py",
    "tests/e2e/test_soak.py",
    "tests/e2e/test_sdk.py",
    "tests/integration/test_send_costs.py",
    "tests/integration/test_chalice_deploy.py",
    "tests/integration/test_bench_relations.py",
    "tests/integration/test_bench_realtime.py",
    "tests/browser/",
    "tests/e2e/test_login_race.py",
    "tests/integration/test_packaging.py",
    "tests/integration/test_group_fanout.py",
    "tests/e2e/test_tencent_sdks.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """SLOW_FIRST files first; every file keeps its tests' order, and the others keep theirs."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)


@pytest.fixture(scope="session")
def _moto_session() -> Iterator[None]:
    # One moto world for the run: creating tables and clients per test cost ~1 s each; emptying them costs ms.
    with mock_aws():
        create_tables(TEST_SETTINGS)
        yield


def _empty_aws() -> None:
    """Every table emptied and every queue deleted, so each test starts from an empty world (tests/moto_world.py)."""
    moto_world.empty(TEST_SETTINGS)


@pytest.fixture
def aws(_moto_session: None) -> Iterator[None]:
    yield
    _empty_aws()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(1_700_000_000.0)


@pytest.fixture
def pusher() -> RecordingPusher:
    return RecordingPusher()


@pytest.fixture
def task_queue() -> InlineTaskQueue:
    return InlineTaskQueue()


@pytest.fixture
def settings() -> Settings:
    return TEST_SETTINGS


@functools.cache
def _callback_http() -> HttpCallbackClient:
    """One callback HTTP client for the run: its TLS context (the system's CA store) takes ~50 ms to load, which
    wiring.build would otherwise pay in every test; the client keeps no other state."""
    return HttpCallbackClient()


@pytest.fixture
def svc(
    aws: None, clock: FixedClock, pusher: RecordingPusher, settings: Settings, task_queue: InlineTaskQueue
) -> Iterator[wiring.Services]:
    moto_world.ensure_tables(settings)
    built = wiring.build(settings, clock=clock, pusher=pusher, tasks=task_queue, callback_http=_callback_http())
    wiring.install(built)
    yield built
    wiring.install(None)


@pytest.fixture
def stream(svc: wiring.Services) -> StreamDrain:
    """The messages stream from now on: `stream.drain()` hands its records to the app's consumer (as Lambda)."""
    return StreamDrain(svc)


@pytest.fixture
def tenant(svc: wiring.Services, clock: FixedClock) -> Tenant:
    return make_tenant(svc, clock)


@pytest.fixture
def api(svc: wiring.Services, tenant: Tenant) -> Iterator[RestCaller]:
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield RestCaller(client, tenant)


@pytest.fixture
def ws(svc: wiring.Services, tenant: Tenant, pusher: RecordingPusher) -> Iterator[WsCaller]:
    """Websocket terminals driven through the app's ws handlers; replies and pushes land in `pusher`."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield WsCaller(client, tenant, pusher)
