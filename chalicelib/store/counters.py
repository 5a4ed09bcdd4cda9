"""Daily per-app counters in the `counters` table.

- `{app}#DAY#{yyyymmdd}` / `STATS`: one item per app per day, one numeric attribute per metric (ADD is atomic
  and works on top-level attributes only, so each metric is its own attribute).
- `{app}#MARK#{yyyymmdd}#{metric}` / `{member}`: "counted once per day" sets (DAU, senders); TTL 40 days.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Mapping
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
# Counts of the send path wait in the container (see `later`) at most this long, or this many events.
FLUSH_SECONDS = 5.0
FLUSH_EVENTS = 100


class DynamoMetrics:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        # Members this container already marked today: a sender's every message would otherwise spend a
        # (failing) conditional write per "once a day" counter.
        self._marked: set[tuple[int, str, str, str]] = set()
        # Counts deferred by `later`: (sdkappid, day) → amounts, and "once a day" marks not yet written.
        self._lock = threading.Lock()
        self._amounts: dict[tuple[int, str], Counter[str]] = {}
        self._marks: dict[tuple[int, str], set[tuple[str, str]]] = {}
        self._events = 0
        self._since: float | None = None

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

    def later(self, app: App, amounts: Mapping[str, int], marks: Iterable[tuple[str, str]] = ()) -> None:
        """Count in this container's buffer (no request): the send path's counters and "once a day" marks.

        The buffer is written by `flush`: by the next call once it is FLUSH_SECONDS old or holds FLUSH_EVENTS
        events (one UpdateItem per app and day, plus one conditional PutItem per member first marked in this
        container), before this container reads any counter, and when the process ends. A busy container so
        writes its statistics about once per FLUSH_SECONDS instead of once per message."""
        for name in amounts:
            _check(name)
        day = self._day(app)
        key = (app.sdkappid, day)
        with self._lock:
            counts = self._amounts.setdefault(key, Counter())
            for name, n in amounts.items():
                if n:
                    counts[name] += n
            for name, member in marks:
                _check(name)
                if (app.sdkappid, day, name, member) not in self._marked:
                    self._marks.setdefault(key, set()).add((name, member))
            self._events += 1
            if self._since is None:
                self._since = self._clock.now()
        self.flush(due_only=True)

    def due(self) -> bool:
        since = self._since
        return since is not None and (self._events >= FLUSH_EVENTS or self._clock.now() - since >= FLUSH_SECONDS)

    def flush(self, due_only: bool = False) -> None:
        """Write the buffered counts: marks first (a mark new across containers adds 1 to its counter), then one
        UpdateItem per app and day. A failed write puts its counts back in the buffer (nothing is lost)."""
        with self._lock:
            if self._since is None or (due_only and not self.due()):
                return
            amounts, marks = self._amounts, self._marks
            self._amounts, self._marks, self._events, self._since = {}, {}, 0, None
        for key in list(dict.fromkeys([*marks, *amounts])):
            sdkappid, day = key
            counts = amounts.pop(key, Counter())
            pending = marks.pop(key, set())
            try:
                while pending:
                    name, member = next(iter(pending))
                    if self._mark_once(sdkappid, day, name, member):
                        counts[name] += 1
                    pending.discard((name, member))
                actions = [getattr(DayStatsModel, name).add(n) for name, n in sorted(counts.items()) if n]
                if actions:
                    DayStatsModel(day_pk(sdkappid, day), STATS_SK).update(actions=actions)
            except Exception:
                self._keep(key, counts, pending)
                for rest in list(dict.fromkeys([*marks, *amounts])):
                    self._keep(rest, amounts.pop(rest, Counter()), marks.pop(rest, set()))
                raise

    def _keep(self, key: tuple[int, str], counts: Counter[str], pending: set[tuple[str, str]]) -> None:
        with self._lock:
            self._amounts.setdefault(key, Counter()).update(counts)
            if pending:
                self._marks.setdefault(key, set()).update(pending)
            if self._since is None:
                self._since = self._clock.now()

    def _mark_once(self, sdkappid: int, day: str, name: str, member: str) -> bool:
        """The conditional PutItem of a "once a day" mark; True if no container had marked `member` that day."""
        seen = (sdkappid, day, name, member)
        if seen in self._marked:
            return False
        if len(self._marked) >= MARKS_REMEMBERED:
            self._marked.clear()
        row = MarkModel(mark_pk(sdkappid, day, name), member, expires=int(self._clock.now()) + MARK_TTL)
        try:
            row.save(condition=MarkModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            self._marked.add(seen)
            return False
        self._marked.add(seen)
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
        self.flush()
        try:
            item = DayStatsModel.get(day_pk(sdkappid, day), STATS_SK)
        except DayStatsModel.DoesNotExist:
            return {}
        return {name: int(v) for name in METRICS if (v := getattr(item, name)) is not None}
