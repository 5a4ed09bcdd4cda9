"""The messages table's stream consumer (app.py `@app.on_dynamodb_record`): statistics and export chunks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.wiring import services


def consume(event: Mapping[str, Any]) -> dict[str, int]:
    """One batch of Lambda's DynamoDB event (`{"Records": [...]}`); raises to have Lambda retry it."""
    return services().message_stream.consume(list(event.get("Records") or []))
