"""DAU marks and day maxima through the container's statistics buffer (moto): once per day, exact after a flush, no
request for a member already marked, nothing lost when a flush fails."""

import pytest

from bench.counting import count_dynamodb
from chalicelib.domain.stats import day_of
from chalicelib.store import counters
from chalicelib.store.counters import DynamoMetrics


@pytest.fixture
def app(svc, tenant):
    return svc.apps.get(tenant.sdkappid)


def _today(svc, app, clock):
    return svc.metrics.day(app.sdkappid, day_of(clock.now(), app.config.timezone))


def test_active_marks_each_account_once_a_day_and_costs_nothing_once_known(svc, app, clock):
    with count_dynamodb() as first:
        svc.metrics.active(app, "alice")
        svc.metrics.active(app, "alice")
        svc.metrics.active(app, "bob")
    assert first.operations == {"PutItem": 2}  # one durable mark per new account; the counter's +1 is buffered
    assert _today(svc, app, clock)["ActiveUserNum"] == 2
    with count_dynamodb() as again:
        for _ in range(50):
            svc.metrics.active(app, "alice")
    assert again.requests == 0
    svc.metrics.flush()
    assert _today(svc, app, clock)["ActiveUserNum"] == 2
    clock.advance(86400)
    svc.metrics.active(app, "alice")
    assert _today(svc, app, clock)["ActiveUserNum"] == 1


def test_another_container_marking_the_same_account_does_not_count_it_twice(svc, app, clock):
    other = DynamoMetrics(clock)  # a second Lambda container
    svc.metrics.active(app, "alice")
    other.active(app, "alice")
    other.active(app, "carol")
    other.flush()
    assert _today(svc, app, clock)["ActiveUserNum"] == 2


def test_peaks_keep_the_days_maximum_and_write_only_above_the_known_one(svc, app, clock):
    for accounts, terminals in ((1, 1), (3, 4), (2, 5), (3, 3)):
        svc.metrics.later(app, {"LoginTimes": 1}, peaks={"MaxOnlineNum": accounts, "MaxOnlineTerminalNum": terminals})
    with count_dynamodb() as flushed:
        svc.metrics.flush()
    # one UpdateItem for the counts, one conditional UpdateItem per raised maximum: not one per login
    assert flushed.operations == {"UpdateItem": 3}
    figures = _today(svc, app, clock)
    assert (figures["MaxOnlineNum"], figures["MaxOnlineTerminalNum"], figures["LoginTimes"]) == (3, 5, 4)
    with count_dynamodb() as lower:
        svc.metrics.later(app, {}, peaks={"MaxOnlineNum": 2})
        svc.metrics.flush()
    assert lower.requests == 0  # below what this container wrote: no write at all
    other = DynamoMetrics(clock)
    other.later(app, {}, peaks={"MaxOnlineNum": 2})
    other.flush()  # a container that knows less tries, and the condition keeps the higher value
    assert _today(svc, app, clock)["MaxOnlineNum"] == 3


def test_a_failed_flush_keeps_marks_counts_and_peaks_for_the_next(svc, app, clock, monkeypatch):
    svc.metrics.later(app, {"LoginTimes": 2}, [("ActiveUserNum", "alice")], {"MaxOnlineNum": 7})
    real = counters.DynamoMetrics._peak_once

    def broken(self, *args):
        raise RuntimeError("throttled")

    monkeypatch.setattr(counters.DynamoMetrics, "_peak_once", broken)
    with pytest.raises(RuntimeError):
        svc.metrics.flush()
    monkeypatch.setattr(counters.DynamoMetrics, "_peak_once", real)
    figures = _today(svc, app, clock)  # flushes what was kept
    assert (figures["ActiveUserNum"], figures["LoginTimes"], figures["MaxOnlineNum"]) == (1, 2, 7)


def test_dau_survives_a_container_lost_before_its_flush(svc, app, clock):
    """The marks are written at once: the daily job counts them, so a container reclaimed with its buffer unwritten
    (a frozen Lambda that never runs again) loses no active account."""
    from chalicelib.domain.stats import shift
    from chalicelib.jobs import daily_stats

    lost = DynamoMetrics(clock)
    day = day_of(clock.now(), app.config.timezone)
    lost.active(app, "alice")
    lost.active(app, "bob")
    svc.metrics.active(app, "alice")  # known across containers: not counted again
    del lost  # never flushed
    assert _today(svc, app, clock).get("ActiveUserNum", 0) == 0  # today's running figure misses them...
    clock.advance(86400)
    daily_stats.run()
    (finalised,) = [d for d in svc.stats.recent(app) if d.day == day]
    assert finalised.figures["ActiveUserNum"] == 2  # ...the finalised day does not
    assert shift(day, 1) == day_of(clock.now(), app.config.timezone)
