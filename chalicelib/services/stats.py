"""Daily statistics: finalising finished days (the scheduled job), getappinfo's 30 days, a month for billing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from chalicelib import logs
from chalicelib.domain import stats as rules
from chalicelib.domain.apps import DELETED, App
from chalicelib.domain.clock import Clock
from chalicelib.services.apps import AppService
from chalicelib.services.ports import DailyStats, Metrics

log = logging.getLogger("yuntong.stats")

RECENT_DAYS = 30  # getappinfo: the last 30 days
# How far back a run reaches for an app that has never been finalised, and how many days one run finalises at
# most (an hourly schedule catches up the rest); both bound the work of one Lambda invocation.
FIRST_RUN_DAYS = 400
DAYS_PER_RUN = 62
# A day is finalised only this long after its midnight, so counters written by other instances in the day's last
# seconds (clock skew, slow requests) are in before the snapshot is taken.
SETTLE_SECONDS = 600


@dataclass(frozen=True)
class DayFigures:
    day: str  # YYYYMMDD in the app's timezone
    figures: dict[str, int]


class StatsService:
    def __init__(self, apps: AppService, metrics: Metrics, daily: DailyStats, clock: Clock) -> None:
        self._apps = apps
        self._metrics = metrics
        self._daily = daily
        self._clock = clock

    def today(self, app: App) -> str:
        return rules.day_of(self._clock.now(), app.config.timezone)

    def count_registered(self, sdkappid: int, count: int) -> None:
        """Accounts newly imported today (RegistUserNumOneDay; the job keeps the running total)."""
        self._metrics.incr(self._apps.get(sdkappid), "RegistUserNumOneDay", count)

    def active(self, app: App, user: str) -> None:
        """`user` acted as itself today (a REST call with its own UserSig; logins and websocket frames count in
        RealtimeService): DAU, once per account per natural day (no request once this container knows). The call
        has succeeded already: a failed mark is logged, never turned into the call's error."""
        try:
            self._metrics.active(app, user)
        except Exception:
            log.exception("DAU mark failed for %s in %s", user, app.sdkappid)

    def finalize_day(self, app: App, day: str) -> dict[str, int]:
        """Write the day's finalised figures from its raw counters (an overwrite: running it twice changes nothing)."""
        self._metrics.flush()  # this container's batched counts (and marks) are in before they are read
        previous = self._daily.get(app.sdkappid, rules.shift(day, -1))
        senders = self._daily.marked(app.sdkappid, day, ("C2CSendMsgUserNum", "GroupSendMsgUserNum"))
        active = self._daily.marked(app.sdkappid, day, ("ActiveUserNum",))  # DAU from its durable marks
        figures = rules.finalize(self._metrics.day(app.sdkappid, day), previous, len(senders), len(active))
        self._daily.put(app.sdkappid, day, figures, int(self._clock.now()))
        return figures

    def due_days(self, app: App) -> list[str]:
        """Finished days (app timezone) not yet finalised, oldest first, at most DAYS_PER_RUN of them."""
        today = rules.day_of(self._clock.now() - SETTLE_SECONDS, app.config.timezone)
        latest = self._daily.latest_day(app.sdkappid)
        if latest is not None:
            first = rules.shift(latest, 1)
        else:
            first = max(rules.day_of(app.created_at, app.config.timezone), rules.shift(today, -FIRST_RUN_DAYS))
        return rules.days_between(first, rules.shift(today, -1))[:DAYS_PER_RUN]

    def run(self) -> dict[int, list[str]]:
        """The scheduled job: for every app, finalise each day that has finished since the last run."""
        done: dict[int, list[str]] = {}
        for app in self._apps.all():
            if app.status == DELETED:
                continue
            days = self.due_days(app)
            for day in days:
                self.finalize_day(app, day)
            if days:
                done[app.sdkappid] = days
                logs.event(
                    log,
                    logging.INFO,
                    "daily stats finalised",
                    app_log_level=app.config.log_level,
                    sdkappid=app.sdkappid,
                    days=days,
                )
        return done

    def recent(self, app: App, days: int = RECENT_DAYS) -> list[DayFigures]:
        """The finalised figures of the last `days` finished days, oldest first (days not yet finalised are absent)."""
        today = self.today(app)
        found = self._daily.between(app.sdkappid, rules.shift(today, -days), rules.shift(today, -1))
        return [DayFigures(day, figures) for day, figures in sorted(found.items())]

    def previous_day(self, app: App, recent: list[DayFigures] | None = None) -> DayFigures:
        """Yesterday in the app's timezone (the FAQ's "the previous day's peak online"): its finalised figures (from
        `recent` if given), or, before the job has finalised it, its raw counters as they stand (one GetItem)."""
        day = rules.shift(self.today(app), -1)
        for d in recent if recent is not None else []:
            if d.day == day:
                return d
        found = self._daily.get(app.sdkappid, day) if recent is None else None
        if found is None:
            found = rules.finalize(self._metrics.day(app.sdkappid, day), None)
        return DayFigures(day, found)

    def month(self, sdkappid: int, month: str) -> list[DayFigures]:
        """Finalised days of the natural month `YYYY-MM`, oldest first."""
        days = rules.month_days(month)
        found = self._daily.between(sdkappid, days[0], days[-1])
        return [DayFigures(day, figures) for day, figures in sorted(found.items())]
