"""Pusher over apigatewaymanagementapi: one client per container, built lazily from settings."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("yuntong.push")


def encode(frame: Mapping[str, Any]) -> bytes:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ApiGatewayPusher:
    """REST handlers, jobs and queue consumers have no websocket event, so the endpoint comes from settings."""

    def __init__(
        self,
        endpoint: str | None,
        region: str,
        workers: int = 32,
        client: Any = None,
        learned: Callable[[], str | None] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._learned = learned  # `chalice deploy`: the endpoint the websocket events taught (store/ws_endpoint.py)
        self._region = region
        self._workers = max(1, workers)
        self._client: Any = client  # tests pass a fake management client; otherwise built on first use
        self._pool: ThreadPoolExecutor | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            if not self._endpoint and self._learned is not None:  # `chalice deploy`: learned from websocket events
                self._endpoint = self._learned()
            if not self._endpoint:
                raise RuntimeError("no websocket endpoint yet (YUNTONG_WS_ENDPOINT unset, no connection seen)")
            self._client = boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=self._endpoint,
                region_name=self._region,
                # botocore's pool holds 10 connections by default: parallel fan-out needs as many as workers
                config=Config(max_pool_connections=self._workers, retries={"max_attempts": 2, "mode": "standard"}),
            )
        return self._client

    @property
    def learns_endpoint(self) -> bool:
        """No endpoint configured: the websocket handlers teach it (store/ws_endpoint.py)."""
        return not self._endpoint and self._client is None and self._learned is not None

    def send(self, connection_id: str, frame: Mapping[str, Any]) -> bool:
        """False when the connection is gone (the caller prunes it); other errors are logged, not raised."""
        return self._post(connection_id, encode(frame))

    def _post(self, connection_id: str, data: bytes) -> bool:
        client = self.client
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        except client.exceptions.GoneException:  # a ClientError subclass: catch it first
            return False
        except Exception:
            log.warning("post_to_connection failed for %s", connection_id, exc_info=True)
        return True

    def send_many(self, connection_ids: Sequence[str], frame: Mapping[str, Any]) -> list[str]:
        """Post one frame to many connections in parallel (bounded pool); returns the gone ones."""
        ids = list(dict.fromkeys(connection_ids))  # never two identical pushes to one terminal
        if not ids:
            return []
        data = encode(frame)
        if len(ids) == 1:
            return [] if self._post(ids[0], data) else ids
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="push")
        results = list(self._pool.map(lambda cid: self._post(cid, data), ids))
        return [cid for cid, alive in zip(ids, results, strict=True) if not alive]

    def close(self, connection_id: str) -> None:
        client = self.client
        try:
            client.delete_connection(ConnectionId=connection_id)
        except client.exceptions.GoneException:
            pass
        except Exception:
            log.warning("delete_connection failed for %s", connection_id, exc_info=True)
