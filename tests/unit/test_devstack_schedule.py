"""EventBridge schedule expressions as the local stack reads them (UTC, minute granularity)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from devstack.schedule import parse, parse_cron, parse_rate


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M")


def fires(expression: str, after: str, count: int = 3) -> list[str]:
    schedule = parse(expression, ts(after))
    out, t = [], ts(after)
    for _ in range(count):
        t = schedule.next_after(t)
        out.append(iso(t))
    return out


def test_rate_first_fires_one_period_after_the_rule_exists_then_every_period() -> None:
    assert fires("rate(5 minutes)", "2024-01-01 10:00:30") == [
        "2024-01-01 10:05",
        "2024-01-01 10:10",
        "2024-01-01 10:15",
    ]
    schedule = parse_rate("rate(1 hour)", ts("2024-01-01 10:00:00"))
    assert schedule.next_after(ts("2024-01-01 10:59:59")) == ts("2024-01-01 11:00:00")
    assert schedule.next_after(ts("2024-01-01 11:00:00")) == ts("2024-01-01 12:00:00")


@pytest.mark.parametrize("bad", ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(2 weeks)", "rate(x)"])
def test_rate_rejects_what_eventbridge_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse(bad, 0)


def test_cron_every_15_minutes_during_office_hours_on_weekdays() -> None:
    # 2024-01-05 is a Friday
    assert fires("cron(0/15 9-17 ? * MON-FRI *)", "2024-01-05 17:40", 3) == [
        "2024-01-05 17:45",
        "2024-01-08 09:00",
        "2024-01-08 09:15",
    ]


def test_cron_daily_after_midnight_utc() -> None:
    assert fires("cron(5 0 * * ? *)", "2024-02-28 00:05", 2) == ["2024-02-29 00:05", "2024-03-01 00:05"]


def test_cron_numeric_day_of_week_counts_sunday_as_1() -> None:
    assert fires("cron(0 12 ? * 1 *)", "2024-01-01 00:00", 2) == ["2024-01-07 12:00", "2024-01-14 12:00"]


def test_cron_last_day_of_month_and_nearest_weekday() -> None:
    assert fires("cron(0 0 L * ? *)", "2024-01-15 00:00", 2) == ["2024-01-31 00:00", "2024-02-29 00:00"]
    # 2024-06-15 is a Saturday: 15W fires on Friday the 14th
    assert fires("cron(0 8 15W 6 ? 2024)", "2024-06-01 00:00", 1) == ["2024-06-14 08:00"]
    # 2024-08-31 is a Saturday: LW is Friday the 30th
    assert fires("cron(0 8 LW 8 ? 2024)", "2024-08-01 00:00", 1) == ["2024-08-30 08:00"]


def test_cron_nth_and_last_weekday_of_month() -> None:
    assert fires("cron(0 10 ? * 3#2 *)", "2024-01-01 00:00", 2) == ["2024-01-09 10:00", "2024-02-13 10:00"]
    assert fires("cron(0 10 ? * 6L *)", "2024-01-01 00:00", 1) == ["2024-01-26 10:00"]


def test_cron_with_months_names_lists_and_a_final_year() -> None:
    assert fires("cron(30 6 1 JAN,JUL ? 2024-2025)", "2024-03-01 00:00", 3) == [
        "2024-07-01 06:30",
        "2025-01-01 06:30",
        "2025-07-01 06:30",
    ]
    schedule = parse_cron("cron(30 6 1 JAN ? 2024)")
    assert schedule.next_after(ts("2024-06-01 00:00")) == math.inf


@pytest.mark.parametrize(
    "bad",
    [
        "cron(0 12 * * * *)",  # both day fields set
        "cron(0 12 ? * ? *)",  # neither
        "cron(0 12 * *)",  # missing fields
        "cron(60 12 * * ? *)",  # minute out of range
        "cron(0 12 * FOO ? *)",
        "cron(0 12 ? * 8 *)",
        "every day",
    ],
)
def test_cron_rejects_invalid_expressions(bad: str) -> None:
    with pytest.raises(ValueError):
        parse(bad, 0)
