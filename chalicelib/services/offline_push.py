"""Offline push use cases: devices, preferences, the app's push credentials, and the push task itself.

The send path only enqueues: a stored C2C message whose recipient had no online terminal (the send already posted
to the recipient's terminals, so it knows: no extra read), or any stored group message (one task; the task finds the
offline members). The task (`offline_push`, run by the SQS consumer) reads each recipient's devices and preferences
(one Query), builds every platform's payload within its limit, publishes through SNS, removes devices SNS reports
disabled or gone, and counts C2CAPNSMsgNum / GroupAPNSMsgNum (getappinfo's APNSMsgNum is their sum).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain import errors
from chalicelib.domain import offline_push as rules
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.offline_push import Device, PushInfo, PushPrefs
from chalicelib.domain.stats import zone
from chalicelib.services.apps import AppService
from chalicelib.services.group_ports import GroupRepo
from chalicelib.services.ports import AccountRepo, ConnectionDirectory, Metrics, TaskQueue

log = logging.getLogger("yuntong.offline_push")

GROUP_PAGE = 100  # recipients per push task when a group's offline members are split
C2C, GROUP, ALL_MEMBER = "C2C", "Group", "AllMember"
DEVICE_PAGE = 100  # devices per all-member push task walking the app's devices
MAX_ATTEMPTS = 3  # a publish that failed (throttled, SNS unreachable) is retried by a new task for that device
NO_PUSH_GROUP_TYPES = ("AVChatRoom",)  # live rooms: online only (nobody is "offline" in a live room)


class DeviceRepo(Protocol):
    def owner(self, sdkappid: int, platform: str, token: str) -> str | None: ...
    def put(self, sdkappid: int, device: Device) -> None: ...
    def get(self, sdkappid: int, user: str, platform: str, token: str) -> Device | None: ...
    def remove(self, sdkappid: int, user: str, platform: str, token: str) -> None: ...
    def of_user(self, sdkappid: int, user: str) -> tuple[list[Device], PushPrefs]: ...  # one Query
    def prefs(self, sdkappid: int, user: str) -> PushPrefs: ...
    def app_page(self, sdkappid: int, after: str, limit: int) -> tuple[list[Device], str]: ...
    def save_prefs(self, sdkappid: int, user: str, prefs: PushPrefs) -> None: ...
    def set_discard(self, sdkappid: int, user: str, peer: str, on: bool) -> None: ...  # on the conversation's row


class PushGateway(Protocol):
    """SNS (chalicelib/push/sns.py): platform applications, endpoints, publishing."""

    def configure(self, sdkappid: int, platform: str, current: str, credential: str, principal: str) -> str: ...
    def create_endpoint(self, application: str, token: str, user_data: str) -> str: ...
    def delete_endpoint(self, arn: str) -> None: ...
    def publish(self, target: str, message: str, *, raw: bool = False) -> str: ...  # sent | disabled | invalid


class GroupMembers(Protocol):
    """What the push task needs of a group: its type and name, and its members' receive options (MsgFlag)."""

    def push_members(self, app: App, gid: str, inc: str) -> tuple[str, str, list[tuple[str, str]]] | None: ...


class PushFailed(RuntimeError):
    """A push kept failing: the task is left to the queue's redelivery and dead-letter queue."""


@dataclass(frozen=True)
class Published:
    sent: int
    dropped: int  # devices removed because SNS reported them disabled or gone


