"""The web app on the REST port (local stack only): web/ files, the SDK bundle, `/config.json` and `/dev/usersig`.

Paths under /v4, and anything that is not one of these, stay the app's (Chalice, which answers API Gateway's 403).
`/dev/usersig` hands out UserSigs for the demo app to anyone who asks: that is only acceptable on 127.0.0.1, so it
lives in the devstack and never in app.py (a deployed page gets its UserSigs from the app backend, see README
"Web app and console").
"""

from __future__ import annotations

import json
import logging
import mimetypes
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger("devstack.site")

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
SDK_BUNDLE = ROOT / "sdk" / "js" / "dist" / "yuntong-chat.mjs"
SDK_PATH = "/sdk/yuntong-chat.mjs"
USERSIG_PATH = "/dev/usersig"
CONFIG_PATH = "/config.json"
MAX_BODY = 4096
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
# The page loads only its own scripts and styles and talks to its own REST origin, the websocket port and the media
# storage (moto's port here: the SDK POSTs uploads to presigned URLs there).
CSP = (
    "default-src 'self'; img-src 'self' data: https: http:; connect-src 'self' ws: wss: http://127.0.0.1:* https:; "
    "object-src 'none'"
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


def _json(status: int, obj: Any) -> Reply:
    return Reply(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


@dataclass
class Site:
    """What the page needs from the stack. `sign(user)` makes a UserSig; `import_account(user)` creates one."""

    config: Mapping[str, Any]
    sign: Callable[[str], str]
    import_account: Callable[[str], None]
    web_dir: Path = WEB_DIR
    sdk_bundle: Path = SDK_BUNDLE

    def handles(self, method: str, path: str) -> bool:
        """The dev UserSig path, and GET/HEAD of the config, the SDK and web/'s files; every other request stays
        the app's (so /v4 is Chalice's, and an unknown path gets API Gateway's 403 as before)."""
        target = unquote(urlsplit(path).path)
        if target == USERSIG_PATH:
            return True
        if method not in ("GET", "HEAD") or target == "/v4" or target.startswith("/v4/"):
            return False
        return target in (CONFIG_PATH, SDK_PATH) or self._static_file(target) is not None

    def answer(self, method: str, path: str, body: bytes | None) -> Reply:
        target = unquote(urlsplit(path).path)
        if target == USERSIG_PATH:
            if method != "POST":
                return _json(405, {"error": 'POST a JSON body {"UserID": ..., "Import": false}'})
            return self._usersig(body or b"")
        if method not in ("GET", "HEAD"):
            return _json(405, {"error": f"{method} is not served here"})
        if target == CONFIG_PATH:
            return _json(200, self.config)
        if target == SDK_PATH:
            return self._file(self.sdk_bundle, missing="the SDK is not built: run `make sdk`")
        return self._static(target)

    def _usersig(self, raw: bytes) -> Reply:
        from chalicelib.domain import errors
        from chalicelib.domain.ids import check_user_id

        if len(raw) > MAX_BODY:
            return _json(413, {"error": "body too large"})
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _json(400, {"error": "body must be JSON"})
        user = data.get("UserID") if isinstance(data, dict) else None
        if not isinstance(user, str):
            return _json(400, {"error": "UserID (a string) is required"})
        try:
            check_user_id(user, field="UserID")
            if data.get("Import") is True:
                self.import_account(user)
        except errors.DomainError as exc:
            return _json(400, {"error": exc.info, "ErrorCode": exc.error_code})
        return _json(200, {"UserID": user, "UserSig": self.sign(user), "SDKAppID": self.config["SDKAppID"]})

    def _static_file(self, target: str) -> Path | None:
        """The file of web/ a path names (`/` is index.html); None outside web/, for hidden or missing files."""
        if target.endswith("/"):
            target += "index.html"
        root = self.web_dir.resolve()
        candidate = (root / target.lstrip("/")).resolve()
        if not candidate.is_relative_to(root) or candidate.name.startswith(".") or not candidate.is_file():
            return None
        return candidate

    def _static(self, target: str) -> Reply:
        found = self._static_file(target)
        return _json(404, {"error": "not found"}) if found is None else self._file(found, missing="not found")

    def _file(self, path: Path, *, missing: str) -> Reply:
        if not path.is_file():
            return _json(404, {"error": missing})
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("javascript"):
            kind += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if path.suffix == ".html":
            headers["Content-Security-Policy"] = CSP
        return Reply(200, path.read_bytes(), kind, headers)


def demo_site(sdkappid: int, secret_key: str, admin: str, ws_url: str) -> Site:
    """The site for the demo app of the running stack (called once its services exist)."""
    from chalicelib.domain import usersig
    from chalicelib.wiring import services

    def sign(user: str) -> str:
        return usersig.generate(sdkappid, secret_key, user, int(time.time()))

    def import_account(user: str) -> None:
        services().accounts.import_account(sdkappid, user)

    config = {"SDKAppID": sdkappid, "serverURL": ws_url, "admin": admin, "stage": "local", "userSigURL": USERSIG_PATH}
    return Site(config, sign, import_account)
