"""Background tasks: kind → handler, fed by the one SQS queue (`@app.on_sqs_message`) or run inline in tests.

Features register with `@task("kind")` in their api/commands module (auto-imported with the command registry).
A task that fails is logged and reported back to Lambda as a partial batch failure (`batchItemFailures`, with
`ReportBatchItemFailures` on the event source mapping): only that message is redelivered after the visibility
timeout, and after `MAX_RECEIVES` receives SQS moves it to the dead-letter queue (`yuntong dlq list|redrive`).
Its batch-mates are deleted as done, so a poisoned task neither drops nor redelivers them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib.api import registry

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


def encode(kind: str, payload: Mapping[str, Any]) -> str:
    return json.dumps({"kind": kind, "payload": dict(payload)}, ensure_ascii=False, separators=(",", ":"))


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
            doc = json.loads(body)
            kind = str(doc.get("kind", "?")) if isinstance(doc, dict) else "?"
            run(doc["kind"], doc["payload"])
        except Exception:
            failed.append(message_id)
            log.exception("task failed", extra={"fields": {"message_id": message_id, "kind": kind}})
    return failed


def batch_response(failed_ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """Lambda's partial batch response: only these messages go back to the queue."""
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed_ids]}
