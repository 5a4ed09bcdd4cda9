"""Count DynamoDB requests and capacity units per operation (moto reports no real capacity, so units are computed).

Units follow DynamoDB's rules: a write costs ceil(item size / 1 KB) (an update the larger of the item before and
after), plus the same again for every GSI the item is in (twice when the index key changes: delete + put); a
failed conditional write still costs its item; a read costs ceil(size / 4 KB), half when eventually consistent.
Item sizes are measured like DynamoDB does (attribute names + values), reading the item before and after each
write through the same client without counting those reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from chalicelib.store.tables import TABLES

_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in v)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in v)
    if kind == "L":
        return 3 + sum(value_size(x) + 1 for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(x) + 1 for k, x in v.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(k.encode("utf-8")) + value_size(v) for k, v in (item or {}).items())


def _gsis(table: str) -> tuple[str, ...]:
    for spec in TABLES:
        if table.endswith(f"-{spec.key}"):
            return spec.gsis
    return ()


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def write_units(table: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    units = _kb(max(item_size(before), item_size(after)))
    for gsi in _gsis(table):
        keys = (f"{gsi}pk", f"{gsi}sk")
        was = before is not None and all(k in before for k in keys)
        now = after is not None and all(k in after for k in keys)
        if was and now and any(before[k] != after[k] for k in keys):  # type: ignore[index]
            units += _kb(item_size(before)) + _kb(item_size(after))
        elif now:
            units += _kb(item_size(after))
        elif was:
            units += _kb(item_size(before))
    return units


def read_units(sizes: list[int], consistent: bool) -> float:
    units = max(1, math.ceil(sum(sizes) / 4096))
    return units if consistent else units / 2


@dataclass
class Call:
    operation: str
    table: str
    index: str | None
    wcu: float = 0.0
    rcu: float = 0.0


@dataclass
class Tally:
    calls: list[Call] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def wcu(self) -> float:
        return sum(c.wcu for c in self.calls)

    @property
    def rcu(self) -> float:
        return sum(c.rcu for c in self.calls)

    def count(self, operation: str) -> int:
        return sum(1 for c in self.calls if c.operation == operation)

    def on(self, table_key: str) -> Tally:
        return Tally([c for c in self.calls if c.table.endswith(f"-{table_key}")])

    def summary(self) -> str:
        ops: dict[str, int] = {}
        for c in self.calls:
            ops[c.operation] = ops.get(c.operation, 0) + 1
        detail = ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
        return f"{self.requests} requests ({detail}); {self.wcu:g} WCU; {self.rcu:g} RCU"


def _key_of(params: dict[str, Any]) -> dict[str, Any]:
    if "Key" in params:
        return dict(params["Key"])
    return {k: params["Item"][k] for k in ("pk", "sk")}


@contextmanager
def counting() -> Iterator[Tally]:
    """Record every DynamoDB call made by any botocore client (boto3 and PynamoDB) inside the block."""
    original = BaseClient._make_api_call
    tally = Tally()

    def peek(client: BaseClient, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        found = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        item: dict[str, Any] | None = found.get("Item")
        return item

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        table = params.get("TableName", "")
        record = Call(operation, table, params.get("IndexName"))
        before = peek(client, table, _key_of(params)) if operation in _WRITES else None
        try:
            result = original(client, operation, params)
        except Exception:
            if operation in _WRITES:  # a failed conditional write still costs its item
                record.wcu = _kb(max(item_size(before), item_size(params.get("Item"))))
            tally.calls.append(record)
            raise
        if operation in _WRITES:
            after = peek(client, table, _key_of(params))
            record.wcu = write_units(table, before, after)
        elif operation == "BatchWriteItem":
            for name, requests in params["RequestItems"].items():
                for request in requests:
                    put = request.get("PutRequest", {}).get("Item")
                    record.wcu += write_units(name, None, put) if put else 1
        elif operation == "GetItem":
            record.rcu = read_units([item_size(result.get("Item"))], bool(params.get("ConsistentRead")))
        elif operation in ("Query", "Scan"):
            record.rcu = read_units([item_size(i) for i in result.get("Items", [])], bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for items in result.get("Responses", {}).values():
                record.rcu += sum(read_units([item_size(i)], False) for i in items)
        tally.calls.append(record)
        return result

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield tally
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
