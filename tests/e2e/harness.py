"""The e2e harness: `python -m devstack` as a subprocess on free ports, a REST caller and a sync websocket client."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import requests
import websocket
from TLSSigAPIv2 import TLSSigAPIv2

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_LINE = "Yuntong local stack is running"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


class WsClient:
    """A blocking websocket client (websocket-client) whose reads give up after a timeout."""

    def __init__(self, url: str, timeout: float = 5.0, **options: Any) -> None:
        self.ws = websocket.create_connection(url, timeout=timeout, **options)

    def send(self, text: str) -> None:
        self.ws.send(text)

    def send_json(self, obj: Any) -> None:
        self.ws.send(json.dumps(obj, ensure_ascii=False))

    def recv(self, timeout: float = 5.0) -> str:
        """The next text frame; raises websocket.WebSocketTimeoutException if none arrives in time."""
        self.ws.settimeout(timeout)
        data = self.ws.recv()
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)

    def recv_json(self, timeout: float = 5.0) -> Any:
        return json.loads(self.recv(timeout))

    def recv_close(self, timeout: float = 5.0) -> int:
        """Wait for the server to close the socket; returns its close code."""
        self.ws.settimeout(timeout)
        opcode, frame = self.ws.recv_data_frame(True)
        while opcode != websocket.ABNF.OPCODE_CLOSE:
            opcode, frame = self.ws.recv_data_frame(True)
        return int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else 1005

    @property
    def connected(self) -> bool:
        return bool(self.ws.connected)

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class LocalStack:
    """A running `python -m devstack` and what a client needs to use it."""

    process: subprocess.Popen[bytes]
    log_path: Path
    http_port: int
    ws_port: int
    aws_port: int
    sdkappid: int
    key: str
    admin: str
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def rest_url(self) -> str:
        return f"http://{HOST}:{self.http_port}/v4"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.ws_port}"

    @property
    def ports(self) -> list[int]:
        return [self.http_port, self.ws_port, self.aws_port]

    def sig(self, identifier: str) -> str:
        """A UserSig made by Tencent's own PyPI package, as an app backend would."""
        return str(TLSSigAPIv2(self.sdkappid, self.key).gen_sig(identifier))

    def url(self, name: str, identifier: str | None = None) -> str:
        who = identifier or self.admin
        query = {"sdkappid": self.sdkappid, "identifier": who, "usersig": self.sig(who), "random": "99"}
        return f"{self.rest_url}/{name}?{urlencode({**query, 'contenttype': 'json'})}"

    def rest(
        self, name: str, body: Any = None, identifier: str | None = None, method: str = "POST"
    ) -> requests.Response:
        """Raw UTF-8 body and no Content-Type header, like Tencent's server SDKs."""
        data = json.dumps(body if body is not None else {}, ensure_ascii=False).encode("utf-8")
        return requests.request(method, self.url(name, identifier), data=data, timeout=15)

    def ws_connect(self, identifier: str, platform: str = "Web", timeout: float = 5.0) -> WsClient:
        query = urlencode(
            {"sdkappid": self.sdkappid, "identifier": identifier, "usersig": self.sig(identifier), "platform": platform}
        )
        return WsClient(f"{self.ws_url}/?{query}", timeout=timeout)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cli(self, *args: str) -> str:
        """Run the `yuntong` CLI against this stack's moto, as an operator would; returns its output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        done = subprocess.run(
            [sys.executable, "-m", "yuntong_cli.main", *args, "--endpoint", f"http://127.0.0.1:{self.aws_port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C (SIGINT to the process group, as a terminal sends it); returns the exit code.

        The stack's own stop budget is up to ~30 s (REST 5 s, gateway drain 4 x 5 s, handlers 5 s) before moto stops,
        so a loaded machine (CI beside other work) needs more than that here; a stack that never stops still fails."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
            raise AssertionError(f"the stack ignored SIGINT for {timeout}s:\n{self.output()[-3000:]}") from None
        finally:
            if self._log is not None:
                self._log.close()

    @classmethod
    def launch(cls, timeout: float = 60.0, **env: str) -> LocalStack:
        ports = {"YUNTONG_HTTP_PORT": free_port(), "YUNTONG_WS_PORT": free_port(), "YUNTONG_AWS_PORT": free_port()}
        key = "e2e-" + os.urandom(16).hex()
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        child_env.update({k: str(v) for k, v in ports.items()})
        child_env.update(
            {"YUNTONG_SECRET_KEY": key, "YUNTONG_SDKAPPID": "1400000001", "YUNTONG_ADMIN": "administrator"}
        )
        child_env.update({"PYTHONUNBUFFERED": "1", **env})
        log_file = tempfile.NamedTemporaryFile(prefix="devstack-", suffix=".log", delete=False)
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=child_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGINT reaches it and only it
        )
        stack = cls(
            process=process,
            log_path=Path(log_file.name),
            http_port=ports["YUNTONG_HTTP_PORT"],
            ws_port=ports["YUNTONG_WS_PORT"],
            aws_port=ports["YUNTONG_AWS_PORT"],
            sdkappid=int(child_env["YUNTONG_SDKAPPID"]),
            key=key,
            admin=child_env["YUNTONG_ADMIN"],
            _log=log_file,
        )
        try:
            stack.wait_ready(timeout)
        except BaseException:
            stack.interrupt()
            raise
        return stack

    def wait_ready(self, timeout: float) -> None:
        """Until the banner is printed (demo app created) and both REST and the websocket port answer HTTP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"devstack exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            if READY_LINE in self.output() and self._answers():
                return
            time.sleep(0.2)
        raise AssertionError(f"devstack not ready after {timeout}s:\n{self.output()[-3000:]}")

    def _answers(self) -> bool:
        try:
            rest = self.rest("im_open_login_svc/account_check", {"CheckItem": [{"UserID": self.admin}]})
            ws = requests.get(f"http://{HOST}:{self.ws_port}/@connections/probe", timeout=2)
        except requests.RequestException:
            return False
        return rest.status_code == 200 and ws.status_code in (403, 410)
