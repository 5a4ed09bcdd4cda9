"""bench/latency.py's harness runs against the local stack (a few messages: it works; no timing is asserted)."""

from __future__ import annotations

import asyncio

import pytest

from bench.latency import measure, print_report, target_of
from tests.e2e.harness import LocalStack

pytestmark = pytest.mark.e2e


def test_the_latency_harness_measures_every_phase_on_a_few_messages(stack: LocalStack, capsys) -> None:
    report = asyncio.run(measure(target_of(stack), seconds=1.0, rates=(4.0,), sequential=3, window=4, history=0))
    names = [p.name for p in report.phases]
    assert names == ["open loop 4 msg/s", "sequential, 1 sender"]
    assert [len(p.latencies_ms) for p in report.phases] == [p.sent for p in report.phases] == [4, 3]
    assert report.first is not None and len(report.first.latencies_ms) == 4
    assert all(p.cpu_ms_per_message is not None for p in report.phases)  # the stack's process is read
    print_report(report)
    assert "Synapse 1.163" in capsys.readouterr().out
