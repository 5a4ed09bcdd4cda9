"""Fakes for ports: a recording pusher (with a Gone switch, and one that answers Gone during handshakes) and a fake
@connections management client."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class RecordingPusher:
    """Records every frame per connection; connections in `gone` answer like API Gateway's 410 Gone."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.closed: list[str] = []
        self.gone: set[str] = set()

    def send(self, connection_id: str, frame: Mapping[str, Any]) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, json.loads(json.dumps(frame))))
        return True

    def send_many(self, connection_ids: Sequence[str], frame: Mapping[str, Any]) -> list[str]:
        return [cid for cid in dict.fromkeys(connection_ids) if not self.send(cid, frame)]

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)

    def frames(self, connection_id: str, event: str | None = None) -> list[dict[str, Any]]:
        return [f for cid, f in self.sent if cid == connection_id and (event is None or f.get("event") == event)]

    def events(self, event: str) -> list[tuple[str, dict[str, Any]]]:
        return [(cid, f) for cid, f in self.sent if f.get("event") == event]

    def clear(self) -> None:
        self.sent.clear()
        self.closed.clear()


class HandshakePusher(RecordingPusher):
    """API Gateway's view of a handshake: a connection answers 410 Gone until `opened(cid)` (its `$connect` returned).

    `raced` lists the (connection, frame) posts that got Gone that way; `gone` still marks dead sockets."""

    def __init__(self) -> None:
        super().__init__()
        self.open: set[str] = set()
        self.raced: list[tuple[str, dict[str, Any]]] = []

    def opened(self, connection_id: str) -> str:
        self.open.add(connection_id)
        return connection_id

    def send(self, connection_id: str, frame: Mapping[str, Any]) -> bool:
        if connection_id not in self.open and connection_id not in self.gone:
            self.raced.append((connection_id, json.loads(json.dumps(frame))))
            return False
        return super().send(connection_id, frame)


class GoneError(Exception):
    """Stands in for botocore's GoneException on the fake management client."""


class FakeManagementClient:
    """The parts of apigatewaymanagementapi the push adapter uses; `gone` ids raise GoneException."""

    class exceptions:
        GoneException = GoneError

    def __init__(self, gone: set[str] | None = None, failing: set[str] | None = None) -> None:
        self.gone = gone or set()
        self.failing = failing or set()
        self.posts: list[tuple[str, bytes]] = []
        self.deleted: list[str] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        if ConnectionId in self.gone:
            raise GoneError(ConnectionId)
        if ConnectionId in self.failing:
            raise RuntimeError("boom")
        self.posts.append((ConnectionId, Data))

    def delete_connection(self, ConnectionId: str) -> None:
        if ConnectionId in self.gone:
            raise GoneError(ConnectionId)
        self.deleted.append(ConnectionId)


class InlineTaskQueue:
    """Runs queued tasks when `drain()` is called (or at once with run_inline=True), like the SQS consumer would."""

    def __init__(self, run_inline: bool = True) -> None:
        self.run_inline = run_inline
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.enqueued: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, kind: str, payload: Mapping[str, Any]) -> None:
        from chalicelib.api import tasks

        item = (kind, json.loads(tasks.encode(kind, payload))["payload"])
        self.enqueued.append(item)
        if self.run_inline:
            tasks.run(*item)
        else:
            self.pending.append(item)

    def drain(self) -> int:
        from chalicelib.api import tasks

        done = 0
        while self.pending:
            tasks.run(*self.pending.pop(0))
            done += 1
        return done
