"""DynamoDB Streams, locally: Lambda's event source mapping for the app's `@app.on_dynamodb_record` consumers.

moto records every write of a table with a stream; `StreamReader` reads it (describe_stream, get_shard_iterator,
get_records) and turns its records into Lambda's event shape, `StreamPoller` hands each batch to the consumer
like a mapping with BisectBatchOnFunctionError and MaximumRetryAttempts: a batch whose handler raises is retried,
then split in halves (each retried the same way), and a single record that still fails is dropped with an error
in the log (Lambda would send its batch's description to the on-failure destination). Tests use the reader alone
(`tests/streams.py` drains the stream of the moto they run in).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalice.app import Chalice, DynamoDBEventConfig

log = logging.getLogger("devstack.streams")

IDLE_SLEEP = 0.2  # seconds between polls of an idle stream (Lambda polls each shard about 4 times a second)
MAX_RETRIES = 2  # retries of a failing batch before it is bisected (the packaged mapping's MaximumRetryAttempts)


@dataclass(frozen=True)
class StreamConsumer:
    name: str
    stream_arn: str  # as app.py declares it (the local stack polls the stream of the table it names)
    batch_size: int
    starting_position: str

    @property
    def table_name(self) -> str:
        """`arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{label}` → name."""
        return self.stream_arn.split(":", 5)[-1].split("/")[1]


def stream_consumers(app: Chalice) -> list[StreamConsumer]:
    return [
        StreamConsumer(s.name, s.stream_arn, s.batch_size, s.starting_position)
        for s in app.event_sources
        if isinstance(s, DynamoDBEventConfig)
    ]


def _attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A low-level AttributeValue as Lambda's JSON has it (binary as base64 text)."""
    out: dict[str, Any] = {}
    for kind, v in value.items():
        if kind == "B":
            out[kind] = base64.b64encode(v).decode() if isinstance(v, bytes | bytearray) else v
        elif kind == "BS":
            out[kind] = [base64.b64encode(b).decode() if isinstance(b, bytes | bytearray) else b for b in v]
        elif kind == "M":
            out[kind] = {k: _attribute(a) for k, a in v.items()}
        elif kind == "L":
            out[kind] = [_attribute(a) for a in v]
        else:
            out[kind] = v
    return out


def lambda_record(raw: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: times in epoch seconds, eventSourceARN set, binary in base64."""
    ddb = dict(raw.get("dynamodb") or {})
    created = ddb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        ddb["ApproximateCreationDateTime"] = int(created.timestamp())
    for image in ("Keys", "NewImage", "OldImage"):
        if image in ddb:
            ddb[image] = {name: _attribute(v) for name, v in ddb[image].items()}
    return {
        "eventID": raw.get("eventID"),
        "eventName": raw.get("eventName"),
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion") or region,
        "dynamodb": ddb,
        "eventSourceARN": stream_arn,
    }


class StreamReader:
    """Reads a table's stream shard by shard from `position` (TRIM_HORIZON or LATEST), as Lambda's mapping does."""

    def __init__(self, client: Any, stream_arn: str, region: str, position: str = "TRIM_HORIZON") -> None:
        self._client = client
        self.stream_arn = stream_arn
        self._region = region
        self._position = position
        self._iterators: dict[str, str] = {}

    @classmethod
    def for_table(cls, ddb: Any, streams: Any, table: str, region: str, position: str = "TRIM_HORIZON") -> StreamReader:
        arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        return cls(streams, arn, region, position)

    def _shards(self) -> None:
        shards = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._client.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=self._position
                )["ShardIterator"]

    def start(self) -> StreamReader:
        """Take each shard's starting position now (LATEST: records written after this call)."""
        self._shards()
        return self

    def read(self, limit: int) -> list[tuple[str, list[dict[str, Any]], str]]:
        """One GetRecords per shard: (shard, records in Lambda's shape, next iterator); `advance` after using them."""
        self._shards()
        out = []
        for shard_id, iterator in list(self._iterators.items()):
            got = self._client.get_records(ShardIterator=iterator, Limit=limit)
            records = [lambda_record(r, self.stream_arn, self._region) for r in got.get("Records", [])]
            out.append((shard_id, records, got.get("NextShardIterator") or iterator))
        return out

    def advance(self, shard_id: str, iterator: str) -> None:
        self._iterators[shard_id] = iterator

    def drain(self, handle: Callable[[list[dict[str, Any]]], Any], limit: int = 100) -> int:
        """Hand every record written so far to `handle` in batches of `limit`; returns how many records."""
        total = 0
        while True:
            batches = self.read(limit)
            if not any(records for _, records, _ in batches):
                for shard_id, _, nxt in batches:
                    self.advance(shard_id, nxt)
                return total
            for shard_id, records, nxt in batches:
                if records:
                    handle(records)
                    total += len(records)
                self.advance(shard_id, nxt)


def event(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}


def pinned(client: Any) -> Any:
    """The same DynamoDB Streams client, pinned to its regional endpoint: botocore otherwise sends a call naming a
    stream ARN to the account's endpoint (`{account}.streams-ddb.{region}.amazonaws.com`), which moto does not
    answer in-process (the local stack with YUNTONG_AWS_IN_PROCESS, and the tests)."""
    import boto3

    creds = client._request_signer._credentials
    return boto3.client(
        "dynamodbstreams",
        region_name=client.meta.region_name,
        endpoint_url=client.meta.endpoint_url,
        aws_access_key_id=creds.access_key if creds else None,
        aws_secret_access_key=creds.secret_key if creds else None,
        aws_session_token=creds.token if creds else None,
    )


class StreamPoller:
    """Polls one consumer's stream and invokes it (through the stack's Invoker) with each batch."""

    def __init__(
        self,
        invoke: Callable[[str, dict[str, Any]], Awaitable[Any]],
        consumer: StreamConsumer,
        ddb: Any,
        streams: Any,
        region: str,
    ) -> None:
        self._invoke = invoke  # async (name, event) -> result
        self.consumer = consumer
        self._ddb = ddb
        self._streams = pinned(streams)
        self._region = region
        self.reader: StreamReader | None = None
        self.dropped = 0  # records given up after retries and bisection (Lambda: the on-failure destination)

    async def _deliver(self, records: list[dict[str, Any]]) -> None:
        for attempt in range(MAX_RETRIES + 1):
            try:
                await self._invoke(self.consumer.name, event(records))
                return
            except Exception:
                log.exception(
                    "stream consumer %s failed on %d record(s) (attempt %d)", self.consumer.name, len(records), attempt
                )
        if len(records) > 1:
            half = len(records) // 2
            await self._deliver(records[:half])
            await self._deliver(records[half:])
            return
        self.dropped += 1
        log.error("stream consumer %s: record %s dropped", self.consumer.name, records[0].get("eventID"))

    async def poll_once(self) -> int:
        if self.reader is None:
            self.reader = await asyncio.to_thread(
                StreamReader.for_table,
                self._ddb,
                self._streams,
                self.consumer.table_name,
                self._region,
                self.consumer.starting_position,
            )
        reader = self.reader
        done = 0
        for shard_id, records, nxt in await asyncio.to_thread(reader.read, self.consumer.batch_size):
            if records:
                await self._deliver(records)
                done += len(records)
            reader.advance(shard_id, nxt)
        return done

    async def run(self) -> None:
        while True:
            try:
                if not await self.poll_once():
                    await asyncio.sleep(IDLE_SLEEP)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling the stream of %s failed; retrying", self.consumer.table_name)
                await asyncio.sleep(1.0)
