"""The REST API on a local port: Chalice's own local API Gateway emulation (chalice.local), in a thread.

The web app's files, its config and the dev UserSig path go to the Site (devstack/site.py) once the stack has set
one; everything else, /v4 first, is Chalice's (unknown paths: API Gateway's 403).
"""

from __future__ import annotations

import functools
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.deploy.validate import validate_routes
from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer, create_local_server

from devstack.site import Site

log = logging.getLogger("devstack.rest")


class _RequestHandler(ChaliceRequestHandler):
    """Chalice's handler, logging one short line per request (the query string holds a UserSig: left out), and
    registering its socket so that stopping the server also ends idle keep-alive connections and their threads."""

    def __init__(self, *args: Any, sockets: set[socket.socket], site: Callable[[], Site | None], **kwargs: Any) -> None:
        self._sockets = sockets
        self._site = site
        super().__init__(*args, **kwargs)

    def _generic_handle(self) -> None:
        site = self._site()
        if site is None or not site.handles(self.command, self.path):
            super()._generic_handle()
            return
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else None
        reply = site.answer(self.command, self.path, body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def setup(self) -> None:
        super().setup()
        self._sockets.add(self.connection)

    def finish(self) -> None:
        self._sockets.discard(self.connection)
        super().finish()

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/v4/"):  # the app's own JSON line already says it (cmd, code, ms): one line per call
            log.debug("%s %s -> %s", self.command, path, code)
            return
        log.info("%s %s -> %s", self.command, path, code)


class RestServer:
    """Builds API Gateway proxy events from raw HTTP (any method, body with or without Content-Type)."""

    def __init__(self, app: Chalice, config: Config, host: str, port: int) -> None:
        self._app = app
        self._config = config
        self.host = host
        self.port = port
        self._server: LocalDevServer | None = None
        self._thread: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self.site: Site | None = None  # set once the demo app exists (devstack/__main__.py)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        validate_routes(self._app.routes)  # what `chalice deploy` would refuse, refuse here too
        if isinstance(self._app, LocalChalice):  # already prepared for local serving (its class is swapped once)
            self._server = LocalDevServer(self._app, self._config, self.host, self.port)
        else:
            # makes app.current_request thread-local: requests are served on concurrent threads
            self._server = create_local_server(self._app, self._config, self.host, self.port)
        self._server.server.RequestHandlerClass = functools.partial(
            _RequestHandler, app_object=self._app, config=self._config, sockets=self._sockets, site=lambda: self.site
        )
        server = self._server.server
        self._thread = threading.Thread(target=lambda: server.serve_forever(0.1), name="rest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server.server_close()  # shutdown() alone leaves the listening socket open
        for sock in list(self._sockets):  # keep-alive clients would otherwise hold a handler thread forever
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)
