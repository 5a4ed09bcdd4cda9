"""moto for the local stack: its server on a local port for the CLI, browsers and other processes, and the same
backends answering this process's own boto3/PynamoDB calls in-process (no HTTP hop per DynamoDB request).

moto keeps its state in module-level backends (`moto.backends`), keyed by account and region: the server thread and
`mock_aws()` in this process read and write the same ones. Both sides use the fake credentials below, so both land in
moto's default account (123456789012), and the app's region (us-east-1) on both. In-process, botocore's requests to
AWS's own hostnames (https://dynamodb.us-east-1.amazonaws.com, sqs, sns...) are answered by moto before any socket
opens; a request to any other URL passes through unchanged: S3 stays on the port (presigned URLs are for browsers,
so the app's S3 client must use the port's URL), @connections stays on the websocket gateway.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

from moto import mock_aws
from moto.core.config import default_user_config
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
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
        partition_queries()  # moto's Query would read the whole table (see below)
        one_dynamodb_request_at_a_time()
        super().start()
        if self.error is not None:
            raise OSError(f"moto could not listen on {self._ip_address}:{self._port}: {self.error}") from self.error

    def stop(self) -> None:
        server: Any = self._server
        if server is None or self.error is not None:
            return
        super().stop()
        server.server_close()  # shutdown() alone leaves the listening socket open


class InProcessAws:
    """`mock_aws()` for the whole stack process, on the backends the MotoServer thread serves (never reset here)."""

    def __init__(self) -> None:
        config = copy.deepcopy(default_user_config)
        config["core"]["mock_credentials"] = False  # keep FAKE_CREDENTIALS: the same account as the port's
        config["core"]["reset_boto3_session"] = False
        self._mock = mock_aws(config=config)
        self.active = False

    def start(self) -> None:
        self._mock.start(reset=False)  # reset=True would wipe what the server already holds
        self.active = True

    def stop(self) -> None:
        if self.active:
            self._mock.stop(remove_data=False)  # the process is ending: dropping moto's state only costs time
            self.active = False


_partition = threading.local()


def partition_queries() -> None:
    """Make moto's Query on a table's own key read one partition, not the whole table (idempotent).

    moto answers every Query by listing and sorting *all* items of the table, then keeping those of the asked
    partition: a Query's cost grows with everything ever stored (the local stack's CPU per message grew with its
    message history; DynamoDB reads the partition only). Here a Query without IndexName lists the asked partition
    only; the rest of moto's code (order, limits, filters, paging) is unchanged. Index queries keep moto's full scan.
    """
    if getattr(Table.query, "_partition_local", False):
        return
    list_all = Table.all_items
    query = Table.query

    def all_items(self: Table) -> list[Any]:
        asked = getattr(_partition, "key", None)
        if asked is None or asked[0] is not self:
            return list_all(self)
        part = self.items.get(asked[1])  # .get: `items` is a defaultdict, a lookup must not add a partition
        if part is None:
            return []
        return list(part.values()) if self.range_key_attr else [part]

    def partition_query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _partition.key = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.key = None

    partition_query._partition_local = True  # type: ignore[attr-defined]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = partition_query  # type: ignore[method-assign]


_dynamodb_lock = threading.RLock()


def one_dynamodb_request_at_a_time() -> None:
    """Run moto's DynamoDB requests one at a time in this process (idempotent).

    DynamoDB applies each request atomically; moto does not lock at all, and the stack runs requests from many
    threads (Lambda workers in-process, the server's request threads for the port). Two UpdateItems creating the same
    item could interleave into one with half its attributes, and TransactWriteItems' backup copy of a table failed
    with "dictionary changed size during iteration" under writes. moto's DynamoDB never waits inside a request, and
    the GIL already runs one thread at a time, so the lock costs next to nothing.
    """
    if getattr(DynamoHandler.call_action, "_one_at_a_time", False):
        return
    call_action = DynamoHandler.call_action

    def locked(self: DynamoHandler) -> Any:
        with _dynamodb_lock:
            return call_action(self)

    locked._one_at_a_time = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = locked  # type: ignore[method-assign]
