"""Background tasks: kind → handler, fed by the one SQS queue (`@app.on_sqs_message`) or run inline in tests.

Features register with `@task("kind")` in their api/commands module (auto-imported with the command registry).
A task that fails is logged and does not fail the rest of its batch: deliveries are best effort and clients
recover anything missed through sync, whereas retrying a whole batch would duplicate every other push in it.
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
    failed = 0
    for body in bodies:
        try:
            doc = json.loads(body)
            run(doc["kind"], doc["payload"])
        except Exception:
            failed += 1
            log.exception("task failed")
    return failed