class OfflinePushService:
    def __init__(
        self,
        devices: DeviceRepo,
        gateway: PushGateway,
        apps: AppService,
        accounts: AccountRepo,
        directory: ConnectionDirectory,
        metrics: Metrics,
        tasks: TaskQueue,
        clock: Clock,
        badge: Callable[[App, str], int],
        groups: GroupMembers | None = None,
    ) -> None:
        self._devices = devices
        self._gateway = gateway
        self._apps = apps
        self._accounts = accounts
        self._directory = directory
        self._metrics = metrics
        self._tasks = tasks
        self._clock = clock
        self._badge = badge
        self.groups = groups

    def require_accounts(self, app: App, *users: str) -> None:
        for user in users:
            if not self._accounts.exists(app.sdkappid, user):
                raise errors.error(70107, f"account {user!r} does not exist")

    # --- devices ---------------------------------------------------------------------------------------------------
    def register(
        self, app: App, user: str, platform: str, token: str, *, terminal: str = "", connection_id: str = ""
    ) -> Device:
        """Bind a device token to the account (and terminal). A token another account holds moves here: the phone
        now belongs to whoever logged in last. Everything is checked before SNS or the table is written."""
        platform, token = rules.check_platform(platform), rules.check_token(token)
        if not self._accounts.exists(app.sdkappid, user):
            raise errors.error(70107, f"account {user!r} does not exist")
        application = app.config.push_arn(platform)
        if not application:
            raise errors.PushNotConfigured(f"the app has no {platform} push credentials (yuntong app push)")
        previous = self._devices.owner(app.sdkappid, platform, token)
        old = self._devices.get(app.sdkappid, previous, platform, token) if previous else None
        endpoint = ""
        if platform != rules.WEBHOOK:
            endpoint = self._gateway.create_endpoint(application, token, f"{app.sdkappid}:{user}")
        if previous and previous != user:
            self._devices.remove(app.sdkappid, previous, platform, token)
        device = Device(user, platform, token, terminal, endpoint, connection_id, int(self._clock.now()))
        self._devices.put(app.sdkappid, device)
        if old is not None and old.endpoint and old.endpoint != endpoint:
            self._gateway.delete_endpoint(old.endpoint)
        return device

    def remove(self, app: App, user: str, platform: str, token: str) -> None:
        platform, token = rules.check_platform(platform), rules.check_token(token)
        device = self._devices.get(app.sdkappid, user, platform, token)
        if device is None:
            raise errors.NotYourDevice(f"{platform} token is not registered to {user!r}")
        self._drop(app, device)

    def _drop(self, app: App, device: Device) -> None:
        self._devices.remove(app.sdkappid, device.user, device.platform, device.token)
        if device.endpoint:
            try:
                self._gateway.delete_endpoint(device.endpoint)
            except Exception:  # the device row is gone; an orphan endpoint only costs nothing
                log.exception("could not delete an SNS endpoint")

    def devices(self, app: App, user: str) -> list[Device]:
        if not self._accounts.exists(app.sdkappid, user):
            raise errors.error(70107, f"account {user!r} does not exist")
        return self._devices.of_user(app.sdkappid, user)[0]

    def logout(self, app: App, user: str, connection_id: str | None, *, keep: bool) -> int:
        """A terminal logging out: its devices are dropped unless the client asks to keep them (then a message sent
        while it is logged out is still pushed). Over REST (no connection) it concerns all the account's devices."""
        if keep:
            return 0
        mine = [d for d in self.devices(app, user) if connection_id is None or d.connection_id == connection_id]
        for device in mine:
            self._drop(app, device)
        return len(mine)

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """A deleted account's devices: their SNS endpoints and token owner rows (its partition goes after this)."""
        app = self._apps.get(sdkappid)
        for device in self._devices.of_user(sdkappid, user)[0]:
            self._drop(app, device)

    # --- preferences -----------------------------------------------------------------------------------------------
    def set_receive_opt(self, app: App, user: str, type_: int, peer: str, opt: str) -> None:
        opt = rules.check_receive_opt(opt)
        prefs = self._devices.prefs(app.sdkappid, user)
        receive = dict(prefs.receive or {})
        key = f"{type_}#{peer}"
        if opt == rules.ACCEPT_AND_NOTIFY:
            receive.pop(key, None)
        else:
            if key not in receive and len(receive) >= rules.MAX_RECEIVE_OPTS:
                raise errors.InvalidParam(f"at most {rules.MAX_RECEIVE_OPTS} conversations may have a receive option")
            receive[key] = opt
        self._devices.save_prefs(app.sdkappid, user, replace(prefs, receive=receive))
        if type_ == 1 and peer != user:
            # C2C Discard also stops online delivery: the send reads it with the conversation row it writes anyway
            self._devices.set_discard(app.sdkappid, user, peer, opt == rules.DISCARD)

    def prefs(self, app: App, user: str) -> PushPrefs:
        return self._devices.prefs(app.sdkappid, user)

    def set_quiet_time(self, app: App, user: str, start: Any, end: Any) -> None:
        start, end = rules.check_quiet_time(start, end)
        prefs = self._devices.prefs(app.sdkappid, user)
        self._devices.save_prefs(app.sdkappid, user, replace(prefs, quiet_start=start, quiet_end=end))

    # --- the app's credentials -------------------------------------------------------------------------------------
    def configure(self, sdkappid: int, platform: str, credential: str, principal: str = "") -> App:
        """Create or update the app's SNS platform application (webhook: topic + the gateway's URL subscribed).
        The credential goes to SNS only: it is neither stored here nor logged."""
        platform = rules.check_platform(platform)
        if not isinstance(credential, str) or not credential:
            raise errors.InvalidParam("Credential is required")
        if platform == rules.WEBHOOK and not credential.startswith(("https://", "http://")):
            raise errors.InvalidParam("a WEBHOOK credential is the gateway's URL (https://...)")
        app = self._apps.get(sdkappid)
        arn = self._gateway.configure(sdkappid, platform, app.config.push_arn(platform), credential, principal)
        return self._apps.configure(sdkappid, {f"push_{platform.lower()}_arn": arn})

    # --- the send path's hooks (no DynamoDB request) ---------------------------------------------------------------
    def after_c2c(
        self,
        app: App,
        *,
        sender: str,
        recipient: str,
        nick: str,
        body: Sequence[Any],
        info: Mapping[str, Any] | None,
        online: int,
    ) -> bool:
        """A stored C2C message was posted to `online` of the recipient's terminals: enqueue its push when none
        (or always under `offline_push_scope=platform`, the task then looks at the terminals' types)."""
        push = PushInfo.parse(info)
        if push.flag == 1 or not _configured(app) or (online and app.config.offline_push_scope != "platform"):
            return False
        self._tasks.enqueue(rules.TASK, self._payload(app, C2C, sender, nick, body, push, users=[recipient]))
        return True

    def after_group(
        self,
        app: App,
        *,
        group_id: str,
        incarnation: str,
        group_type: str,
        sender: str,
        nick: str,
        body: Sequence[Any],
        info: Mapping[str, Any] | None,
    ) -> bool:
        """A stored group message: one task finds the offline members (the send never lists members)."""
        push = PushInfo.parse(info)
        if push.flag == 1 or not _configured(app) or group_type in NO_PUSH_GROUP_TYPES:
            return False
        payload = self._payload(app, GROUP, sender, nick, body, push, group=group_id, inc=incarnation)
        self._tasks.enqueue(rules.TASK, payload)
        return True

    def after_all_member(
        self, sdkappid: int, data: Mapping[str, Any], info: Mapping[str, Any] | None, users: Sequence[str] | None
    ) -> bool:
        """An all-member push step (itself a task): the offline ones of `users`, or (None) every device of the app,
        are pushed by offline_push tasks."""
        app = self._apps.get(sdkappid)
        push = PushInfo.parse(info)
        if push.flag == 1 or not _configured(app):
            return False
        sender, body = str(data.get("From_Account") or ""), list(data.get("MsgBody") or [])
        extra: dict[str, Any] = {"users": list(users)} if users is not None else {"everyone": True, "after": ""}
        self._tasks.enqueue(rules.TASK, self._payload(app, ALL_MEMBER, sender, "", body, push, **extra))
        return True

    @staticmethod
    def _payload(
        app: App, kind: str, sender: str, nick: str, body: Sequence[Any], push: PushInfo, **extra: Any
    ) -> dict[str, Any]:
        return {
            "sdkappid": app.sdkappid,
            "kind": kind,
            "sender": sender,
            "nick": nick,
            "body": list(body),
            "info": push.to_wire(),
            **extra,
        }

    # --- the task --------------------------------------------------------------------------------------------------
    def run(self, payload: Mapping[str, Any]) -> Published:
        app = self._apps.get(int(payload["sdkappid"]))
        if payload["kind"] == GROUP and "users" not in payload:
            return self._split_group(app, payload)
        info = PushInfo(**payload.get("info", {}))
        walk: dict[str, list[Device]] | None = None
        if payload.get("retry"):  # only the devices whose publish failed last time
            walk = {}
            for user, platform, token in payload["retry"]:
                walk.setdefault(user, []).append(Device(user, platform, token))
            users = list(walk)
        elif payload.get("everyone"):  # all-member push to everybody: one page of the app's devices
            page, cursor = self._devices.app_page(app.sdkappid, str(payload["after"]), DEVICE_PAGE)
            if len(page) == DEVICE_PAGE:
                self._tasks.enqueue(rules.TASK, {**payload, "after": cursor})
            walk = {}
            for device in page:
                walk.setdefault(device.user, []).append(device)
            users = list(walk)
        else:
            users = [str(u) for u in payload["users"]]
        # C2C: the send found no online terminal; else (groups were split by presence) only the platform scope and
        # all-member pushes need to know who is online now
        checks = payload["kind"] == ALL_MEMBER or app.config.offline_push_scope == "platform"
        online = self._directory.of_users(app.sdkappid, users) if checks and users else {}
        sent = dropped = 0
        failed: list[Device] = []
        unread: list[str] = []  # recipients whose devices could not even be read: retried whole
        for user in users:
            conns = online.get(user, [])
            if conns and app.config.offline_push_scope != "platform":
                continue
            types = {rules.TERMINAL_TYPES.get(c.platform.lower(), "pc") for c in conns}
            try:
                s, d = self._push_user(app, user, payload, info, types, None if walk is None else walk[user], failed)
            except Exception:  # one recipient's failure must not cost the others their push
                log.exception("offline push failed for one recipient")
                unread.append(user)
                continue
            sent, dropped = sent + s, dropped + d
        if sent and payload["kind"] in (C2C, GROUP):
            self._metrics.incr(app, "C2CAPNSMsgNum" if payload["kind"] == C2C else "GroupAPNSMsgNum", sent)
        if failed or unread:
            self._retry(payload, failed, unread)
        return Published(sent, dropped)

    def _retry(self, payload: Mapping[str, Any], failed: Sequence[Device], users: Sequence[str] = ()) -> None:
        """Devices whose publish failed get a new task (each device once: no duplicate on the ones that worked), and
        recipients whose devices could not be read another; after MAX_ATTEMPTS the push is given up and logged (no
        token, no content)."""
        attempt = int(payload.get("attempt", 0)) + 1
        if attempt >= MAX_ATTEMPTS:
            # The task (by now only the failing devices) fails: SQS redelivers it, then moves it to the dead-letter
            # queue (api/tasks.py), from where `yuntong dlq redrive` replays it.
            raise PushFailed(f"offline push failed {attempt} times: {len(failed)} device(s), {len(users)} recipient(s)")
        rest = {k: v for k, v in payload.items() if k not in ("everyone", "after", "retry", "attempt", "users")}
        if failed:
            retry = [[d.user, d.platform, d.token] for d in failed]
            users_of = list(dict.fromkeys(d.user for d in failed))
            self._tasks.enqueue(rules.TASK, {**rest, "users": users_of, "retry": retry, "attempt": attempt})
        if users:
            self._tasks.enqueue(rules.TASK, {**rest, "users": list(users), "attempt": attempt})

    def _split_group(self, app: App, payload: Mapping[str, Any]) -> Published:
        """Offline members with push on (MsgFlag AcceptAndNotify), in tasks of GROUP_PAGE recipients."""
        if self.groups is None:
            return Published(0, 0)
        found = self.groups.push_members(app, str(payload["group"]), str(payload["inc"]))
        if found is None:
            return Published(0, 0)  # dissolved (or recreated) since
        _, name, members = found
        candidates = [u for u, flag in members if flag == rules.ACCEPT_AND_NOTIFY and u != payload["sender"]]
        platform_scope = app.config.offline_push_scope == "platform"
        for i in range(0, len(candidates), GROUP_PAGE):
            chunk = candidates[i : i + GROUP_PAGE]
            online = self._directory.of_users(app.sdkappid, chunk)
            offline = chunk if platform_scope else [u for u in chunk if not online.get(u)]
            if offline:
                self._tasks.enqueue(rules.TASK, {**payload, "users": offline, "group_name": name})
        return Published(0, 0)

    def _push_user(
        self,
        app: App,
        user: str,
        payload: Mapping[str, Any],
        info: PushInfo,
        online_types: set[str],
        known: list[Device] | None = None,
        failed: list[Device] | None = None,
    ) -> tuple[int, int]:
        devices, prefs = self._devices.of_user(app.sdkappid, user)
        if known is not None:  # a page of the app's devices: only those (the rest are on other pages)
            tokens = {(d.platform, d.token) for d in known}
            devices = [d for d in devices if (d.platform, d.token) in tokens]
        devices = [d for d in devices if rules.DEVICE_TERMINALS[d.platform] not in online_types]
        if not devices or not self._wants(app, payload, prefs):
            return 0, 0
        group = str(payload.get("group") or "")
        notice = rules.notice(
            info,
            sender=str(payload["sender"]),
            nick=str(payload.get("nick") or ""),
            body=payload.get("body") or [],
            badge=self._badge_of(app, user) if info.badge_mode != 1 else 0,
            kind=str(payload["kind"]),
            group_id=group,
            group_name=str(payload.get("group_name") or ""),
        )
        sent = dropped = 0
        for device in devices:
            body = rules.payload(device.platform, notice)
            if body is None:
                log.warning("offline push skipped: the payload cannot fit %s's limit", device.platform)
                continue
            try:
                if device.platform == rules.WEBHOOK:
                    target = app.config.push_webhook_arn
                    if not target:
                        continue
                    doc = {"token": device.token, "user": user, "notification": json.loads(body)}
                    result = self._gateway.publish(target, json.dumps(doc, ensure_ascii=False), raw=True)
                else:
                    result = self._gateway.publish(device.endpoint, rules.sns_message(device.platform, body))
            except Exception:  # throttled, SNS unreachable...: this device is retried by a new task
                log.exception("offline push publish failed")
                if failed is not None:
                    failed.append(device)
                continue
            if result == "sent":
                sent += 1
            else:
                self._drop(app, device)
                dropped += 1
        return sent, dropped

    def _wants(self, app: App, payload: Mapping[str, Any], prefs: PushPrefs) -> bool:
        """Receive option of the conversation (C2C: ours; groups: MsgFlag, filtered before) and quiet hours."""
        if payload["kind"] == C2C and prefs.receive_opt(1, str(payload["sender"])) != rules.ACCEPT_AND_NOTIFY:
            return False
        if payload["kind"] == GROUP and prefs.receive_opt(2, str(payload["group"])) != rules.ACCEPT_AND_NOTIFY:
            return False
        local = datetime.fromtimestamp(self._clock.now(), zone(app.config.timezone))
        return not rules.in_quiet_time(prefs.quiet_start, prefs.quiet_end, local.hour * 60 + local.minute)

    def _badge_of(self, app: App, user: str) -> int:
        try:
            return self._badge(app, user)
        except Exception:  # a badge is a nicety: never lose the push for it
            log.exception("could not count the unread badge")
            return 0


def _configured(app: App) -> bool:
    """An app without push credentials enqueues nothing (its config is in memory: no request)."""
    return any(app.config.push_arn(p) for p in rules.PLATFORMS)


def devices_wire(devices: Iterable[Device]) -> list[dict[str, Any]]:
    return [
        {"Platform": d.platform, "Token": d.token, "Terminal": d.terminal, "UpdateTime": d.updated} for d in devices
    ]


class GroupPushMembers:
    """GroupMembers over the group repository: the group (same incarnation) and its members' MsgFlag."""

    def __init__(self, repo: GroupRepo) -> None:
        self._repo = repo

    def push_members(self, app: App, gid: str, inc: str) -> tuple[str, str, list[tuple[str, str]]] | None:
        group = self._repo.get(app.sdkappid, gid)
        if group is None or group.incarnation != inc:
            return None
        return group.kind, group.name, [(m.user, m.msg_flag) for m in self._repo.all_members(group)]
