"""Discovering an app's Lambda handlers and firing its schedules with EventBridge events (a driven clock)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from devstack.lambdas import (
    Invoker,
    QueueConsumer,
    ScheduledFunction,
    queue_consumers,
    scheduled_functions,
    websocket_routes,
)
from devstack.scheduler import Scheduler
from devstack.settings import StackSettings
from tests.e2e import wsapp

START = datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def invoker() -> Iterator[Invoker]:
    wsapp.seen.clear()
    invoker = Invoker(wsapp.app)
    yield invoker
    invoker.shutdown(5)


def test_handlers_are_found_through_the_chalice_app_object() -> None:
    assert websocket_routes(wsapp.app) == {"$connect": "connect", "$default": "message", "$disconnect": "disconnect"}
    assert scheduled_functions(wsapp.app) == [ScheduledFunction("every_minute", "rate(1 minute)")]
    assert queue_consumers(wsapp.app) == [QueueConsumer("consume", wsapp.QUEUE, 5)]
    assert websocket_routes(wsapp.bare) == {} and scheduled_functions(wsapp.bare) == []


def test_a_rate_schedule_fires_each_period_with_an_eventbridge_event(invoker: Invoker) -> None:
    scheduler = Scheduler(
        invoker, scheduled_functions(wsapp.app), app_name="wsecho", stage="local", region="us-east-1", start=START
    )
    assert scheduler.tick(START + 59) == []
    assert scheduler.tick(START + 60) == ["every_minute"]
    assert scheduler.tick(START + 61) == []
    assert invoker.shutdown(5)
    (event,) = wsapp.seen["schedule"]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2024-05-01T12:01:30Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/wsecho-local-every_minute"]


def test_runs_missed_while_the_machine_slept_fire_once(invoker: Invoker) -> None:
    scheduler = Scheduler(
        invoker, scheduled_functions(wsapp.app), app_name="wsecho", stage="local", region="us-east-1", start=START
    )
    assert scheduler.tick(START + 600) == ["every_minute"]
    assert scheduler.tick(START + 601) == []
    assert scheduler.jobs[0].next_at == START + 660


def test_the_app_environment_points_every_aws_call_at_the_local_stack() -> None:
    env = StackSettings(http_port=9000, ws_port=9001, aws_port=9002).app_env()
    assert env["YUNTONG_STAGE"] == "local" and env["YUNTONG_TABLE_PREFIX"] == "yuntong-local"
    assert env["YUNTONG_DYNAMODB_ENDPOINT"] == env["YUNTONG_SQS_ENDPOINT"] == "http://127.0.0.1:9002"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9002"
    assert env["YUNTONG_WS_ENDPOINT"] == "http://127.0.0.1:9001"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"


@pytest.mark.parametrize(
    ("name", "value"), [("YUNTONG_HTTP_PORT", "http"), ("YUNTONG_SDKAPPID", "1.5"), ("YUNTONG_WS_IDLE_TIMEOUT", "0")]
)
def test_bad_stack_settings_are_reported_by_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        StackSettings.from_env({name: value})
