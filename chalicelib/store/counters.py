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

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.stats import METRICS, day_of
from chalicelib.store.base import BaseModel, ExpiringModel, TableMeta, Tx, TxCancelled

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
        # Day maxima deferred by `later(peaks=...)`, and the highest value this container knows is stored per
        # (app, day, metric): a value at or below it is no new peak, so it costs nothing.
        self._peaks: dict[tuple[int, str], dict[str, int]] = {}
        self._peaked: dict[tuple[int, str, str], int] = {}
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

    def later(
        self,
        app: App,
        amounts: Mapping[str, int],
        marks: Iterable[tuple[str, str]] = (),
        peaks: Mapping[str, int] | None = None,
    ) -> None:
        """Count in this container's buffer (no request): the send path's counters, "once a day" marks, and day
        maxima (`peaks`, e.g. the online peak of a login).

        The buffer is written by `flush`: by the next call once it is FLUSH_SECONDS old or holds FLUSH_EVENTS
        events (one UpdateItem per app and day, plus one conditional PutItem per member first marked in this
        container and one conditional UpdateItem per new day maximum), before this container reads any counter,
        and when the process ends. A busy container so writes its statistics about once per FLUSH_SECONDS instead
        of once per message or login."""
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
            for name, value in (peaks or {}).items():
                _check(name)
                highest = self._peaks.get(key, {}).get(name, self._peaked.get((app.sdkappid, day, name), 0))
                if value > highest:
                    self._peaks.setdefault(key, {})[name] = value
            self._events += 1
            if self._since is None:
                self._since = self._clock.now()
        self.flush(due_only=True)

    def active(
        self,
        app: App,
        member: str,
        name: str = "ActiveUserNum",
        amounts: Mapping[str, int] | None = None,
        peaks: Mapping[str, int] | None = None,
    ) -> None:
        """`member` acted on its own behalf today (a login, a websocket frame, a REST call with its own UserSig):
        count it once per natural day (DAU). A member this container already marked today costs a set lookup, no
        request. A new one costs one conditional PutItem of its mark, written at once: the marks are the durable
        record the daily job counts (StatsService.finalize_day), so a container lost before its flush loses no
        active account; only the counter's +1 (today's running figure) waits in the buffer, with `amounts` and
        `peaks` of the same event (a login's LoginTimes and online peaks), as one `later` event."""
        day = self._day(app)
        counts = dict(amounts or {})
        if (app.sdkappid, day, name, member) not in self._marked and self._mark_once(app.sdkappid, day, name, member):
            counts[name] = counts.get(name, 0) + 1
        if counts or peaks:
            self.later(app, counts, peaks=peaks)
        else:
            self.flush(due_only=True)

    def due(self) -> bool:
        since = self._since
        return since is not None and (self._events >= FLUSH_EVENTS or self._clock.now() - since >= FLUSH_SECONDS)

    def flush(self, due_only: bool = False) -> None:
        """Write the buffered counts: marks first (a mark new across containers adds 1 to its counter), then one
        UpdateItem per app and day. A failed write puts its counts back in the buffer (nothing is lost)."""
        if self._since is None or (due_only and not self.due()):
            return  # the common case, without the lock (re-checked under it)
        with self._lock:
            if self._since is None or (due_only and not self.due()):
                return
            amounts, marks, peaks = self._amounts, self._marks, self._peaks
            self._amounts, self._marks, self._peaks, self._events, self._since = {}, {}, {}, 0, None
        for key in list(dict.fromkeys([*marks, *amounts, *peaks])):
            sdkappid, day = key
            counts = amounts.pop(key, Counter())
            pending = marks.pop(key, set())
            highest = peaks.pop(key, {})
            try:
                while pending:
                    name, member = next(iter(pending))
                    if self._mark_once(sdkappid, day, name, member):
                        counts[name] += 1
                    pending.discard((name, member))
                actions = [getattr(DayStatsModel, name).add(n) for name, n in sorted(counts.items()) if n]
                if actions:
                    DayStatsModel(day_pk(sdkappid, day), STATS_SK).update(actions=actions)
                counts = Counter()
                while highest:
                    name, value = next(iter(highest.items()))
                    self._peak_once(sdkappid, day, name, value)
                    del highest[name]
            except Exception:
                self._keep(key, counts, pending, highest)
                for rest in list(dict.fromkeys([*marks, *amounts, *peaks])):
                    self._keep(rest, amounts.pop(rest, Counter()), marks.pop(rest, set()), peaks.pop(rest, {}))
                raise

    def _keep(
        self, key: tuple[int, str], counts: Counter[str], pending: set[tuple[str, str]], highest: Mapping[str, int]
    ) -> None:
        with self._lock:
            self._amounts.setdefault(key, Counter()).update(counts)
            if pending:
                self._marks.setdefault(key, set()).update(pending)
            for name, value in highest.items():
                buffered = self._peaks.setdefault(key, {})
                buffered[name] = max(value, buffered.get(name, 0))
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
        self._peak_once(app.sdkappid, self._day(app), name, value)

    def _peak_once(self, sdkappid: int, day: str, name: str, value: int) -> None:
        """Raise the day's maximum to `value` (a conditional UpdateItem; a higher stored value wins)."""
        seen = (sdkappid, day, name)
        if value <= self._peaked.get(seen, 0):
            return
        if len(self._peaked) >= MARKS_REMEMBERED:
            self._peaked.clear()
        attr = getattr(DayStatsModel, name)
        item = DayStatsModel(day_pk(sdkappid, day), STATS_SK)
        try:
            item.update(actions=[attr.set(value)], condition=attr.does_not_exist() | (attr < value))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        self._peaked[seen] = max(value, self._peaked.get(seen, 0))  # stored now, or something higher already was

    def day(self, sdkappid: int, day: str) -> dict[str, int]:
        self.flush()
        try:
            item = DayStatsModel.get(day_pk(sdkappid, day), STATS_SK)
        except DayStatsModel.DoesNotExist:
            return {}
        return {name: int(v) for name in METRICS if (v := getattr(item, name)) is not None}


