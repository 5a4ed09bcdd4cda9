"""EventBridge and SQS, locally: the app's `@app.schedule` functions at their times, `@app.on_sqs_message` consumers."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.config import DLQ_SUFFIX, MAX_RECEIVES
from devstack import events
from devstack.lambdas import Invoker, QueueConsumer, ScheduledFunction
from devstack.schedule import Schedule, parse

log = logging.getLogger("devstack.scheduler")

DLQ_RETENTION_S = 14 * 24 * 3600  # SQS's maximum, as in deploy/template.py
MAX_SLEEP = 30.0  # re-read the wall clock at least this often (it may jump)


@dataclass
class _Job:
    function: ScheduledFunction
    schedule: Schedule
    next_at: float


class Scheduler:
    """Fires each scheduled function when its expression comes due, like an EventBridge rule created at `start`.

    `tick(now)` is the whole decision (tests drive it with their own clock); `run()` just calls it when a job is due.
    """

    def __init__(
        self,
        invoker: Invoker,
        functions: list[ScheduledFunction],
        *,
        app_name: str,
        stage: str,
        region: str,
        start: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._invoker = invoker
        self._rule_prefix = f"{app_name}-{stage}-"
        self._region = region
        self._clock = clock
        self.jobs: list[_Job] = []
        for f in functions:
            schedule = parse(f.expression, start)  # a bad expression stops the stack, as it would fail the deploy
            self.jobs.append(_Job(f, schedule, schedule.next_after(start)))

    def tick(self, now: float) -> list[str]:
        """Invoke (without waiting) every function due at `now`; returns their names."""
        fired = []
        for job in self.jobs:
            if job.next_at <= now:
                event = events.scheduled(self._rule_prefix + job.function.name, self._region, job.next_at)
                future = self._invoker.submit(job.function.name, event)
                future.add_done_callback(_log_failure(job.function.name))
                fired.append(job.function.name)
                # a run missed while the machine slept is fired once, not once per missed period
                job.next_at = job.schedule.next_after(max(now, job.next_at))
        return fired

    async def run(self) -> None:
        while True:
            self.tick(self._clock())
            due = min((j.next_at for j in self.jobs), default=math.inf)
            await asyncio.sleep(max(0.0, min(due - self._clock(), MAX_SLEEP)))


def failed_ids(result: Any, batch: set[str]) -> set[str] | None:
    """The messages a consumer's response reports as failed; None (all failed) if the response is malformed.

    Lambda's rules: no response, or one without `batchItemFailures` or with an empty list, means all succeeded;
    an identifier that is empty or not in the batch fails the whole batch.
    """
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids: set[str] = set()
    for item in failures:
        message_id = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not message_id or message_id not in batch:
            return None
        ids.add(str(message_id))
    return ids


def _log_failure(name: str) -> Callable[[Any], None]:
    def done(future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("scheduled function %s failed", name, exc_info=future.exception())

    return done


class QueuePoller:
    """Lambda's SQS event source mapping: receive a batch, invoke the consumer, delete what succeeded.

    Like a mapping with `FunctionResponseTypes: [ReportBatchItemFailures]`: a returned `{"batchItemFailures":
    [{"itemIdentifier": messageId}, ...]}` leaves only those messages in the queue; a handler that raised, or a
    response naming a message not in the batch, leaves the whole batch. Left messages come back after the visibility
    timeout, and after `MAX_RECEIVES` receives SQS moves them to the dead-letter queue, as on AWS.
    """

    def __init__(
        self,
        invoker: Invoker,
        consumer: QueueConsumer,
        client: Any,
        region: str,
        wait_s: int = 1,
        visibility_timeout: int = 30,
    ) -> None:
        self._invoker = invoker
        self.consumer = consumer
        self._client = client
        self._region = region
        self._wait_s = wait_s
        self._visibility_timeout = visibility_timeout
        self.queue_url = ""
        self.dlq_url = ""
        self.arn = events.queue_arn(region, consumer.queue)

    def create_queue(self) -> str:
        """Chalice never creates the queue it consumes (the deploy needs it to exist): the local stack does, with
        its dead-letter queue and redrive policy as deploy/template.py declares them."""
        dlq_name = self.consumer.queue + DLQ_SUFFIX
        self.dlq_url = self._client.create_queue(
            QueueName=dlq_name, Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_S)}
        )["QueueUrl"]
        redrive = {"deadLetterTargetArn": events.queue_arn(self._region, dlq_name), "maxReceiveCount": MAX_RECEIVES}
        self.queue_url = self._client.create_queue(
            QueueName=self.consumer.queue,
            Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": str(self._visibility_timeout)},
        )["QueueUrl"]
        return self.queue_url

    def receive(self) -> list[dict[str, Any]]:
        reply = self._client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(self.consumer.batch_size, 10)),  # one ReceiveMessage returns at most 10
            WaitTimeSeconds=self._wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = reply.get("Messages", [])
        return messages

    def delete(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        self._client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)

    async def poll_once(self) -> int:
        """One batch; returns how many messages were done (deleted)."""
        messages = await asyncio.to_thread(self.receive)
        if not messages:
            return 0
        try:
            result = await self._invoker.invoke(self.consumer.name, events.sqs_batch(messages, self.arn, self._region))
        except Exception:
            log.exception("queue consumer %s failed: batch of %d left in the queue", self.consumer.name, len(messages))
            return 0
        failed = failed_ids(result, {m["MessageId"] for m in messages})
        if failed is None:
            log.error("queue consumer %s: bad batchItemFailures %r: batch left", self.consumer.name, result)
            return 0
        if failed:
            log.warning("queue consumer %s: %d of %d message(s) failed", self.consumer.name, len(failed), len(messages))
        done = [m for m in messages if m["MessageId"] not in failed]
        await asyncio.to_thread(self.delete, done)
        return len(done)

    async def run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("polling %s failed; retrying", self.consumer.queue)
                await asyncio.sleep(1.0)
