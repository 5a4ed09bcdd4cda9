"""Count DynamoDB requests, items and capacity units made by any code in this process, per operation.

    from bench.counting import count_dynamodb

    with count_dynamodb() as usage:
        api.ok("profile/portrait_get", {...})      # anything: REST calls, services, jobs, other threads
    usage.requests          # 1
    usage.operations        # Counter({"BatchGetItem": 1})
    usage.rcu, usage.wcu    # 0.5, 0.0  (on-demand read / write request units)
    usage.items_read, usage.items_written
    usage.calls             # one Call per request: operation, tables, rcu, wcu, items, failed, callers
    usage.summary()         # "BatchGetItem x1 · items r/w 1/0 · RCU 0.5 · WCU 0"

It wraps botocore's `BaseClient._make_api_call` while the block runs, so it sees every client (PynamoDB's and
boto3's) in every thread, whatever the endpoint: moto in-process (`mock_aws`) or a moto server.

`count_round_trips()` counts an operation's sequential DynamoDB round trips (its critical path), from causality,
not from timing, so it gives the same answer on a busy machine:

    with count_round_trips() as trips:
        api.ok("openim/sendmsg", {...})
    trips.sequential        # 3: BatchGetItem → UpdateItem → PutItem ∥ UpdateItem ∥ Query
    trips.chain()           # "BatchGetItem(1) UpdateItem(2) PutItem(3) UpdateItem(3) Query(3)"

Each thread keeps a logical clock: a request starts at its thread's clock + 1 and leaves the clock there when it
ends; a task handed to a `ThreadPoolExecutor` starts from its submitter's clock, and whoever takes its result
(`Future.result()` / `.exception()`) moves its own clock up to the task's. A request's number is then the length of
the longest chain of requests that had to end before it could start; requests running side by side share one.

Capacity is computed with DynamoDB's billing rules, not taken from the response (moto's ConsumedCapacity is
wrong: 0.5 for an UpdateItem, 2.0 for a BatchGetItem that found one item):
- item size = attribute names + values (strings: UTF-8 bytes; numbers: 1 byte per 2 significant digits + 1;
  lists/maps: 3 bytes + 1 per element; null/bool: 1 byte), after the AWS documentation on item sizes;
- reads: GetItem/BatchGetItem per item, Query/Scan per page on the items evaluated before any filter, in 4 KB
  units, halved unless ConsistentRead; a read that finds nothing still costs the minimum;
- writes: per item, 1 KB units of the larger of the item before and after (a failed condition still costs the
  item's size, at least 1); transactions count double. Each global secondary index the item is in (before or
  after) costs its own units: the item's new size, or the old and the new size when the index key changed (a
  delete and a put in the index), or the old size when the item left the index.
To see sizes a projection or filter hides and items as they were before a write, the counter makes extra reads
of its own (never counted). So use it against moto, not a real table, or pass `measure_capacity=False` to record
requests only (operation, tables, error, callers; no items or units). Table administration (CreateTable,
DescribeTable...) is recorded as requests without items or units.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

READ_UNIT = 4096
WRITE_UNIT = 1024
# Set while the counter makes its own reads: every counter (they may nest) lets those through unrecorded.
_quiet = threading.local()
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
_TABLE_ADMIN = {"CreateTable", "DeleteTable", "DescribeTable", "ListTables", "UpdateTable", "UpdateTimeToLive"}

ApiCall = Callable[[BaseClient, str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One DynamoDB request."""

    operation: str
    tables: tuple[str, ...]
    rcu: float = 0.0
    wcu: float = 0.0
    items_read: int = 0
    items_written: int = 0
    failed: str | None = None  # the error code when the request raised (e.g. ConditionalCheckFailedException)
    callers: tuple[str, ...] = ()  # modules on the stack, innermost first (who made the request)
    index: str = ""  # the secondary index a Query or Scan read ("" the table)


