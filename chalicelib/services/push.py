"""All-member push: users' tags and attributes, and pushes to everyone or by Condition through the task queue.

A push is accepted on the request path (checks, quota, one queued task) and delivered by tasks that each walk one
page of targets and queue the rest, so no Lambda invocation grows with the size of the app.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib import logs
from chalicelib.domain import errors
from chalicelib.domain import push as rules
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.push import ATTR, TAG, Condition, Term
from chalicelib.domain.stats import day_of
from chalicelib.services.notify import Notifier
from chalicelib.services.offline_push import OfflinePushService
from chalicelib.services.ports import AccountRepo, Limits, Metrics, PushStore, TaskQueue

log = logging.getLogger("yuntong.push")

TASK_KIND = "all_member_push"
DAILY_BUCKET = "PUSHDAY#{day}"
GAP_BUCKET = "PUSHGAP"
DAILY_CODE = 90047  # Tencent: push count exceeds the daily limit (default 100)
GAP_CODE = 90024  # Tencent: at least one second between two pushes


@dataclass(frozen=True)
class PushRequest:
    sender: str
    random: int
    body: list[dict[str, Any]]
    condition: Any  # im_push's raw Condition; None = everybody
    push_info: dict[str, Any] | None = None  # OfflinePushInfo: offline devices are pushed too


class AllMemberPushService:
    def __init__(
        self,
        store: PushStore,
        accounts: AccountRepo,
        notifier: Notifier,
        limits: Limits,
        metrics: Metrics,
        tasks: TaskQueue,
        clock: Clock,
        *,
        user_page: int = 100,
        connection_page: int = 500,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._notifier = notifier
        self._limits = limits
        self._metrics = metrics
        self._tasks = tasks
        self._clock = clock
        self._user_page = user_page
        self._connection_page = connection_page
        self.offline_push: OfflinePushService | None = None  # set by wiring: offline devices of the targets

    # --- attribute names, attributes, tags -------------------------------------------------------------------
    def attr_names(self, app: App) -> dict[str, str]:
        return self._store.attr_names(app.sdkappid)

    def set_attr_names(self, app: App, changes: Any) -> None:
        merged = rules.merge_attr_names(self._store.attr_names(app.sdkappid), changes)
        self._store.set_attr_names(app.sdkappid, merged)

    def _require_accounts(self, app: App, users: Sequence[str]) -> None:
        missing = sorted(set(users) - self._accounts.existing(app.sdkappid, users))
        if missing:
            raise errors.AccountNotFound(f"not imported accounts: {', '.join(missing[:10])}")

    def set_attrs(self, app: App, items: Sequence[tuple[str, Any]]) -> None:
        """im_set_attr: every item is checked before anything is written."""
        names = self._store.attr_names(app.sdkappid)
        plan: list[tuple[str, list[Term]]] = []
        for user, attrs in items:
            if not isinstance(attrs, dict) or not attrs:
                raise errors.error(90033, f"Attrs of {user} must be a non-empty object of attribute → value")
            terms = [Term(ATTR, rules.attr_slot(names, n), rules.check_attr_text(v, f"{n}")) for n, v in attrs.items()]
            plan.append((user, terms))
        self._require_accounts(app, [u for u, _ in plan])
        for user, terms in plan:
            self._store.put(app.sdkappid, user, terms)

    def get_attrs(self, app: App, users: Sequence[str]) -> dict[str, dict[str, str]]:
        self._require_accounts(app, users)
        names = self._store.attr_names(app.sdkappid)
        out: dict[str, dict[str, str]] = {}
        for user in dict.fromkeys(users):
            held = self._store.terms_of(app.sdkappid, user, ATTR)
            out[user] = {names[t.key]: t.value for t in held if t.key in names}
        return out

    def remove_attrs(self, app: App, items: Sequence[tuple[str, Any]]) -> None:
        names = self._store.attr_names(app.sdkappid)
        plan: list[tuple[str, list[str]]] = []
        for user, attrs in items:
            if not isinstance(attrs, list):
                raise errors.error(90001, f"Attrs of {user} must be an array of attribute names")
            plan.append((user, [rules.attr_slot(names, n) for n in attrs]))
        self._require_accounts(app, [u for u, _ in plan])
        for user, slots in plan:
            self._store.remove(app.sdkappid, user, ATTR, slots)

    def add_tags(self, app: App, items: Sequence[tuple[str, Any]]) -> None:
        """im_add_tag: ≤10 tags per user per request, ≤100 tags per user in all (90032); all checked first."""
        plan = [(user, rules.check_tags(tags)) for user, tags in items]
        self._require_accounts(app, [u for u, _ in plan])
        for user, tags in plan:
            held = {t.key for t in self._store.terms_of(app.sdkappid, user, TAG)}
            if len(held | set(tags)) > rules.TAGS_PER_USER:
                raise errors.error(90032, f"{user} would hold more than {rules.TAGS_PER_USER} tags; remove some first")
        for user, tags in plan:
            self._store.put(app.sdkappid, user, [Term(TAG, t) for t in tags])

    def get_tags(self, app: App, users: Sequence[str]) -> dict[str, list[str]]:
        self._require_accounts(app, users)
        return {u: [t.key for t in self._store.terms_of(app.sdkappid, u, TAG)] for u in dict.fromkeys(users)}

    def remove_tags(self, app: App, items: Sequence[tuple[str, Any]]) -> None:
        plan = [(user, rules.check_tags(tags)) for user, tags in items]
        self._require_accounts(app, [u for u, _ in plan])
        for user, tags in plan:
            self._store.remove(app.sdkappid, user, TAG, tags)

    def remove_all_tags(self, app: App, users: Sequence[str]) -> None:
        self._require_accounts(app, users)
        for user in dict.fromkeys(users):
            held = self._store.terms_of(app.sdkappid, user, TAG)
            self._store.remove(app.sdkappid, user, TAG, [t.key for t in held])

    # --- pushing ----------------------------------------------------------------------------------------------
    def push(self, app: App, request: PushRequest, *, admin: str) -> str:
        """Accept a push: checks, then the daily quota (90047) and the one-second gap (90024), then one queued
        delivery task. Returns the TaskId. A refused push leaves the quota as it was."""
        condition = rules.parse_condition(request.condition, self._store.attr_names(app.sdkappid))
        if request.sender != admin:
            self._require_accounts(app, [request.sender])
        now = self._clock.now()
        limit = app.config.daily_all_member_pushes
        daily = DAILY_BUCKET.format(day=day_of(now, app.config.timezone))
        if not self._limits.take(app.sdkappid, daily, limit, int(now) + 3 * 86400):
            raise errors.error(DAILY_CODE, f"the app has made its {limit} all-member pushes for today")
        if not self._limits.space(app.sdkappid, GAP_BUCKET, now, 1.0, int(now) + 60):
            self._limits.give_back(app.sdkappid, daily)
            raise errors.error(GAP_CODE, "pushes must be at least one second apart")
        task_id = f"{app.sdkappid}-{int(now)}-{secrets.token_hex(8)}"
        data = {
            "TaskId": task_id,
            "From_Account": request.sender,
            "MsgRandom": request.random,
            "MsgTime": int(now),
            "MsgBody": request.body,
        }
        try:
            payload = {"app": app.sdkappid, "cond": condition.to_dict(), "data": data, "push": request.push_info}
            self._tasks.enqueue(TASK_KIND, payload)
        except Exception:
            self._limits.give_back(app.sdkappid, daily)
            raise
        self._metrics.incr(app, "AllMemberPushNum")
        logs.event(
            log,
            logging.INFO,
            "all-member push accepted",
            app_log_level=app.config.log_level,
            sdkappid=app.sdkappid,
            task_id=task_id,
            everyone=condition.everyone,
            terms=len(condition.terms()),
        )
        return task_id

    def deliver(self, payload: Mapping[str, Any]) -> int:
        """One delivery step (a task): push to one page of targets and queue the next page. Returns posts made."""
        sdkappid = int(payload["app"])
        condition = Condition.from_dict(payload["cond"])
        data = payload["data"]
        source, after = int(payload.get("source", 0)), str(payload.get("after", ""))
        if condition.everyone:
            if not after and self.offline_push is not None:  # the first step also starts the devices' walk
                self.offline_push.after_all_member(sdkappid, data, payload.get("push"), None)
            conns, cursor = self._store.online_page(sdkappid, after, self._connection_page, self._clock.now())
            sent = self._notifier.to_connections(conns, rules.EVENT, data)
            if len(conns) == self._connection_page:
                self._tasks.enqueue(TASK_KIND, {**payload, "after": cursor})
            return sent
        users = self._store.users_with(sdkappid, condition.sources()[source], after, self._user_page)
        sent = 0
        if users:
            terms = condition.terms()
            held = self._store.holdings(sdkappid, users, terms) if len(terms) > 1 else {}
            found_by = condition.sources()[source]
            targets = [u for u in users if condition.accepts(held.get(u, set()) | {found_by}, source)]
            if targets:
                sent = self._notifier.to_users(sdkappid, targets, rules.EVENT, data)
                if self.offline_push is not None:  # the offline ones among them: their devices
                    self.offline_push.after_all_member(sdkappid, data, payload.get("push"), targets)
        if len(users) == self._user_page:
            self._tasks.enqueue(TASK_KIND, {**payload, "source": source, "after": users[-1]})
        elif source + 1 < len(condition.sources()):
            self._tasks.enqueue(TASK_KIND, {**payload, "source": source + 1, "after": ""})
        return sent
