"""The task queue adapter: SQS, one client per container, queue URL resolved lazily from its name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.tasks import encode


class SqsTaskQueue:
    def __init__(self, queue_name: str, region: str, endpoint: str | None = None, queue_url: str | None = None) -> None:
        self._name = queue_name
        self._region = region
        self._endpoint = endpoint
        self._url = queue_url
        self._client: Any = None

    def _sqs(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", region_name=self._region, endpoint_url=self._endpoint)
        if self._url is None:
            self._url = self._client.get_queue_url(QueueName=self._name)["QueueUrl"]
        return self._client

    def enqueue(self, kind: str, payload: Mapping[str, Any]) -> None:
        client = self._sqs()
        client.send_message(QueueUrl=self._url, MessageBody=encode(kind, payload))

    def enqueue_later(self, kind: str, payload: Mapping[str, Any], delay_seconds: int) -> None:
        """The same, delivered after `delay_seconds` (SQS DelaySeconds, at most 900): callbacks' retry backoff."""
        client = self._sqs()
        delay = max(0, min(900, int(delay_seconds)))
        client.send_message(QueueUrl=self._url, MessageBody=encode(kind, payload), DelaySeconds=delay)
