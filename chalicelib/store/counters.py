"""Daily per-app counters in the `counters` table.

- `{app}#DAY#{yyyymmdd}` / `STATS`: one item per app per day, one numeric attribute per metric (ADD is atomic
  and works on top-level attributes only, so each metric is its own attribute).
- `{app}#MARK#{yyyymmdd}#{metric}` / `{member}`: "counted once per day" sets (DAU, senders); TTL 40 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.stats import METRICS, day_of
from chalicelib.store.base import BaseModel, ExpiringModel, TableMeta

STATS_SK = "STATS"
MARK_TTL = 40 * 86400


def day_pk(sdkappid: int, day: str) -> str:
    return f"{sdkappid}#DAY#{day}"


def mark_pk(sdkappid: int, day: str, name: str) -> str:
    return f"{sdkappid}#MARK#{day}#{name}"


class _DayStatsBase(BaseModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass


# One NumberAttribute per metric, declared from the METRICS list so the two never drift.
DayStatsModel: Any = type(
    "DayStatsModel",
    (_DayStatsBase,),
    {
        "Meta": type("Meta", (TableMeta,), {}),
        "table_key": "counters",
        **{name: NumberAttribute(null=True) for name in METRICS},
    },
)


class MarkModel(ExpiringModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass


def _check(name: str) -> None:
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}")


MARKS_REMEMBERED = 50_000


class DynamoMetrics:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        # Members this container already marked today: a sender's every message would otherwise spend a
        # (failing) conditional write per "once a day" counter.
        self._marked: set[tuple[int, str, str, str]] = set()

    def _day(self, app: App) -> str:
        return day_of(self._clock.now(), app.config.timezone)

    def incr(self, app: App, name: str, amount: int = 1) -> None:
        _check(name)
        item = DayStatsModel(day_pk(app.sdkappid, self._day(app)), STATS_SK)
        item.update(actions=[getattr(DayStatsModel, name).add(amount)])

    def incr_many(self, app: App, amounts: Mapping[str, int]) -> None:
        """Several counters of the day in one UpdateItem (a message send bumps four)."""
        for name in amounts:
            _check(name)
        actions = [getattr(DayStatsModel, name).add(n) for name, n in amounts.items() if n]
        if actions:
            DayStatsModel(day_pk(app.sdkappid, self._day(app)), STATS_SK).update(actions=actions)

    def mark(self, app: App, name: str, member: str) -> bool:
        _check(name)
        day = self._day(app)
        seen = (app.sdkappid, day, name, member)
        if seen in self._marked:
            return False
        if len(self._marked) >= MARKS_REMEMBERED:
            self._marked.clear()
        row = MarkModel(mark_pk(app.sdkappid, day, name), member, expires=int(self._clock.now()) + MARK_TTL)
        try:
            row.save(condition=MarkModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                self._marked.add(seen)
                return False
            raise
        self._marked.add(seen)
        DayStatsModel(day_pk(app.sdkappid, day), STATS_SK).update(actions=[getattr(DayStatsModel, name).add(1)])
        return True

    def peak(self, app: App, name: str, value: int) -> None:
        _check(name)
        attr = getattr(DayStatsModel, name)
        item = DayStatsModel(day_pk(app.sdkappid, self._day(app)), STATS_SK)
        try:
            item.update(actions=[attr.set(value)], condition=attr.does_not_exist() | (attr < value))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def day(self, sdkappid: int, day: str) -> dict[str, int]:
        try:
            item = DayStatsModel.get(day_pk(sdkappid, day), STATS_SK)
        except DayStatsModel.DoesNotExist:
            return {}
        return {name: int(v) for name in METRICS if (v := getattr(item, name)) is not None}
