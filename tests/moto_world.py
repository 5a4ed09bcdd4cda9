"""The tests' moto world, handled in memory: emptied after each test, and saved and put back for modules that share one
set of data between tests (tests/api/test_bad_input.py).

Straight on moto's backends instead of the API: emptying every table through Scan and BatchWriteItem and deleting the
queues took ~15 round trips (~0.1 s of CPU) per test; this takes microseconds and leaves the same state. Only the
tests' region: the in-process e2e stack (tests/e2e/conftest.py) keeps its queue in another region of the same moto.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from chalicelib.config import Settings
from chalicelib.store.schema import create_tables
from chalicelib.store.tables import TABLES

Saved = dict[str, Any]  # table name -> moto's items of that table (a deep copy)


def _tables(settings: Settings) -> dict[str, Any]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    tables: dict[str, Any] = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region].tables
    return tables


def empty(settings: Settings) -> None:
    """Every table of the region emptied (its stream records too, as for a new table), every queue deleted (not
    purged: SQS allows one purge per queue per 60 s; tests that use a queue create it), and any of the app's tables
    a test deleted created again."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    for table in _tables(settings).values():
        table.items.clear()
        if table.stream_shard is not None:
            table.stream_shard.items.clear()
    sqs_backends[DEFAULT_ACCOUNT_ID][settings.region].queues.clear()
    _empty_buckets()
    ensure_tables(settings)


def _empty_buckets() -> None:
    """Every object of every bucket deleted (the buckets stay: tests that use one create it): a test's exports or
    uploads are not another test's objects."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    for bucket in s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets.values():
        bucket.keys.clear()


def ensure_tables(settings: Settings) -> None:
    """create_tables for the settings' tables, only when one is missing (checked in memory: create_tables lists the
    tables through the API)."""
    tables = _tables(settings)
    if any(settings.table_name(spec.key) not in tables for spec in TABLES):
        create_tables(settings)


def save(settings: Settings) -> Saved:
    """A copy of every item of every table of the region."""
    return {name: copy.deepcopy(table.items) for name, table in _tables(settings).items()}


def restore(settings: Settings, saved: Saved) -> None:
    """The tables hold exactly the saved items again (each restore gets its own copy)."""
    for name, table in _tables(settings).items():
        table.items.clear()
        table.items.update(copy.deepcopy(saved.get(name, {})))


def items(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every item of each of the app's tables (by table key), as a Scan returns them (binary values as bytes), from
    moto's memory: what tests.builders.table_items reads through the API, at a fraction of the cost (~20 ms a call
    there). The REST call-rate windows are left out, as there: every call, failed or not, counts against the rate."""
    tables = _tables(settings)
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in TABLES:
        found = [_plain(item.to_json()["Attributes"]) for item in tables[settings.table_name(spec.key)].all_items()]
        kept = [i for i in found if "#LIMIT#REST#" not in i["pk"]["S"]]
        out[spec.key] = sorted(kept, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
    return out


def _plain(value: Any) -> Any:
    """moto's JSON form of attribute values with binary ones decoded, as botocore parses them."""
    if isinstance(value, dict):
        if set(value) == {"B"} and isinstance(value["B"], str):
            return {"B": base64.b64decode(value["B"])}
        if set(value) == {"BS"}:
            return {"BS": [base64.b64decode(v) if isinstance(v, str) else v for v in value["BS"]]}
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
