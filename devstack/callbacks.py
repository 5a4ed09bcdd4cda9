"""A dev-only callback receiver: what the app backend would get from the local stack's callbacks (README
"Callbacks"). It exists in the devstack only (never in app.py), on the REST port:

- `POST /dev/callbacks/receive?SdkAppid=...&CallbackCommand=...` is the receiver itself: point an app's callback URL
  at it (`YUNTONG_DEMO_CALLBACKS=1` does it for the demo app at start). It records the request and answers as told.
- `GET /dev/callbacks` → `{"Mode": {...}, "Callbacks": [{Time, Command, Query, Body}, ...]}` (the last 100, oldest
  first; Sign and RequestTime shown as sent, the token is never sent).
- `POST /dev/callbacks` tells it how to answer before-callbacks: `{"Mode": "allow"}` (the default),
  `{"Mode": "refuse", "ErrorCode": 120005, "ErrorInfo": "..."}` (120001-130000, or 1), or
  `{"Mode": "rewrite", "Text": "***"}` (a before-send's MsgBody becomes that text). `{"Clear": true}` empties the log.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devstack.pushes import PushingSite
from devstack.site import Reply, Site

CALLBACKS_PATH = "/dev/callbacks"
RECEIVE_PATH = "/dev/callbacks/receive"
KEEP = 100
_BEFORE_SEND = ("C2C.CallbackBeforeSendMsg", "Group.CallbackBeforeSendMsg")


def _json(status: int, obj: Any) -> Reply:
    data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return Reply(status, data, "application/json; charset=utf-8", {"Cache-Control": "no-store"})


class CallbackReceiver:
    """The last KEEP callbacks received, and how to answer the next before-callbacks."""

    def __init__(self, keep: int = KEEP) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.mode: dict[str, Any] = {"Mode": "allow"}

    def receive(self, query: dict[str, str], raw: bytes) -> dict[str, Any]:
        try:
            body: Any = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = raw.decode("utf-8", "replace")
        command = query.get("CallbackCommand", "")
        with self._lock:
            self._items.append({"Time": round(time.time(), 3), "Command": command, "Query": query, "Body": body})
            mode = dict(self.mode)
        answer: dict[str, Any] = {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}
        before = ".CallbackBefore" in command or command == "Sns.CallbackPrevFriendAdd"
        if not before:
            return answer
        if mode["Mode"] == "refuse":
            return {"ActionStatus": "FAIL", "ErrorCode": mode["ErrorCode"], "ErrorInfo": mode["ErrorInfo"]}
        if mode["Mode"] == "rewrite" and command in _BEFORE_SEND:
            answer["MsgBody"] = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": mode["Text"]}}]
        return answer

    def last(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def tell(self, doc: Any) -> dict[str, Any]:
        """Set the answer mode (ValueError on a bad one)."""
        if not isinstance(doc, dict):
            raise ValueError("POST a JSON object")
        if doc.get("Clear") is True:
            self.clear()
            if "Mode" not in doc:
                return self.mode
        mode = doc.get("Mode")
        if mode == "allow":
            new: dict[str, Any] = {"Mode": "allow"}
        elif mode == "refuse":
            code, info = doc.get("ErrorCode", 120001), doc.get("ErrorInfo", "refused by the dev receiver")
            if not isinstance(code, int) or not (code == 1 or 120001 <= code <= 130000) or not isinstance(info, str):
                raise ValueError("refuse takes ErrorCode 1 or 120001-130000 and a string ErrorInfo")
            new = {"Mode": "refuse", "ErrorCode": code, "ErrorInfo": info}
        elif mode == "rewrite":
            text = doc.get("Text", "***")
            if not isinstance(text, str):
                raise ValueError("rewrite takes a string Text")
            new = {"Mode": "rewrite", "Text": text}
        else:
            raise ValueError("Mode is allow, refuse or rewrite")
        with self._lock:
            self.mode = new
        return new


@dataclass
class CallbackSite(PushingSite):
    """The stack's site plus the callback receiver's paths (see the module docstring)."""

    receiver: CallbackReceiver = field(default_factory=CallbackReceiver)

    def handles(self, method: str, path: str) -> bool:
        return unquote(urlsplit(path).path) in (CALLBACKS_PATH, RECEIVE_PATH) or super().handles(method, path)

    def answer(self, method: str, path: str, body: bytes | None) -> Reply:
        parts = urlsplit(path)
        target = unquote(parts.path)
        if target == RECEIVE_PATH:
            if method != "POST":
                return _json(405, {"error": "callbacks are POSTed"})
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            return _json(200, self.receiver.receive(query, body or b""))
        if target != CALLBACKS_PATH:
            return super().answer(method, path, body)
        if method in ("GET", "HEAD"):
            return _json(200, {"Mode": self.receiver.mode, "Callbacks": self.receiver.last()})
        if method != "POST":
            return _json(405, {"error": "GET the log, POST a mode"})
        try:
            mode = self.receiver.tell(json.loads((body or b"{}").decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as exc:
            return _json(400, {"error": str(exc)})
        return _json(200, {"Mode": mode})


def with_callbacks(site: Site, receiver: CallbackReceiver) -> CallbackSite:
    pushes = site.pushes if isinstance(site, PushingSite) else None
    extra: dict[str, Any] = {} if pushes is None else {"pushes": pushes}
    return CallbackSite(
        site.config, site.sign, site.import_account, site.web_dir, site.sdk_bundle, receiver=receiver, **extra
    )


def configure_demo_callbacks(sdkappid: int, rest_url: str) -> str:
    """Point the demo app's callbacks (every command) at the receiver; returns the URL."""
    from chalicelib.wiring import services

    url = f"{rest_url}{RECEIVE_PATH}"
    svc = services()
    svc.callbacks.configure(svc.apps.get(sdkappid), url=url, commands=["all"])
    return url
