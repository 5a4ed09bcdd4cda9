"""Callbacks to the app backend over real sockets (`python -m devstack` and an HTTP server of the test's own):
a before-send refusal with an app code fails the send and stores nothing, a rewrite delivers the rewritten text,
a hanging backend costs the sender at most the timeout (the message goes through), after-send callbacks arrive
once per message while the backend restarts, State.StateChange for login and logout, and outside the local stage
a private address is refused. Account names are unique per test (the stack lives for the session)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.harness import LocalStack, WsClient, free_port

pytestmark = pytest.mark.e2e

_run = itertools.count(1)
BEFORE, AFTER, STATE = "C2C.CallbackBeforeSendMsg", "C2C.CallbackAfterSendMsg", "State.StateChange"


def _names(*users: str) -> list[str]:
    n = next(_run)
    return [f"{user}-cb{n}" for user in users]


class Backend:
    """The app backend: records every callback, answers per `mode` ("allow", "refuse", "rewrite", "hang")."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "allow"
        self.release = threading.Event()
        self.calls: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/im-callback"

    def start(self) -> None:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                with backend.lock:
                    backend.calls.append((query, body))
                answer: dict[str, Any] = {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}
                if query["CallbackCommand"] == BEFORE:
                    if backend.mode == "refuse":
                        answer = {"ActionStatus": "FAIL", "ErrorCode": 120005, "ErrorInfo": "moderated"}
                    elif backend.mode == "rewrite":
                        answer["MsgBody"] = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "[rewritten]"}}]
                    elif backend.mode == "hang":
                        backend.release.wait(60)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def of(self, command: str, **match: Any) -> list[dict[str, Any]]:
        with self.lock:
            found = [b for q, b in self.calls if q["CallbackCommand"] == command]
        return [b for b in found if all(b.get(k) == v for k, v in match.items())]

    def wait(self, command: str, count: int, timeout: float = 90.0, **match: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(command, **match)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"{count} {command} callback(s) {match} did not arrive; got {self.of(command)}")


@pytest.fixture
def backend(stack: LocalStack) -> Iterator[Backend]:
    running = Backend()
    running.start()
    try:
        yield running
    finally:
        running.release.set()
        stack.rest("openconfigsvr/delete_callback_config", {})
        running.stop()