# --- the messages stream's statistics (services/message_stream.py) ---------------------------------------------------
BATCH_TTL = 3 * 86400  # a stream keeps records 24 h: a batch is never retried after this
TX_ITEMS = 100  # TransactWriteItems' limit: two batch markers + at most 98 app-days per transaction


class StreamMarkModel(ExpiringModel):
    """A "once a day" mark written by the stream consumer: the same item as MarkModel, plus its owner (the eventID
    of the record that first named the member), so a retried batch holding that record counts the mark again."""

    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass

    owner = UnicodeAttribute(attr_name="o", null=True)


class StreamBatchModel(ExpiringModel):
    """A stream batch applied to the statistics, under the eventID of its first and of its last record."""

    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass


def batch_pk(event_id: str) -> str:
    return f"STREAM#{event_id}"


class DynamoStreamCounts:
    """Statistics from the messages stream, exactly once per record.

    Lambda's DynamoDB events name no shard, so no per-shard checkpoint can be kept; a batch is instead applied in
    one TransactWriteItems: one UpdateItem (ADD) per app and day, plus two markers keyed by the eventIDs of the
    batch's first and last records, each put only if absent. A retried batch, and each half of a bisected batch,
    shares its first or its last record with the batch that was applied: a marker exists, the transaction is
    cancelled, nothing is counted twice. Before it, each "once a day" member is marked with a conditional PutItem
    owned by the record that first named it, so a retry holding that record (whatever the batch around it) counts
    it once, and a member marked by the send path or by an earlier batch is not counted again."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _mark(self, sdkappid: int, day: str, name: str, member: str, owner: str) -> bool:
        row = StreamMarkModel(
            mark_pk(sdkappid, day, name), member, owner=owner, expires=int(self._clock.now()) + MARK_TTL
        )
        try:
            row.save(condition=StreamMarkModel.pk.does_not_exist() | (StreamMarkModel.owner == owner))
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def apply(
        self,
        first: str,
        last: str,
        amounts: Mapping[tuple[int, str], Mapping[str, int]],
        marks: Mapping[tuple[int, str, str, str], str],
    ) -> bool:
        """Add a batch's amounts (and its new marks); False if this batch (or one holding it) was applied before."""
        totals: dict[tuple[int, str], Counter[str]] = {key: Counter(v) for key, v in amounts.items()}
        for (sdkappid, day, name, member), owner in marks.items():
            _check(name)
            if self._mark(sdkappid, day, name, member, owner):
                totals.setdefault((sdkappid, day), Counter())[name] += 1
        keys = [key for key, counts in sorted(totals.items()) if any(counts.values())]
        if not keys:
            return True
        per_tx = TX_ITEMS - 2
        applied = False
        for part, start in enumerate(range(0, len(keys), per_tx)):
            suffix = f"#{part}" if part else ""
            tx = Tx(StreamBatchModel)
            expires = int(self._clock.now()) + BATCH_TTL
            ends = [("first", first), ("last", last)] if first != last else [("first", first)]
            for label, event_id in ends:
                marker = StreamBatchModel(batch_pk(event_id + suffix), label, expires=expires)
                tx.put(label, marker, condition=StreamBatchModel.pk.does_not_exist())
            for sdkappid, day in keys[start : start + per_tx]:
                counts = totals[(sdkappid, day)]
                for name in counts:
                    _check(name)
                actions = [getattr(DayStatsModel, name).add(n) for name, n in sorted(counts.items()) if n]
                tx.update(f"{sdkappid}#{day}", DayStatsModel(day_pk(sdkappid, day), STATS_SK), actions)
            try:
                tx.commit()
                applied = True
            except TxCancelled as exc:
                if not exc.labels <= {"first", "last"}:
                    raise
        return applied
