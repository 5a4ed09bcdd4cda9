"""Offline pushes in the local stack: what a phone would have received, shown at `GET /dev/pushes` (local only).

moto serves SNS in this process (devstack/aws.py) and keeps each endpoint's messages without order or time. The
log wraps moto's SNS publish to record every push the app sends (APNs and FCM endpoints, webhook topics), in
order, with its time and whether SNS took it (a disabled endpoint answers `EndpointDisabled`, and the app then drops
the device). The last 100 are served by the REST port at /dev/pushes: this path exists in the devstack only, never
in app.py, so no deployed stage has it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from devstack.site import Reply, Site

PUSHES_PATH = "/dev/pushes"
KEEP = 100


class PushLog:
    """The last KEEP pushes SNS was asked to deliver, newest last."""

    def __init__(self, keep: int = KEEP, clock: Callable[[], float] = time.time) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._clock = clock

    def record(self, backend: Any, arn: str | None, message: str, structure: str | None, result: str) -> None:
        target = str(arn or "")
        entry: dict[str, Any] = {"Time": int(self._clock()), "Target": target, "Result": result}
        endpoint = getattr(backend, "platform_endpoints", {}).get(target)
        if endpoint is not None:
            entry["Platform"] = endpoint.application.platform
            entry["Token"] = endpoint.token
            entry["UserData"] = endpoint.custom_user_data
        try:
            doc = json.loads(message)
        except ValueError:
            doc = message
        if structure == "json" and isinstance(doc, dict):
            key = next((k for k in doc if k != "default"), "default")
            try:
                entry["Payload"] = json.loads(doc[key])
            except (TypeError, ValueError):
                entry["Payload"] = doc[key]
        else:
            entry["Payload"] = doc
        with self._lock:
            self._items.append(entry)

    def last(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def install(self) -> PushLog:
        """Wrap moto's SNS publish (in this process) so every push is recorded."""
        from moto.sns.models import SNSBackend

        raw = SNSBackend.publish
        log = self

        def publish(backend: Any, message: str, arn: str | None, *args: Any, **kwargs: Any) -> str:
            structure = kwargs.get("message_structure")
            try:
                result = raw(backend, message, arn, *args, **kwargs)
            except Exception as exc:
                log.record(backend, arn, message, structure, getattr(exc, "code", type(exc).__name__))
                raise
            log.record(backend, arn, message, structure, "Sent")
            return result

        SNSBackend.publish = publish  # type: ignore[method-assign,assignment]
        return self


@dataclass
class PushingSite(Site):
    """The stack's site plus `GET /dev/pushes` → `{"Pushes": [...]}` (oldest first, at most 100)."""

    pushes: PushLog = field(default_factory=PushLog)

    def handles(self, method: str, path: str) -> bool:
        return unquote(urlsplit(path).path) == PUSHES_PATH or super().handles(method, path)

    def answer(self, method: str, path: str, body: bytes | None) -> Reply:
        if unquote(urlsplit(path).path) != PUSHES_PATH:
            return super().answer(method, path, body)
        if method not in ("GET", "HEAD"):
            return Reply(405, b'{"error": "GET only"}')
        data = json.dumps({"Pushes": self.pushes.last()}, ensure_ascii=False).encode("utf-8")
        return Reply(200, data, "application/json; charset=utf-8", {"Cache-Control": "no-store"})


def with_pushes(site: Site, pushes: PushLog) -> PushingSite:
    return PushingSite(site.config, site.sign, site.import_account, site.web_dir, site.sdk_bundle, pushes)


def configure_demo_push(sdkappid: int) -> None:
    """The demo app pushes out of the box: fake APNs/FCM credentials in moto's SNS (nothing leaves the machine)."""
    from chalicelib.wiring import services

    push = services().offline_push
    for platform in ("APNS", "APNS_SANDBOX", "FCM"):
        push.configure(sdkappid, platform, f"local-fake-{platform.lower()}-credential", "")