def _ok(stack: LocalStack, name: str, body: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    reply = stack.rest(name, body, identifier)
    assert reply.status_code == 200, reply.text
    out: dict[str, Any] = reply.json()
    assert out["ActionStatus"] == "OK", out
    return out


def _configure(stack: LocalStack, backend: Backend, *commands: str, **extra: Any) -> None:
    _ok(stack, "openconfigsvr/set_callback_config", {"URL": backend.url, "Commands": list(commands), **extra})


def _import(stack: LocalStack, *users: str) -> None:
    for user in users:
        _ok(stack, "im_open_login_svc/account_import", {"UserID": user})


def _body(sender: str, recipient: str, text: str) -> dict[str, Any]:
    msg = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
    return {"From_Account": sender, "To_Account": recipient, "MsgRandom": next(_run), "MsgBody": msg}


def _history(stack: LocalStack, a: str, b: str) -> list[dict[str, Any]]:
    body = {"Operator_Account": a, "Peer_Account": b, "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**31}
    messages: list[dict[str, Any]] = _ok(stack, "openim/admin_getroammsg", body)["MsgList"]
    return messages


def _event(client: WsClient, name: str) -> dict[str, Any]:
    while True:
        frame = client.recv_json(timeout=10)
        if frame.get("event") == name:
            data: dict[str, Any] = frame["data"]
            return data


def test_a_before_send_refusal_fails_the_send_with_the_apps_code_and_stores_nothing(stack, backend):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    _configure(stack, backend, BEFORE, AFTER)
    backend.mode = "refuse"
    out = stack.rest("openim/sendmsg", _body(alice, bob, "spam")).json()
    assert (out["ErrorCode"], out["ErrorInfo"]) == (120005, "moderated")
    assert _history(stack, alice, bob) == []
    (asked,) = backend.of(BEFORE, From_Account=alice)
    assert asked["To_Account"] == bob and asked["MsgBody"][0]["MsgContent"]["Text"] == "spam"
    assert backend.of(AFTER, From_Account=alice) == []


def test_a_rewrite_delivers_the_rewritten_text(stack, backend):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    _configure(stack, backend, BEFORE)
    backend.mode = "rewrite"
    with stack.ws_connect(bob) as bob_phone:
        _ok(stack, "openim/sendmsg", _body(alice, bob, "original words"))
        pushed = _event(bob_phone, "c2c_msg")
    assert pushed["MsgBody"][0]["MsgContent"]["Text"] == "[rewritten]"
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in _history(stack, bob, alice)] == ["[rewritten]"]


def test_a_hanging_backend_costs_at_most_the_timeout_and_the_message_goes_through(stack, backend):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    _configure(stack, backend, BEFORE, TimeoutMs=500)  # OnFailure: allow (the default)
    backend.mode = "hang"  # holds every before-callback until the test ends
    out = _ok(stack, "openim/sendmsg", _body(alice, bob, "through"))
    assert not backend.release.is_set() and len(backend.of(BEFORE, From_Account=alice)) == 1  # still hanging
    assert [m["MsgKey"] for m in _history(stack, alice, bob)] == [out["MsgKey"]]


def test_after_send_callbacks_arrive_once_per_message_while_the_backend_restarts(stack, backend):
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    _configure(stack, backend, AFTER, Token="e2e-token")
    backend.stop()  # the backend is down: the first attempts fail, the task queue retries later
    keys = [_ok(stack, "openim/sendmsg", _body(alice, bob, f"m{i}"))["MsgKey"] for i in range(3)]
    time.sleep(1.5)
    backend.start()  # back on the same port
    got = backend.wait(AFTER, 3, From_Account=alice)
    time.sleep(2)  # a duplicate would come now (it would share its message's CallbackId)
    got = backend.of(AFTER, From_Account=alice)
    by_key: dict[str, set[str]] = {}
    for body in got:
        by_key.setdefault(body["MsgKey"], set()).add(body["CallbackId"])
    assert sorted(by_key) == sorted(keys) and all(len(ids) == 1 for ids in by_key.values())
    for body in got:
        assert body["To_Account"] == bob and body["SendMsgResult"] == 0
        assert {"MsgSeq", "MsgRandom", "MsgTime", "MsgBody", "EventTime", "OnlineOnlyFlag"} <= set(body)
    with backend.lock:
        queries = [q for q, b in backend.calls if q["CallbackCommand"] == AFTER]
    assert all(q["OptPlatform"] == "RESTAPI" and q["Sign"] and q["SdkAppid"] == str(stack.sdkappid) for q in queries)
    assert all(q["ClientIP"] == "127.0.0.1" for q in queries)  # the REST caller's address


def test_state_change_arrives_for_login_and_logout(stack, backend):
    (carol,) = _names("carol")
    _import(stack, carol)
    _configure(stack, backend, STATE)
    client = stack.ws_connect(carol, platform="Android")
    login = backend.wait(STATE, 1)
    client.close()  # a normal close (1000): a logout
    backend.wait(STATE, 2)
    infos = [b["Info"] for b in backend.of(STATE) if b["Info"]["To_Account"] == carol]
    assert infos[0] == {"Action": "Login", "To_Account": carol, "Reason": "Register"}, login
    assert infos[1] == {"Action": "Logout", "To_Account": carol, "Reason": "Unregister"}


def test_outside_the_local_stage_a_private_address_is_refused():
    """A stack whose callbacks follow the deployed stages' rule (YUNTONG_CALLBACK_LOCAL_URLS=0)."""
    strict = LocalStack.launch(YUNTONG_CALLBACK_LOCAL_URLS="0")
    try:
        for url in (
            "https://10.0.0.1/im",
            "https://127.0.0.1/im",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/im",
            "https://localhost/im",
            f"http://127.0.0.1:{free_port()}/im",
        ):
            out = strict.rest("openconfigsvr/set_callback_config", {"URL": url, "Commands": [BEFORE]}).json()
            assert out["ErrorCode"] == 70402, (url, out)
        got = strict.rest("openconfigsvr/get_callback_config", {}).json()["CallbackConfig"]
        assert got["URL"] == ""
    finally:
        assert strict.interrupt() == 0


def test_the_dev_receiver_records_callbacks_and_refuses_or_rewrites_when_told(stack):
    """`/dev/callbacks`: the local stack's own receiver (devstack only), as a developer would use it."""
    import requests

    base = f"http://127.0.0.1:{stack.http_port}"
    alice, bob = _names("alice", "bob")
    _import(stack, alice, bob)
    try:
        url = f"{base}/dev/callbacks/receive"
        _ok(stack, "openconfigsvr/set_callback_config", {"URL": url, "Commands": [BEFORE, AFTER]})
        assert requests.post(f"{base}/dev/callbacks", json={"Mode": "rewrite", "Text": "***"}, timeout=5).ok
        _ok(stack, "openim/sendmsg", _body(alice, bob, "darn"))
        assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in _history(stack, alice, bob)] == ["***"]
        told = {"Mode": "refuse", "ErrorCode": 120009, "ErrorInfo": "not here"}
        assert requests.post(f"{base}/dev/callbacks", json=told, timeout=5).json() == {"Mode": told}
        out = stack.rest("openim/sendmsg", _body(alice, bob, "again")).json()
        assert (out["ErrorCode"], out["ErrorInfo"]) == (120009, "not here")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the after-send of the first message comes through the queue
            log = requests.get(f"{base}/dev/callbacks", timeout=5).json()
            mine = [c for c in log["Callbacks"] if c["Body"].get("From_Account") == alice]
            if [c["Command"] for c in mine] == [BEFORE, AFTER, BEFORE]:
                break
            time.sleep(0.3)
        assert [c["Command"] for c in mine] == [BEFORE, AFTER, BEFORE], log
        assert mine[1]["Body"]["MsgBody"][0]["MsgContent"]["Text"] == "***"
        assert mine[0]["Query"]["SdkAppid"] == str(stack.sdkappid) and mine[0]["Query"]["OptPlatform"] == "RESTAPI"
        assert requests.post(f"{base}/dev/callbacks", json={"Mode": "maybe"}, timeout=5).status_code == 400
    finally:
        requests.post(f"{base}/dev/callbacks", json={"Mode": "allow", "Clear": True}, timeout=5)
        stack.rest("openconfigsvr/delete_callback_config", {})
