"""Delivering group events to online members: parallel posts inline for small groups, the task queue for big ones.

The send path reads the group's online-member index (never each member's own connection rows). A group whose index
has one shard gets its first `inline_max` terminals posted inline (in parallel, by the pusher's bounded pool); if
more are online, the rest goes to the task queue from where the inline page stopped. Groups with several shards
(AVChatRoom, Community) always go through the queue, one task per shard. A task posts one page of `page_size`
terminals and first enqueues the next page, so pages run in parallel Lambdas and no single Lambda's time limit
bounds a group however big. Terminals found gone are removed from the directory (whose presence hook takes them out of
the index, once), unless still within their handshake grace (see services/notify.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.apps import App
from chalicelib.domain.groups import GroupRef, OnlineTerminal
from chalicelib.services.apps import AppService
from chalicelib.services.group_ports import GroupOnlineIndex
from chalicelib.services.notify import Notifier
from chalicelib.services.ports import Metrics, TaskQueue

FANOUT_TASK = "group_fanout"


@dataclass(frozen=True)
class FanoutLimits:
    inline_max: int = 200  # terminals posted inline by the sending request
    page_size: int = 500  # terminals per queued task


class GroupFanout:
    def __init__(
        self,
        online: GroupOnlineIndex,
        notifier: Notifier,
        tasks: TaskQueue,
        metrics: Metrics,
        apps: AppService,
        limits: FanoutLimits,
    ) -> None:
        self._online = online
        self._notifier = notifier
        self._tasks = tasks
        self._metrics = metrics
        self._apps = apps
        self.limits = limits

    def deliver(
        self, app: App, ref: GroupRef, event: str, data: Mapping[str, Any], *, exclude: str | None = None
    ) -> int:
        """Post to every online member's terminals (except `exclude`); returns how many were posted inline."""
        if ref.shards > 1:
            for shard in range(ref.shards):
                self._enqueue(app.sdkappid, ref, shard, None, event, data, exclude)
            return 0
        terminals, cursor = self._online.page(app.sdkappid, ref, 0, None, self.limits.inline_max)
        if cursor is not None:
            self._enqueue(app.sdkappid, ref, 0, cursor, event, data, exclude)
        return self._post(app, ref, terminals, event, data, exclude)

    def online_count(self, sdkappid: int, ref: GroupRef) -> int:
        return self._online.count_users(sdkappid, ref)

    def run(self, payload: Mapping[str, Any]) -> int:
        """One queued page: enqueue the next page first (so pages fan out in parallel), then post this one."""
        app = self._apps.get(int(payload["sdkappid"]))
        ref = GroupRef(str(payload["group"]), str(payload["inc"]), int(payload["shards"]))
        shard, event, data, exclude = int(payload["shard"]), payload["event"], payload["data"], payload.get("exclude")
        terminals, cursor = self._online.page(app.sdkappid, ref, shard, payload.get("cursor"), self.limits.page_size)
        if cursor is not None:
            self._enqueue(app.sdkappid, ref, shard, cursor, event, data, exclude)
        return self._post(app, ref, terminals, event, data, exclude)

    def _enqueue(
        self,
        sdkappid: int,
        ref: GroupRef,
        shard: int,
        cursor: str | None,
        event: str,
        data: Mapping[str, Any],
        exclude: str | None,
    ) -> None:
        payload = {
            "sdkappid": sdkappid,
            "group": ref.group_id,
            "inc": ref.incarnation,
            "shards": ref.shards,
            "shard": shard,
            "cursor": cursor,
            "event": event,
            "data": dict(data),
            "exclude": exclude,
        }
        self._tasks.enqueue(FANOUT_TASK, payload)

    def _post(
        self,
        app: App,
        ref: GroupRef,
        terminals: list[OnlineTerminal],
        event: str,
        data: Mapping[str, Any],
        exclude: str | None,
    ) -> int:
        targets = [t for t in terminals if t.connection_id != exclude]
        if not targets:
            return 0
        posted = self._notifier.post([t.connection_id for t in targets], event, data)
        # A pruned terminal left this index through the directory's presence hook, and one within its handshake
        # grace stays; only a row whose terminal the directory no longer knows (a missed hook) is dropped here.
        pruned = set(posted.pruned)
        stale = [cid for cid in posted.gone if cid not in pruned and self._notifier.directory.get(cid) is None]
        if stale:
            self._online.remove(app.sdkappid, [ref], [t for t in targets if t.connection_id in stale])
        delivered = len(targets) - len(posted.gone)
        if delivered:
            self._metrics.later(app, {"GroupDownMsgNum": delivered})  # written in batches
        return delivered
