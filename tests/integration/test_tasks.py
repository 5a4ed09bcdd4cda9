import json
from typing import Any

import boto3

from chalicelib.api import tasks
from chalicelib.push.queue import SqsTaskQueue

seen: list[dict[str, Any]] = []


@tasks.task("test_echo")
def _echo(payload):
    if payload.get("boom"):
        raise RuntimeError("boom")
    seen.append(dict(payload))


def test_sqs_queue_carries_tasks_to_their_handlers_and_a_bad_one_does_not_fail_the_batch(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="yuntong-fanout")["QueueUrl"]
    queue = SqsTaskQueue("yuntong-fanout", "us-east-1")
    queue.enqueue("test_echo", {"n": 1})
    queue.enqueue("test_echo", {"boom": True})
    queue.enqueue("nope", {})
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    seen.clear()
    failed = tasks.handle_messages(m["Body"] for m in msgs)
    assert failed == 2
    assert seen == [{"n": 1}]
    assert json.loads(msgs[0]["Body"])["kind"] == "test_echo"
