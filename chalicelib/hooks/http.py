"""The callback HTTP client (services/callbacks.CallbackHttp) on http.client.

Not `requests`/urllib3's pool: the client must connect to the very address it checked (resolve, check every
address, connect to that IP while TLS verifies the host name through SNI: no DNS rebinding between the check and
the connection), never follow a redirect, give up after one deadline for the whole exchange (a timer shuts the
socket, so a server that trickles bytes cannot stretch it), and read a bounded answer. http.client does exactly
the one request asked and nothing else; the adapter adds those rules in a few lines.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping

from chalicelib.domain import callbacks as rules
from chalicelib.services.callbacks import CallbackFailed, Reply


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class HttpCallbackClient:
    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._tls: ssl.SSLContext | None = context  # made on the first https callback (loading CAs takes ~50 ms)

    @property
    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def resolve(self, host: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise CallbackFailed(f"{host} does not resolve ({exc.__class__.__name__})") from exc
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    def post(
        self,
        target: rules.Target,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout: float,
        *,
        allow_private: bool,
    ) -> Reply:
        deadline = time.monotonic() + timeout
        addresses = self.resolve(target.host)
        if not allow_private:
            for address in addresses:  # checked at call time too: the name may resolve elsewhere since
                refusal = rules.address_refusal(address)
                if refusal:
                    raise CallbackFailed(f"refused address: {refusal}")
        if not addresses:
            raise CallbackFailed(f"{target.host} has no address")
        conn = self._connection(target, addresses[0], max(0.01, deadline - time.monotonic()))
        timer: threading.Timer | None = None
        try:
            conn.connect()
            sock = conn.sock
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
            timer.daemon = True
            timer.start()
            conn.request("POST", path, body=body, headers={**headers, "Connection": "close"})
            response = conn.getresponse()  # a 3xx is an answer like any other: never followed
            data = response.read(rules.MAX_RESPONSE_BYTES + 1)
            if len(data) > rules.MAX_RESPONSE_BYTES:
                raise CallbackFailed(f"the answer exceeds {rules.MAX_RESPONSE_BYTES} bytes")
            if time.monotonic() > deadline:
                raise CallbackFailed(f"no answer within {timeout:.1f} s")
            return Reply(response.status, data)
        except CallbackFailed:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            late = time.monotonic() >= deadline
            raise CallbackFailed(f"no answer within {timeout:.1f} s" if late else exc.__class__.__name__) from exc
        finally:
            if timer is not None:
                timer.cancel()
            conn.close()

    def _connection(self, target: rules.Target, address: str, timeout: float) -> http.client.HTTPConnection:
        if target.scheme == "https":
            return _PinnedHttps(target.host, target.port, address, timeout, self._context)
        return _PinnedHttp(target.host, target.port, address, timeout)


def _shut(sock: socket.socket | None) -> None:
    """The deadline passed: unblock whatever read or write is waiting on the socket."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