@dataclass
class Usage:
    calls: list[Call] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def operations(self) -> Counter[str]:
        return Counter(c.operation for c in self.calls)

    @property
    def rcu(self) -> float:
        return sum(c.rcu for c in self.calls)

    @property
    def wcu(self) -> float:
        return sum(c.wcu for c in self.calls)

    @property
    def items_read(self) -> int:
        return sum(c.items_read for c in self.calls)

    @property
    def items_written(self) -> int:
        return sum(c.items_written for c in self.calls)

    @property
    def requests_text(self) -> str:
        """`GetItem x1 Query x2`: the requests by operation name, sorted."""
        return " ".join(f"{op} x{n}" for op, n in sorted(self.operations.items())) or "no requests"

    def summary(self) -> str:
        return (
            f"{self.requests_text} · items r/w {self.items_read}/{self.items_written}"
            f" · RCU {_fmt(self.rcu)} · WCU {_fmt(self.wcu)}"
        )


def _fmt(units: float) -> str:
    return f"{units:g}"


def print_table(rows: Sequence[tuple[str, Usage]], first_column: str) -> None:
    """One row per measured operation: its requests, items read/written, RCU and WCU (the benches' common table)."""
    width = max(len(label) for label, _ in rows)
    ops_width = max(len("requests"), *(len(u.requests_text) for _, u in rows))
    print(f"  {first_column:<{width}}  {'requests':<{ops_width}} {'items r/w':>9} {'RCU':>6} {'WCU':>6}")
    for label, u in rows:
        items = f"{u.items_read}/{u.items_written}"
        print(f"  {label:<{width}}  {u.requests_text:<{ops_width}} {items:>9} {u.rcu:>6g} {u.wcu:>6g}")


