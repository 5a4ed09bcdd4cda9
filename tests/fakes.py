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
        from chalicelib.domain.tasks import decode, encode

        decoded = decode(encode(kind, payload))  # what SQS would carry: JSON types only
        item = (decoded[0], dict(decoded[1]))
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


class FakeSns:
    """The offline push gateway (chalicelib/push/sns.py) in memory: platform applications, endpoints per token, and
    every publish. Tokens in `disabled` answer like SNS's EndpointDisabled (APNs said the token is dead)."""

    def __init__(self) -> None:
        self.applications: dict[str, dict[str, str]] = {}  # arn -> platform, credential
        self.endpoints: dict[str, str] = {}  # endpoint arn -> token
        self.published: list[tuple[str, str, dict[str, Any]]] = []  # (target, token or "", parsed message)
        self.disabled: set[str] = set()
        self.deleted: list[str] = []

    def configure(self, sdkappid: int, platform: str, current: str, credential: str, principal: str) -> str:
        arn = current or f"arn:fake:sns:app/{platform}/{sdkappid}"
        self.applications[arn] = {"platform": platform, "credential": credential, "principal": principal}
        return arn

    def create_endpoint(self, application: str, token: str, user_data: str) -> str:
        for arn, known in list(self.endpoints.items()):
            if known == token:
                del self.endpoints[arn]
        arn = f"{application}/endpoint/{len(self.endpoints) + len(self.deleted)}-{token}"
        self.endpoints[arn] = token
        return arn

    def delete_endpoint(self, arn: str) -> None:
        self.deleted.append(arn)
        self.endpoints.pop(arn, None)

    def publish(self, target: str, message: str, *, raw: bool = False) -> str:
        if raw:
            doc = json.loads(message)
            self.published.append((target, doc["token"], doc))
            return "sent"
        token = self.endpoints.get(target)
        if token is None:
            return "invalid"
        if token in self.disabled:
            return "disabled"
        self.published.append((target, token, json.loads(message)))
        return "sent"

    def to(self, token: str) -> list[dict[str, Any]]:
        """The platform payloads (parsed) sent to a token."""
        out = []
        for _, t, doc in self.published:
            if t != token:
                continue
            inner = next((v for k, v in doc.items() if k in ("APNS", "APNS_SANDBOX", "GCM")), None)
            out.append(json.loads(inner) if inner is not None else doc["notification"])
        return out


class FlakySns(FakeSns):
    """FakeSns whose publish raises (like throttling) for tokens in `failing`, `failures` times each."""

    def __init__(self, failures: int = 1) -> None:
        super().__init__()
        self.failing: dict[str, int] = {}
        self.failures = failures

    def publish(self, target: str, message: str, *, raw: bool = False) -> str:
        token = self.endpoints.get(target, "")
        if token in self.failing and self.failing[token] > 0:
            self.failing[token] -= 1
            raise RuntimeError("Throttling")
        return super().publish(target, message, raw=raw)
