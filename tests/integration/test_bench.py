"""The benchmarks run: `make bench` discovers its modules and the account benchmark measures every command."""

from __future__ import annotations

from bench import __main__ as bench_main
from bench import accounts
from bench.counting import Usage
from bench.sandbox import sandbox


def test_bench_discovers_benchmark_modules_but_not_its_tools():
    found = bench_main.benchmarks()
    assert {"accounts", "cold_start"} <= set(found)
    assert not {"counting", "sandbox"} & set(found)


def test_unknown_benchmark_name_is_refused(capsys):
    assert bench_main.main(["nope"]) == 2
    assert "unknown benchmark nope" in capsys.readouterr().err


def _without_leases(usage: Usage) -> Usage:
    return Usage([c for c in usage.calls if "chalicelib.services.limits" not in c.callers])


def test_account_benchmark_counts_one_request_per_portrait_get_whatever_the_batch():
    with sandbox() as sb:
        rows = dict(accounts.measure(sb))
    # Every REST call also takes one slot of the app's per-second rate window: the container leases a tenth of the
    # second's budget with one UpdateItem (services/limits), so about one call in ten pays it; left out per row.
    # A new account also counts in the day's RegistUserNumOneDay (one UpdateItem).
    leases = sum(1 for usage in rows.values() for c in usage.calls if "chalicelib.services.limits" in c.callers)
    assert leases <= 2
    rows = {label: _without_leases(usage) for label, usage in rows.items()}
    assert rows["account_import, new account"].operations == {"PutItem": 1, "UpdateItem": 1}
    assert rows["account_import, again"].operations == {"PutItem": 1}
    for label in ("portrait_get, 1 account", "portrait_get, 100 accounts"):
        assert rows[label].operations == {"BatchGetItem": 1}
    assert rows["portrait_get, 100 accounts"].items_read == 100