# --- item sizes -------------------------------------------------------------------------------------------------
def _number_size(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Size in bytes of one attribute value in DynamoDB's wire form ({"S": "x"}, {"N": "1"}, {"M": {...}}...)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Mapping[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(1, math.ceil(size / WRITE_UNIT)))


# --- the counter --------------------------------------------------------------------------------------------------
class _Measure:
    """Computes one request's items and units, reading what it needs through the unpatched call."""

    def __init__(self, raw_call: ApiCall, client: BaseClient) -> None:
        self._raw = raw_call
        self._client = client
        self._keys: dict[str, list[str]] = {}
        self._indexes: dict[str, list[tuple[list[str], str]]] = {}

    def _call(self, client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        _quiet.active = True
        try:
            return self._raw(client, operation, params)
        finally:
            _quiet.active = False

    def key_names(self, table: str) -> list[str]:
        self._describe(table)
        return self._keys[table]

    def index_keys(self, table: str) -> list[tuple[list[str], str]]:
        """The key attribute names and projection type of each global secondary index of the table."""
        self._describe(table)
        return self._indexes[table]

    def _describe(self, table: str) -> None:
        if table not in self._keys:
            desc = self._call(self._client, "DescribeTable", {"TableName": table})["Table"]
            self._keys[table] = [k["AttributeName"] for k in desc["KeySchema"]]
            self._indexes[table] = [
                (
                    [k["AttributeName"] for k in gsi["KeySchema"]],
                    str(gsi.get("Projection", {}).get("ProjectionType", "ALL")),
                )
                for gsi in desc.get("GlobalSecondaryIndexes", [])
            ]

    def current(self, table: str, item_or_key: Mapping[str, Any]) -> dict[str, Any] | None:
        key = {k: item_or_key[k] for k in self.key_names(table) if k in item_or_key}
        out = self._call(self._client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        item: dict[str, Any] | None = out.get("Item")
        return item

    def evaluated(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> list[dict[str, Any]]:
        """The items a Query/Scan page read (before filter and projection)."""
        hidden = any(p in params for p in ("FilterExpression", "ProjectionExpression", "AttributesToGet", "Select"))
        if not hidden:
            items: list[dict[str, Any]] = response.get("Items", [])
            return items
        again = {
            k: v
            for k, v in params.items()
            if k not in ("FilterExpression", "ProjectionExpression", "AttributesToGet", "Select", "QueryFilter")
        }
        used = set(_PLACEHOLDER.findall(str(again.get("KeyConditionExpression", ""))))
        for names in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            kept = {k: v for k, v in again.get(names, {}).items() if k in used}
            if kept:
                again[names] = kept
            else:
                again.pop(names, None)
        full: list[dict[str, Any]] = self._call(self._client, operation, again).get("Items", [])
        return full


def _tables_of(params: Mapping[str, Any]) -> tuple[str, ...]:
    if "TableName" in params:
        return (str(params["TableName"]),)
    if "RequestItems" in params:
        return tuple(params["RequestItems"])
    if "TransactItems" in params:
        return tuple(dict.fromkeys(op["TableName"] for item in params["TransactItems"] for op in item.values()))
    return ()


def _callers() -> tuple[str, ...]:
    names: list[str] = []
    frame: Any = sys._getframe(1)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name != __name__ and (not names or names[-1] != name):
            names.append(name)
        frame = frame.f_back
    return tuple(names)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__


class _Recorder:
    def __init__(self, raw_call: ApiCall, usage: Usage, measure_capacity: bool) -> None:
        self._raw = raw_call
        self._usage = usage
        self._measure_capacity = measure_capacity
        self._lock = threading.Lock()
        self._measures: dict[int, _Measure] = {}

    def _measure(self, client: BaseClient) -> _Measure:
        with self._lock:
            m = self._measures.get(id(client))
            if m is None:
                m = self._measures[id(client)] = _Measure(self._raw, client)
            return m

    def __call__(self, client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if client.meta.service_model.service_name != "dynamodb":
            return self._raw(client, operation, params)
        if operation in _TABLE_ADMIN or not self._measure_capacity:
            return self._record_only(client, operation, params)
        measure = self._measure(client)
        before = self._before(measure, operation, params)
        failed: str | None = None
        response: dict[str, Any] = {}
        try:
            response = self._raw(client, operation, params)
            return response
        except Exception as exc:
            failed = _error_code(exc)
            raise
        finally:
            call = self._account(measure, operation, params, response, before, failed)
            with self._lock:
                self._usage.calls.append(call)

    def _record_only(self, client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        failed: str | None = None
        try:
            return self._raw(client, operation, params)
        except Exception as exc:
            failed = _error_code(exc)
            raise
        finally:
            with self._lock:
                self._usage.calls.append(Call(operation, _tables_of(params), failed=failed, callers=_callers()))

    def _before(self, measure: _Measure, operation: str, params: dict[str, Any]) -> list[dict[str, Any] | None]:
        """Items as they were before a write (their size bills the write when it grows, shrinks or fails)."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [measure.current(params["TableName"], params.get("Item") or params["Key"])]
        if operation == "BatchWriteItem":
            return [
                measure.current(table, req.get("PutRequest", {}).get("Item") or req["DeleteRequest"]["Key"])
                for table, reqs in params["RequestItems"].items()
                for req in reqs
            ]
        if operation == "TransactWriteItems":
            return [
                measure.current(op["TableName"], op.get("Item") or op["Key"])
                for item in params["TransactItems"]
                for op in item.values()
            ]
        return []

    def _account(
        self,
        measure: _Measure,
        operation: str,
        params: dict[str, Any],
        response: dict[str, Any],
        before: list[dict[str, Any] | None],
        failed: str | None,
    ) -> Call:
        if operation in ("GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan"):
            rcu, read = self._read(measure, operation, params, response, failed)
            wcu, written = 0.0, 0
        else:
            wcu, written = self._write(measure, operation, params, before, failed)
            rcu, read = 0.0, 0
        index = str(params.get("IndexName", ""))
        return Call(operation, _tables_of(params), rcu, wcu, read, written, failed, _callers(), index)

    def _read(
        self, measure: _Measure, operation: str, params: dict[str, Any], response: dict[str, Any], failed: str | None
    ) -> tuple[float, int]:
        """(RCU, items read) of a read request."""
        if operation in ("Query", "Scan"):
            items = [] if failed else measure.evaluated(operation, params, response)
            return read_units(sum(item_size(i) for i in items), bool(params.get("ConsistentRead"))), len(items)
        if operation == "GetItem":
            gets = [(params["TableName"], params["Key"], bool(params.get("ConsistentRead")), 1)]
            found = int("Item" in response)
        elif operation == "BatchGetItem":
            gets = [
                (table, key, bool(request.get("ConsistentRead")), 1)
                for table, request in params["RequestItems"].items()
                for key in request["Keys"]
            ]
            found = sum(len(items) for items in response.get("Responses", {}).values())
        else:  # TransactGetItems: strongly consistent, twice the units
            gets = [(e["Get"]["TableName"], e["Get"]["Key"], True, 2) for e in params["TransactItems"]]
            found = sum(1 for r in response.get("Responses", []) if r.get("Item"))
        rcu = sum(factor * read_units(item_size(measure.current(t, k)), c) for t, k, c, factor in gets)
        return rcu, found

    def _write(
        self,
        measure: _Measure,
        operation: str,
        params: dict[str, Any],
        before: list[dict[str, Any] | None],
        failed: str | None,
    ) -> tuple[float, int]:
        """(WCU, items written) of a write request: the larger of each item before and after."""
        writes: list[tuple[str, str, dict[str, Any], int]] = []  # (kind, table, op params, factor)
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            writes = [(operation[: -len("Item")], params["TableName"], params, 1)]
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for req in requests:
                    kind = "Put" if "PutRequest" in req else "Delete"
                    writes.append((kind, table, req.get("PutRequest") or req["DeleteRequest"], 1))
        elif operation == "TransactWriteItems":
            writes = [(kind, op["TableName"], op, 2) for item in params["TransactItems"] for kind, op in item.items()]
        else:
            return 0.0, 0
        wcu = 0.0
        for old, (kind, table, op, factor) in zip(before, writes, strict=True):
            new: dict[str, Any] | None = None
            if not failed and kind == "Put":
                new = op["Item"]
            elif not failed and kind == "Update":
                new = measure.current(table, op["Key"])
            wcu += factor * write_units(max(item_size(old), item_size(new)))
            if not failed:
                wcu += factor * _index_units(measure.index_keys(table), measure.key_names(table), old, new)
        written = 0 if failed else sum(1 for kind, *_ in writes if kind != "ConditionCheck")
        return wcu, written


def _index_units(
    indexes: list[tuple[list[str], str]],
    table_keys: list[str],
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
) -> float:
    """Write units the table's global secondary indexes take for one item write: an index entry is written when the
    item enters or leaves the index, when its index key changes (a delete and a put), and, for an ALL projection,
    on any other change of the item. A KEYS_ONLY index entry holds the index and table keys only, so a write that
    changes neither costs it nothing. (INCLUDE projections are counted as ALL.)"""
    units = 0.0
    for keys, projection in indexes:
        was = old is not None and all(k in old for k in keys)
        now = new is not None and all(k in new for k in keys)
        shown = None if projection != "KEYS_ONLY" else {*keys, *table_keys}
        if was and now and any(old[k] != new[k] for k in keys):  # type: ignore[index]
            units += write_units(_entry_size(old, shown)) + write_units(_entry_size(new, shown))
        elif was and now and shown is not None:
            continue  # same keys: the entry stays as it is
        elif now:
            units += write_units(_entry_size(new, shown))
        elif was:
            units += write_units(_entry_size(old, shown))
    return units


def _entry_size(item: Mapping[str, Any] | None, shown: set[str] | None) -> int:
    """An index entry's size: the whole item, or only the attributes a KEYS_ONLY index holds."""
    if shown is None or item is None:
        return item_size(item)
    return item_size({k: v for k, v in item.items() if k in shown})


_install_lock = threading.Lock()


@contextmanager
def count_dynamodb(measure_capacity: bool = True) -> Iterator[Usage]:
    """Record every DynamoDB request made while the block runs (see the module docstring). Blocks may nest."""
    usage = Usage()
    with _install_lock:
        raw: ApiCall = BaseClient._make_api_call
        recorder = _Recorder(raw, usage, measure_capacity)

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if getattr(_quiet, "active", False):
                return raw(client, operation, params)
            return recorder(client, operation, params)

        BaseClient._make_api_call = counted
    try:
        yield usage
    finally:
        with _install_lock:
            BaseClient._make_api_call = raw


# --- sequential round trips -----------------------------------------------------------------------------------------
_clock = threading.local()
_generation = 0  # each count_round_trips() block starts every thread's clock at 0


def _now() -> int:
    gen, value = getattr(_clock, "value", (-1, 0))
    return int(value) if gen == _generation else 0


def _set(value: int) -> None:
    _clock.value = (_generation, value)


@dataclass
class RoundTrips:
    """An operation's DynamoDB requests, each with its place on the operation's critical path (1 = first)."""

    requests: list[tuple[str, int]] = field(default_factory=list)

    @property
    def sequential(self) -> int:
        """Round trips one after the other from the operation's start to its end (its critical path)."""
        return max((depth for _, depth in self.requests), default=0)

    def chain(self) -> str:
        return " ".join(f"{op}({depth})" for op, depth in sorted(self.requests, key=lambda r: r[1]))


@contextmanager
def count_round_trips(leave_out: Sequence[str] = ()) -> Iterator[RoundTrips]:
    """Record the causal depth of every DynamoDB request made while the block runs (see the module docstring).
    Requests to a table whose name ends with one of `leave_out` are neither recorded nor counted in the depth of
    later ones (e.g. "-counters": the REST rate window's lease, taken by one call in ten)."""
    global _generation
    trips = RoundTrips()
    lock = threading.Lock()
    with _install_lock:
        _generation += 1
        raw_call: ApiCall = BaseClient._make_api_call
        raw_submit = ThreadPoolExecutor.submit
        raw_result = Future.result
        raw_exception = Future.exception

        def call(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if (
                client.meta.service_model.service_name != "dynamodb"
                or getattr(_quiet, "active", False)
                or any(t.endswith(suffix) for t in _tables_of(params) for suffix in leave_out)
            ):
                return raw_call(client, operation, params)
            depth = _now() + 1
            try:
                return raw_call(client, operation, params)
            finally:
                _set(depth)
                with lock:
                    trips.requests.append((operation, depth))

        def submit(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            start = _now()
            ended: list[int] = [start]

            def run() -> Any:
                _set(start)
                try:
                    return fn(*args, **kwargs)
                finally:
                    ended[0] = _now()

            future = raw_submit(self, run)
            future._round_trips = ended  # type: ignore[attr-defined]
            return future

        def _join(future: Future[Any]) -> None:
            ended = getattr(future, "_round_trips", None)
            if ended is not None:
                _set(max(_now(), ended[0]))

        def result(self: Future[Any], timeout: float | None = None) -> Any:
            try:
                return raw_result(self, timeout)
            finally:
                _join(self)

        def exception(self: Future[Any], timeout: float | None = None) -> BaseException | None:
            try:
                return raw_exception(self, timeout)
            finally:
                _join(self)

        BaseClient._make_api_call = call
        ThreadPoolExecutor.submit = submit  # type: ignore[method-assign, assignment]
        Future.result = result  # type: ignore[method-assign]
        Future.exception = exception  # type: ignore[method-assign]
    _set(0)
    try:
        yield trips
    finally:
        with _install_lock:
            BaseClient._make_api_call = raw_call
            ThreadPoolExecutor.submit = raw_submit  # type: ignore[method-assign]
            Future.result = raw_result  # type: ignore[method-assign]
            Future.exception = raw_exception  # type: ignore[method-assign]
