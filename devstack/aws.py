"""moto's server on a local port: DynamoDB, SQS and every other AWS API the app calls, with fake credentials."""

from __future__ import annotations

import logging
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that reports a failed bind instead of waiting forever, and frees its port when stopped."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.error: BaseException | None = None
        # one log line per AWS call drowns the app's own logs
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    @property
    def endpoint(self) -> str:
        return f"http://{self._ip_address}:{self._port}"

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except BaseException as exc:  # noqa: BLE001 - start() re-raises it in the caller's thread
            self.error = exc
            self._server_ready_event.set()

    def start(self) -> None:
        super().start()
        if self.error is not None:
            raise OSError(f"moto could not listen on {self._ip_address}:{self._port}: {self.error}") from self.error

    def stop(self) -> None:
        server: Any = self._server
        if server is None or self.error is not None:
            return
        super().stop()
        server.server_close()  # shutdown() alone leaves the listening socket open
