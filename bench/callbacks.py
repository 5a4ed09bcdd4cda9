"""The latency a before-callback adds (README "Callbacks"): the callback HTTP client against a receiver on this
machine, then whole sendmsg calls (moto, chalice.test) without and with C2C.CallbackBeforeSendMsg. Timings of this
machine, printed only; the DynamoDB requests of a send with a before-callback are counted too (the configuration
is cached: none of its own)."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.counting import count_dynamodb
from bench.sandbox import sandbox
from chalicelib.domain import callbacks as cb
from chalicelib.hooks.http import HttpCallbackClient

CALLS = 200
SENDS = 100
ANSWER = b'{"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}'


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    finally:
        server.shutdown()
        server.server_close()


def _timed(call: Callable[[], Any], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered):6.2f} ms  p95 {p95:6.2f} ms  max {ordered[-1]:6.2f} ms"


def measure(calls: int = CALLS, sends: int = SENDS) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with receiver() as url:
        client = HttpCallbackClient()
        target = cb.check_url(url, local=True)
        body = cb.encode(
            cb.c2c_send(
                cb.C2C_BEFORE_SEND, sender="alice", recipient="bob", msg_seq=1, msg_random=1, msg_time=1,
                msg_key="1_1_1", online_only=False, body=[{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
                cloud=None, event_ms=1,
            )
        )  # fmt: skip
        path = target.with_query(cb.query(1400000001, cb.C2C_BEFORE_SEND, "", "RESTAPI", "token", 1_700_000_000))
        headers = {"Content-Type": "application/json; charset=utf-8"}
        out["callback round trip (new connection each)"] = _timed(
            lambda: client.post(target, path, body, headers, 2.0, allow_private=True), calls
        )
        with sandbox() as sb:
            svc, api = sb.services, sb.api
            svc.callbacks.local = True  # the receiver is on this machine
            for user in ("alice", "bob"):
                api.ok("im_open_login_svc/account_import", {"UserID": user})
            counter = iter(range(1, 10**9))

            def send() -> None:
                sb.clock.advance(0.02)  # within the app's REST rate (100 calls a second)
                msg = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello"}}]
                api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": next(counter),
                                          "MsgBody": msg})  # fmt: skip

            send()
            out["sendmsg without callbacks"] = _timed(send, sends)
            app = svc.apps.get(sb.tenant.sdkappid)
            svc.callbacks.configure(app, url=url, commands=[cb.C2C_BEFORE_SEND])
            send()
            out["sendmsg with C2C.CallbackBeforeSendMsg"] = _timed(send, sends)
            with count_dynamodb() as usage:
                send()
            out["_requests"] = [float(usage.requests)]
            out["_config_reads"] = [float(sum(1 for c in usage.calls if any("-apps" in t for t in c.tables)))]
    return out


def main() -> None:
    figures = measure()
    print("Before-callback latency (this machine; receiver on 127.0.0.1, HTTP/1.1, one connection per callback)")
    for label, times in figures.items():
        if not label.startswith("_"):
            print(f"  {label:<44} {_summary(times)}")
    added = statistics.median(figures["sendmsg with C2C.CallbackBeforeSendMsg"]) - statistics.median(
        figures["sendmsg without callbacks"]
    )
    print(f"  added to a sendmsg by the before-callback (medians): {added:.2f} ms")
    print(
        f"  DynamoDB requests of one send with the callback: {figures['_requests'][0]:.0f} "
        f"(apps table: {figures['_config_reads'][0]:.0f}: the configuration comes from the container's cache)"
    )


if __name__ == "__main__":
    main()
