"""hooks/http.py over a real socket: the request as sent, no redirects, bounded answers, the deadline, and the
address check made at call time (a name that resolves to a private address is refused before connecting)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.domain import callbacks as cb
from chalicelib.hooks.http import HttpCallbackClient
from chalicelib.services.callbacks import CallbackFailed

RELEASE = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        _Handler.seen.append((self.path, dict(self.headers), body))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/hang"):
            RELEASE.wait(30)
        data = b"x" * (cb.MAX_RESPONSE_BYTES + 10) if self.path.startswith("/big") else b'{"ErrorCode": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    _Handler.seen = []
    RELEASE.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


def _target(port: int, path: str = "/ok") -> cb.Target:
    return cb.check_url(f"http://127.0.0.1:{port}{path}", local=True)


def test_posts_the_body_with_the_query_to_the_checked_address(server):
    client = HttpCallbackClient()
    target = _target(server, "/ok?mine=1")
    path = target.with_query(cb.query(1, cb.STATE_CHANGE, "", "Web", "", 1))
    reply = client.post(target, path, b'{"a": 1}', {"Content-Type": "application/json"}, 2.0, allow_private=True)
    assert reply.status == 200 and json.loads(reply.body) == {"ErrorCode": 0}
    ((seen_path, headers, body),) = _Handler.seen
    assert seen_path.startswith("/ok?mine=1&SdkAppid=1&CallbackCommand=State.StateChange")
    assert body == b'{"a": 1}' and headers["Host"] == f"127.0.0.1:{server}"


def test_redirects_are_answers_never_followed(server):
    reply = HttpCallbackClient().post(_target(server, "/redirect"), "/redirect", b"{}", {}, 2.0, allow_private=True)
    assert reply.status == 302 and len(_Handler.seen) == 1


def test_an_oversized_answer_is_a_failure(server):
    with pytest.raises(CallbackFailed, match="exceeds"):
        HttpCallbackClient().post(_target(server, "/big"), "/big", b"{}", {}, 2.0, allow_private=True)


def test_a_hanging_server_costs_the_timeout_and_fails(server):
    with pytest.raises(CallbackFailed, match="no answer"):
        HttpCallbackClient().post(_target(server, "/hang"), "/hang", b"{}", {}, 0.3, allow_private=True)
    assert not RELEASE.is_set()  # the server was still holding the request when the client gave up


def test_private_addresses_are_refused_at_call_time(server):
    with pytest.raises(CallbackFailed, match="refused address"):
        HttpCallbackClient().post(_target(server), "/ok", b"{}", {}, 2.0, allow_private=False)
    assert _Handler.seen == []  # never connected

    class Rebinding(HttpCallbackClient):
        """A name that resolved to a public address when configured, and to loopback now."""

        def resolve(self, host: str) -> list[str]:
            return ["127.0.0.1"]

    target = cb.check_url(f"https://hooks.example.com:{server}/", local=False)
    with pytest.raises(CallbackFailed, match="loopback"):
        Rebinding().post(target, "/", b"{}", {}, 2.0, allow_private=False)
    assert _Handler.seen == []


def test_a_refused_connection_is_a_failure():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CallbackFailed):
        HttpCallbackClient().post(_target(port), "/", b"{}", {}, 1.0, allow_private=True)
