"""Drain the messages table's stream of the moto the tests run in into the app's stream consumer.

Lambda (and the local stack's poller, devstack/streams.py) invoke `@app.on_dynamodb_record` with each batch; tests
have no poller, so a test that reads the statistics or the exports of what it sent drains the stream first:

    def test_x(api, svc, stream):
        ...sends...
        stream.drain()  # every record written since the test began, through MessageStreamService.consume
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from chalicelib import wiring
from chalicelib.blobs.s3 import create_bucket
from devstack.streams import StreamReader


class StreamDrain:
    """Reads the stream from the moment it is made (LATEST): records of earlier tests are not this test's."""

    def __init__(self, svc: wiring.Services, batch_size: int = 100) -> None:
        settings = svc.settings
        ddb = boto3.client("dynamodb", region_name=settings.region)
        # botocore's account-based endpoint ({account}.streams-ddb...) is one moto's interceptor does not know
        streams = boto3.client(
            "dynamodbstreams",
            region_name=settings.region,
            endpoint_url=f"https://streams.dynamodb.{settings.region}.amazonaws.com",
        )
        table = settings.table_name("messages")
        self.reader = StreamReader.for_table(ddb, streams, table, settings.region, "LATEST").start()
        self.batch_size = batch_size
        self._svc = svc
        self.batches: list[list[dict[str, Any]]] = []  # every batch handed over (tests replay them)
        create_bucket(settings.bucket, settings.region)  # the export chunks' bucket, without earlier tests' exports
        s3 = boto3.client("s3", region_name=settings.region)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.bucket, Prefix="exports/"):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=settings.bucket, Key=obj["Key"])

    def consume(self, records: list[dict[str, Any]]) -> None:
        self.batches.append(records)
        self._svc.message_stream.consume(records)

    def drain(self, handle: Callable[[list[dict[str, Any]]], Any] | None = None) -> int:
        """Every record written since the last drain; returns how many."""
        return self.reader.drain(handle or self.consume, self.batch_size)
