"""The local stack's stream poller (devstack/streams.py): Lambda's record shape, and a failing batch retried, then
bisected, down to the one record that keeps failing (dropped, counted), the others delivered once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from devstack.streams import MAX_RETRIES, StreamConsumer, StreamPoller, lambda_record

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/yuntong-local-messages/stream/2026-01-01T00:00:00.000"


def test_a_get_records_record_becomes_lambdas():
    raw = {
        "eventID": "e1",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {"pk": {"S": "a"}, "z": {"B": b"\x00\x01"}, "h": {"SS": ["x"]}},
            "SequenceNumber": "11",
        },
    }
    got = lambda_record(raw, ARN, "us-east-1")
    assert got["eventSourceARN"] == ARN and got["awsRegion"] == "us-east-1" and got["eventSource"] == "aws:dynamodb"
    assert got["dynamodb"]["ApproximateCreationDateTime"] == 1767225600
    assert got["dynamodb"]["NewImage"]["z"] == {"B": "AAE="} and got["dynamodb"]["NewImage"]["h"] == {"SS": ["x"]}


def test_a_failing_batch_is_retried_then_bisected_to_the_record_that_fails():
    calls: list[list[str]] = []

    async def invoke(name: str, event: dict[str, Any]) -> Any:
        ids = [r["eventID"] for r in event["Records"]]
        calls.append(ids)
        if "bad" in ids:
            raise RuntimeError("handler failed")
        return {}

    consumer = StreamConsumer("message_stream", ARN, 100, "TRIM_HORIZON")
    poller = StreamPoller(invoke, consumer, ddb=None, streams=_Client(), region="us-east-1")
    records = [{"eventID": i} for i in ("a", "b", "bad", "c")]
    asyncio.run(poller._deliver(records))
    delivered = [ids for ids in calls if "bad" not in ids]
    assert sorted(i for ids in delivered for i in ids) == ["a", "b", "c"]
    assert calls[: MAX_RETRIES + 1] == [["a", "b", "bad", "c"]] * (MAX_RETRIES + 1)
    assert poller.dropped == 1 and consumer.table_name == "yuntong-local-messages"


class _Client:
    """What `pinned` reads from a boto3 client."""

    class meta:
        region_name = "us-east-1"
        endpoint_url = "http://127.0.0.1:1"

    class _request_signer:
        _credentials = None
