"""EventBridge schedule expressions (`rate(...)`, `cron(...)`, UTC, minute granularity): parsing and next fire time."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}  # EventBridge: SUN=1
_MAX_YEAR = 2199


class Schedule(Protocol):
    def next_after(self, t: float) -> float:
        """The first fire time strictly after epoch second `t` (math.inf if there is none)."""
        ...


@dataclass(frozen=True)
class RateSchedule:
    """`rate(N unit)`: EventBridge fires one period after the rule exists, then every period."""

    seconds: int
    anchor: float

    def next_after(self, t: float) -> float:
        if t < self.anchor:
            return self.anchor + self.seconds
        periods = math.floor((t - self.anchor) / self.seconds) + 1
        return self.anchor + periods * self.seconds


def parse_rate(text: str, anchor: float) -> RateSchedule:
    m = _RATE.match(text.strip())
    if not m:
        raise ValueError(f"not a rate expression: {text!r}")
    value, unit = int(m.group(1)), m.group(2)
    # EventBridge rejects `rate(1 minutes)` and `rate(5 minute)`: catch it here rather than at deploy time
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    if value < 1 or singular not in _UNIT_SECONDS or (value == 1) != (unit == singular):
        raise ValueError(
            f"invalid rate expression {text!r}: use `rate(1 minute)` or `rate(5 minutes)` (minute/hour/day)"
        )
    return RateSchedule(value * _UNIT_SECONDS[singular], anchor)


def _number(token: str, names: dict[str, int], lo: int, hi: int, field: str) -> int:
    value = names.get(token.upper()) if names else None
    if value is None:
        if not token.isdigit():
            raise ValueError(f"cron {field}: {token!r} is not a value")
        value = int(token)
    if not lo <= value <= hi:
        raise ValueError(f"cron {field}: {value} is outside {lo}-{hi}")
    return value


def _values(spec: str, lo: int, hi: int, field: str, names: dict[str, int] | None = None) -> frozenset[int]:
    """Standard list/range/step syntax: `*`, `5`, `1-5`, `*/15`, `10/5`, `MON-FRI`, `1,3,5`."""
    out: set[int] = set()
    for item in spec.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"cron {field}: bad step in {item!r}")
            step = int(step_text)
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _number(a, names or {}, lo, hi, field), _number(b, names or {}, lo, hi, field)
        else:
            start = _number(base, names or {}, lo, hi, field)
            end = hi if step_text else start
        if start <= end:
            out.update(range(start, end + 1, step))
        else:  # EventBridge allows wrap-around ranges such as FRI-MON
            span = list(range(start, hi + 1)) + list(range(lo, end + 1))
            out.update(span[::step])
    return frozenset(out)


def _aws_weekday(d: date) -> int:
    return (d.weekday() + 1) % 7 + 1  # Python Monday=0 → EventBridge SUN=1 … SAT=7


def _nearest_weekday(d: date) -> date:
    """`nW`: the weekday nearest to day n, never leaving the month."""
    last = calendar.monthrange(d.year, d.month)[1]
    if d.weekday() == 5:  # Saturday → Friday, or Monday if that crosses into the previous month
        return d - timedelta(days=1) if d.day > 1 else d + timedelta(days=2)
    if d.weekday() == 6:  # Sunday → Monday, or Friday if that crosses into the next month
        return d + timedelta(days=1) if d.day < last else d - timedelta(days=2)
    return d


DayRule = Callable[[date], bool]


def _day_of_month(spec: str) -> DayRule | None:
    if spec == "?":
        return None
    rules: list[DayRule] = []
    for item in spec.split(","):
        if item == "L":
            rules.append(lambda d: d.day == calendar.monthrange(d.year, d.month)[1])
        elif item == "LW":
            rules.append(lambda d: d == _nearest_weekday(d.replace(day=calendar.monthrange(d.year, d.month)[1])))
        elif item.endswith("W"):
            n = _number(item[:-1], {}, 1, 31, "day-of-month")

            def nearest(d: date, n: int = n) -> bool:
                last = calendar.monthrange(d.year, d.month)[1]
                return n <= last and d == _nearest_weekday(d.replace(day=n))

            rules.append(nearest)
        else:
            days = _values(item, 1, 31, "day-of-month")
            rules.append(lambda d, days=days: d.day in days)  # type: ignore[misc]
    return lambda d: any(rule(d) for rule in rules)


def _day_of_week(spec: str) -> DayRule | None:
    if spec == "?":
        return None
    rules: list[DayRule] = []
    for item in spec.split(","):
        if "#" in item:  # 3#2: the second Tuesday
            a, b = item.split("#", 1)
            wd, nth = _number(a, _DAYS, 1, 7, "day-of-week"), _number(b, {}, 1, 5, "day-of-week")
            rules.append(lambda d, wd=wd, nth=nth: _aws_weekday(d) == wd and (d.day - 1) // 7 + 1 == nth)  # type: ignore[misc]
        elif item.endswith("L") and len(item) > 1:  # 6L: the last Friday
            wd = _number(item[:-1], _DAYS, 1, 7, "day-of-week")
            rules.append(
                lambda d, wd=wd: (
                    _aws_weekday(d) == wd  # type: ignore[misc]
                    and d.day + 7 > calendar.monthrange(d.year, d.month)[1]
                )
            )
        elif item == "L":
            rules.append(lambda d: _aws_weekday(d) == 7)
        else:
            days = _values(item, 1, 7, "day-of-week", _DAYS)
            rules.append(lambda d, days=days: _aws_weekday(d) in days)  # type: ignore[misc]
    return lambda d: any(rule(d) for rule in rules)


@dataclass(frozen=True)
class CronSchedule:
    """`cron(minutes hours day-of-month month day-of-week year)` in UTC, as EventBridge reads it."""

    minutes: frozenset[int]
    hours: frozenset[int]
    day_rule: DayRule
    months: frozenset[int]
    years: frozenset[int]

    def _matches_day(self, d: date) -> bool:
        return d.year in self.years and d.month in self.months and self.day_rule(d)

    def next_after(self, t: float) -> float:
        start = datetime.fromtimestamp(math.floor(t / 60) * 60 + 60, tz=UTC)
        day = start.date()
        first = True
        while day.year <= max(self.years):
            if self._matches_day(day):
                for hour in sorted(self.hours):
                    if first and hour < start.hour:
                        continue
                    for minute in sorted(self.minutes):
                        if first and hour == start.hour and minute < start.minute:
                            continue
                        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp()
            day += timedelta(days=1)
            first = False
        return math.inf


def parse_cron(text: str) -> CronSchedule:
    m = _CRON.match(text.strip())
    if not m:
        raise ValueError(f"not a cron expression: {text!r}")
    fields = m.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year): {text!r}")
    minutes, hours, dom, month, dow, year = fields
    # EventBridge: exactly one of day-of-month / day-of-week is `?`
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"cron {text!r}: exactly one of day-of-month and day-of-week must be '?'")
    by_month, by_week = _day_of_month(dom), _day_of_week(dow)
    day_rule = by_month or by_week
    assert day_rule is not None
    return CronSchedule(
        minutes=_values(minutes, 0, 59, "minutes"),
        hours=_values(hours, 0, 23, "hours"),
        day_rule=day_rule,
        months=_values(month, 1, 12, "month", _MONTHS),
        years=_values(year, 1970, _MAX_YEAR, "year"),
    )


def parse(expression: str, anchor: float) -> Schedule:
    """A schedule for a Chalice expression string; `anchor` is when the rule was created (rates count from it)."""
    text = expression.strip()
    if text.startswith("rate("):
        return parse_rate(text, anchor)
    if text.startswith("cron("):
        return parse_cron(text)
    raise ValueError(f"unknown schedule expression {expression!r}: expected rate(...) or cron(...)")
