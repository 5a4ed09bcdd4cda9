"""tests/iam_guard.py counts only what chalicelib does at run time against the policy's actions."""

from __future__ import annotations

from bench.counting import Call, Usage
from tests.iam_guard import used_by_runtime


def test_runtime_actions_are_those_made_from_chalicelib_outside_table_creation():
    usage = Usage(
        [
            Call(
                "Query", ("t",), callers=("botocore.client", "pynamodb.models", "chalicelib.store.accounts", "tests.x")
            ),
            Call("CreateTable", ("t",), callers=("botocore.client", "chalicelib.store.schema", "tests.conftest")),
            Call("UpdateTimeToLive", ("t",), callers=("botocore.client", "chalicelib.store.schema", "devstack.x")),
            Call("Scan", ("t",), callers=("botocore.client", "tests.api.test_x")),
        ]
    )
    assert used_by_runtime(usage) == {"Query": "chalicelib.store.accounts"}
