"""The task queue's one message format: `{"kind": ..., "payload": {...}}` as compact JSON.

Producers (services, through the task-queue port implemented by chalicelib/push/queue.py) encode; the consumer
(chalicelib/api/tasks.py) decodes and dispatches by kind. Kept here, outside both, so neither imports the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def encode(kind: str, payload: Mapping[str, Any]) -> str:
    return json.dumps({"kind": kind, "payload": dict(payload)}, ensure_ascii=False, separators=(",", ":"))


def decode(body: str) -> tuple[str, Mapping[str, Any]]:
    """(kind, payload) of a message body; ValueError/KeyError/TypeError for one that is not a task."""
    doc = json.loads(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), dict):
        raise ValueError("a task is an object with a kind and an object payload")
    return str(doc["kind"]), doc["payload"]
