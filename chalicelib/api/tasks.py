"""Background tasks: kind → handler, fed by the one SQS queue (`@app.on_sqs_message`) or run inline in tests.

Features register with `@task("kind")` in their api/commands module (auto-imported with the command registry).
A task that fails is logged and reported back to Lambda as a partial batch failure (`batchItemFailures`, with
`ReportBatchItemFailures` on the event source mapping): only that message is redelivered after the visibility
timeout, and after `MAX_RECEIVES` receives SQS moves it to the dead-letter queue (`yuntong dlq list|redrive`).
Its batch-mates are deleted as done, so a poisoned task neither drops nor redelivers them.

`chalice deploy` cannot set ReportBatchItemFailures, and without it Lambda ignores the response and deletes the
whole batch. So unless the stage says the mapping has it (YUNTONG_BATCH_ITEM_FAILURES=1: the packaged template and
the local stack), `consume` deletes the messages that succeeded itself and raises: only the failed ones come back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from chalicelib.api import registry
from chalicelib.domain import tasks as message

log = logging.getLogger("yuntong.tasks")

TaskHandler = Callable[[Mapping[str, Any]], None]
_TASKS: dict[str, TaskHandler] = {}


def task(kind: str) -> Callable[[TaskHandler], TaskHandler]:
    def register(fn: TaskHandler) -> TaskHandler:
        if kind in _TASKS:
            raise ValueError(f"task {kind} registered twice")
        _TASKS[kind] = fn
        return fn

    return register


def run(kind: str, payload: Mapping[str, Any]) -> None:
    registry.names()  # imports every command module, which registers its tasks
    handler = _TASKS.get(kind)
    if handler is None:
        raise KeyError(f"unknown task kind {kind!r}")
    handler(payload)


def handle_messages(bodies: Iterable[str]) -> int:
    """Run each SQS message body; returns how many failed (logged, not raised)."""
    return len(handle_batch((str(i), body) for i, body in enumerate(bodies)))


def handle_batch(messages: Iterable[tuple[str, str]]) -> list[str]:
    """Run each (message id, body); returns the ids of those that failed (each logged with its id and kind)."""
    failed: list[str] = []
    for message_id, body in messages:
        kind = "?"
        try:
            kind, payload = message.decode(body)
            run(kind, payload)
        except Exception:
            failed.append(message_id)
            log.exception("task failed", extra={"fields": {"message_id": message_id, "kind": kind}})
    return failed


class BatchFailed(Exception):
    """Some tasks failed and the mapping may not report partial failures: the batch's successes are deleted."""


Deleter = Callable[[Sequence[Mapping[str, Any]]], None]


def consume(
    records: Sequence[Mapping[str, Any]], reported: bool | None = None, delete: Deleter | None = None
) -> dict[str, list[dict[str, str]]]:
    """The SQS consumer: run every record; the partial batch response, or (see above) delete the done and raise."""
    failed = handle_batch((str(r["messageId"]), str(r["body"])) for r in records)
    if reported is None:
        from chalicelib.config import Settings

        reported = Settings.from_env().batch_item_failures
    if not failed or reported:
        return batch_response(failed)
    failed_set = set(failed)
    (delete or _delete_from_queue)([r for r in records if r["messageId"] not in failed_set])
    raise BatchFailed(f"{len(failed)} of {len(records)} task(s) failed; the others were deleted from the queue")


def _delete_from_queue(records: Sequence[Mapping[str, Any]]) -> None:
    import boto3

    from chalicelib.config import Settings

    settings = Settings.from_env()
    by_queue: dict[str, list[str]] = {}
    for r in records:
        by_queue.setdefault(str(r["eventSourceARN"]), []).append(str(r["receiptHandle"]))
    for arn, receipts in by_queue.items():
        _, _, _, region, account, name = arn.split(":", 5)
        sqs = boto3.client("sqs", region_name=region, endpoint_url=settings.sqs_endpoint)
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        for i in range(0, len(receipts), 10):
            entries = [{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(receipts[i : i + 10])]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def batch_response(failed_ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """Lambda's partial batch response: only these messages go back to the queue."""
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed_ids]}
