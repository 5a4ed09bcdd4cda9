"""Nothing dropped: a poisoned task ends in the dead-letter queue while its batch-mates succeed, once each, and
`yuntong dlq list|redrive` shows it and sends it back. Drives app.py's real `fanout` consumer through the local
stack's poller (devstack/scheduler.py, the event source mapping with ReportBatchItemFailures) on moto's SQS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.api import tasks
from chalicelib.config import DLQ_SUFFIX, FANOUT_QUEUE, MAX_RECEIVES
from chalicelib.domain import tasks as message
from devstack.lambdas import Invoker, QueueConsumer, queue_consumers
from devstack.scheduler import QueuePoller, failed_ids
from yuntong_cli.main import main

ran: list[int] = []
poisoned = {"on": True}


@tasks.task("dlq_test_ok")
def _ok(payload: Any) -> None:
    ran.append(int(payload["n"]))


@tasks.task("dlq_test_poison")
def _poison(payload: Any) -> None:
    if poisoned["on"]:
        raise RuntimeError("poisoned")
    ran.append(int(payload["n"]))


@pytest.fixture
def poller(aws: None) -> Iterator[QueuePoller]:
    from app import app

    ran.clear()
    poisoned["on"] = True
    invoker = Invoker(app, "test")
    (consumer,) = queue_consumers(app)
    assert consumer == QueueConsumer("fanout", FANOUT_QUEUE, 10)
    sqs = boto3.client("sqs", region_name="us-east-1")
    # visibility 0: a failed message is visible again at once, so the test needs no waiting
    p = QueuePoller(invoker, consumer, sqs, "us-east-1", wait_s=0, visibility_timeout=0)
    p.create_queue()
    yield p
    invoker.shutdown(5)


def _send(p: QueuePoller, kind: str, n: int) -> None:
    p._client.send_message(QueueUrl=p.queue_url, MessageBody=message.encode(kind, {"n": n}))


def _count(p: QueuePoller, url: str) -> int:
    attrs = p._client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_the_queue_has_a_dead_letter_queue_after_three_receives(poller: QueuePoller) -> None:
    attrs = poller._client.get_queue_attributes(QueueUrl=poller.queue_url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + FANOUT_QUEUE + DLQ_SUFFIX)
    assert int(redrive["maxReceiveCount"]) == MAX_RECEIVES == 3


def test_the_consumer_reports_only_the_failed_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import app

    monkeypatch.setenv("YUNTONG_BATCH_ITEM_FAILURES", "1")

    event = {
        "Records": [
            {"messageId": "m1", "receiptHandle": "r1", "body": message.encode("dlq_test_ok", {"n": 1})},
            {"messageId": "m2", "receiptHandle": "r2", "body": message.encode("dlq_test_poison", {"n": 2})},
            {"messageId": "m3", "receiptHandle": "r3", "body": "not json"},
        ]
    }
    poisoned["on"] = True
    assert app.handler_map["fanout"](event, None) == {
        "batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]
    }


def test_without_reported_failures_the_consumer_deletes_its_successes_and_raises() -> None:
    records = [
        {"messageId": "m1", "receiptHandle": "r1", "body": message.encode("dlq_test_ok", {"n": 1})},
        {"messageId": "m2", "receiptHandle": "r2", "body": message.encode("dlq_test_poison", {"n": 2})},
    ]
    deleted: list[str] = []
    poisoned["on"] = True
    with pytest.raises(tasks.BatchFailed):
        tasks.consume(records, reported=False, delete=lambda done: deleted.extend(r["receiptHandle"] for r in done))
    assert deleted == ["r1"]
    assert tasks.consume(records[:1], reported=False, delete=lambda done: None) == {"batchItemFailures": []}


def test_lambda_rules_for_a_partial_batch_response() -> None:
    batch = {"a", "b"}
    assert failed_ids(None, batch) == set()
    assert failed_ids({"batchItemFailures": []}, batch) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, batch) == {"b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zz"}]}, batch) is None  # whole batch fails
    assert failed_ids({"batchItemFailures": [{}]}, batch) is None


# "1": the mapping reports batch item failures (packaged template, local stack); "0": `chalice deploy`, which
# cannot set it: the consumer deletes its successes itself and raises.
@pytest.mark.parametrize("reported", ["1", "0"])
def test_a_poisoned_task_goes_to_the_dlq_its_batch_mates_run_once_and_the_cli_redrives_it(
    poller: QueuePoller, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, reported: str
) -> None:
    monkeypatch.setenv("YUNTONG_BATCH_ITEM_FAILURES", reported)
    monkeypatch.delenv("YUNTONG_SQS_ENDPOINT", raising=False)
    for n in (1, 2, 3):
        _send(poller, "dlq_test_ok", n)
    _send(poller, "dlq_test_poison", 99)

    done = 0
    for _ in range(MAX_RECEIVES + 2):
        done += asyncio.run(poller.poll_once())
    assert done == (3 if reported == "1" else 0)  # "0": the consumer deleted them itself, then raised
    assert sorted(ran) == [1, 2, 3]  # each once: the poisoned one never made them come back
    assert _count(poller, poller.queue_url) == 0
    assert _count(poller, poller.dlq_url) == 1

    # the poller runs app.py's queue as the local stack names it; a deployed stage's would be yuntong-test-fanout
    assert main(["dlq", "list", "--stage", "test", "--queue", FANOUT_QUEUE]) == 0
    out = capsys.readouterr().out
    row = json.loads(out.splitlines()[0])
    assert row["kind"] == "dlq_test_poison" and "body" not in row
    assert "1 dead letter(s)" in out
    assert _count(poller, poller.dlq_url) == 1  # listing consumed nothing

    poisoned["on"] = False  # the cause is fixed
    assert main(["dlq", "redrive", "--stage", "test", "--queue", FANOUT_QUEUE]) == 0
    assert "redrove 1 message(s)" in capsys.readouterr().out
    assert _count(poller, poller.dlq_url) == 0
    assert asyncio.run(poller.poll_once()) == 1
    assert sorted(ran) == [1, 2, 3, 99]


def test_the_cli_targets_the_stages_own_queue() -> None:
    from chalicelib.config import Settings
    from yuntong_cli import dlq

    assert dlq.queue_name(Settings("local", "us-east-1", "yuntong-local")) == FANOUT_QUEUE
    assert dlq.queue_name(Settings("prod", "us-east-1", "yuntong-prod")) == "yuntong-prod-fanout"
    assert dlq.queue_name(Settings("prod", "us-east-1", "yuntong-prod"), "other") == "other"
