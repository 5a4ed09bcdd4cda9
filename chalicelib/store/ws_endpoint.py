"""The websocket management endpoint, learned at run time when YUNTONG_WS_ENDPOINT is not set (`chalice deploy`).

API Gateway tells each websocket event its `domainName` and `stage`: `https://{domainName}/{stage}` is the
@connections endpoint. `$connect` records it once per container in the apps table (item pk `META`, sk
`ws_endpoint`: the app registry lists partition `APP` only), so REST handlers, jobs and the queue consumer, which get
no websocket event, read it from there. Before any websocket ever connected there is nobody to push to.

It lives in store (it is a PynamoDB model with a per-container cache); the pusher is handed `current` by wiring, and
the websocket edge teaches it through `wiring.learn_endpoint`, so neither push nor api imports PynamoDB.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import BaseModel, TableMeta

META_PK = "META"
ENDPOINT_SK = "ws_endpoint"
RETRY_S = 10.0  # an endpoint not found yet is read again after this long


class MetaModel(BaseModel):
    table_key: ClassVar[str] = "apps"

    class Meta(TableMeta):
        pass

    value = UnicodeAttribute()


class _Learned:
    endpoint: str | None = None
    missed_at: float = -RETRY_S


_learned = _Learned()


def from_request_context(context: Mapping[str, Any]) -> str | None:
    domain, stage = context.get("domainName"), context.get("stage")
    if not domain or not stage:
        return None
    return f"https://{domain}/{stage}"


def learn(context: Mapping[str, Any]) -> None:
    """From a websocket event's requestContext: remembered in this container, stored once if new."""
    endpoint = from_request_context(context)
    if endpoint is None or endpoint == _learned.endpoint:
        return
    MetaModel(pk=META_PK, sk=ENDPOINT_SK, value=endpoint).save()
    _learned.endpoint = endpoint


def current() -> str | None:
    """This container's endpoint: learned from an event, else read from the table (a miss is retried in 10 s)."""
    if _learned.endpoint is None and time.monotonic() - _learned.missed_at >= RETRY_S:
        try:
            _learned.endpoint = str(MetaModel.get(META_PK, ENDPOINT_SK).value)
        except MetaModel.DoesNotExist:
            _learned.missed_at = time.monotonic()
    return _learned.endpoint


def forget() -> None:
    """Tests: a fresh container."""
    _learned.endpoint = None
    _learned.missed_at = -RETRY_S
