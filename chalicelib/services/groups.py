"""Group lifecycle and membership: create/import, list, info, modify, hand over, dissolve; members, roles, mutes,
join applications and quitting; the online-member index kept on login and logout; the offline-kick job.

Rules come from domain/groups.py; every permission and input check happens before the first write, so a refused
call writes nothing. Events pushed besides group tips: `GroupJoinApplication` (to the owner and admins) and
`GroupJoinApplicationResult` (to the applicant).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import callbacks as cb
from chalicelib.domain import errors, mute
from chalicelib.domain import group_messages as tips
from chalicelib.domain import groups as rules
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import GROUP
from chalicelib.domain.group_messages import visible_from
from chalicelib.domain.groups import (
    ADMIN,
    AVCHATROOM,
    FREE_ACCESS,
    MEMBER,
    NOT_MEMBER,
    OWNER,
    Group,
    GroupRef,
    Member,
    OnlineTerminal,
)
from chalicelib.domain.stats import day_of
from chalicelib.services import callbacks
from chalicelib.services.accounts import AccountService
from chalicelib.services.conversations import ConversationRepo
from chalicelib.services.dirtywords import DirtyWordService
from chalicelib.services.group_access import GroupAccess
from chalicelib.services.group_messages import GroupMessageService
from chalicelib.services.group_ports import GroupOnlineIndex
from chalicelib.services.notify import Notifier
from chalicelib.services.ports import Connection, ConnectionDirectory, Metrics, TaskQueue

CLEANUP_TASK = "group_cleanup"
APPLICATION_EVENT, APPLICATION_RESULT_EVENT = "GroupJoinApplication", "GroupJoinApplicationResult"
# API Gateway closes every websocket within 2 hours: an index row never needs to outlive that.
ONLINE_ROW_SECONDS = 2 * 3600 + 300
KICK_BATCH = 1000
ID_ATTEMPTS = 5
SYSTEM = ""  # Operator_Account of tips the system itself causes (offline kick)


@dataclass(frozen=True)
class NewGroup:
    type_name: str
    name: str
    owner: str | None = None
    group_id: str | None = None
    introduction: str = ""
    notification: str = ""
    face_url: str = ""
    max_members: int | None = None
    apply_join: str | None = None
    app_data: dict[str, str] = field(default_factory=dict)
    kick_offline: bool = False  # Yuntong's setting: remove members offline for offline_kick_seconds
    created_at: int | None = None  # import_group

    @property
    def kind(self) -> str:
        return rules.kind_of(self.type_name)


@dataclass(frozen=True)
class NewMember:
    user: str
    role: str = MEMBER
    join_time: int | None = None
    msg_flag: str | None = None
    name_card: str = ""
    app_data: dict[str, str] = field(default_factory=dict)
    unread: int | None = None  # import_group_member


@dataclass(frozen=True)
class MemberChanges:
    role: str | None = None
    msg_flag: str | None = None
    name_card: str | None = None
    mute_seconds: int | None = None
    app_data: dict[str, str] | None = None


@dataclass(frozen=True)
class InfoResult:
    group_id: str
    group: Group | None
    code: int = 0
    info: str = ""
    members: list[Member] | None = None


@dataclass(frozen=True)
class Application:
    user: str
    message: str
    time: int


class GroupService:
    def __init__(
        self,
        access: GroupAccess,
        messages: GroupMessageService,
        online: GroupOnlineIndex,
        directory: ConnectionDirectory,
        accounts: AccountService,
        dirty_words: DirtyWordService,
        notifier: Notifier,
        metrics: Metrics,
        tasks: TaskQueue,
        conversations: ConversationRepo,
        clock: Clock,
    ) -> None:
        self._access = access
        self._conversations = conversations
        self._repo = access.repo
        self._messages = messages
        self._online = online
        self._directory = directory
        self._accounts = accounts
        self._dirty = dirty_words
        self._notifier = notifier
        self._metrics = metrics
        self._tasks = tasks
        self._clock = clock
        self.callbacks: callbacks.Callbacks = callbacks.NO_CALLBACKS  # set by wiring

    def _now(self) -> int:
        return int(self._clock.now())

    def _check_texts(self, app: App, **texts: str | None) -> None:
        """Dirty words are refused in names, introductions, notifications and name cards with 80001, the code the
        reference gives for every text check ([Q]: "群名称、群简介、群公告、群名片 ... 80001")."""
        for name, text in texts.items():
            if text:
                self._dirty.check(app, [text], what=name)

    # --- lifecycle -------------------------------------------------------------------------------
    def create(
        self, app: App, caller: str, is_admin: bool, spec: NewGroup, members: Sequence[NewMember], *, imported: bool
    ) -> Group:
        kind = spec.kind
        type_rules = rules.rules_of(kind)
        now = self._now()
        owner = spec.owner if spec.owner is not None else ("" if is_admin else caller)
        self._check_texts(app, Name=spec.name, Introduction=spec.introduction, Notification=spec.notification)
        for m in members:
            self._check_texts(app, NameCard=m.name_card)
        if members and kind == AVCHATROOM:
            raise errors.error(10004, "an AVChatRoom is created without MemberList: accounts join it themselves")
        wanted = [m for m in members if m.user != owner]
        for m in wanted:
            if m.role not in (ADMIN, MEMBER) or (m.role == ADMIN and not type_rules.has_admins):
                raise errors.error(
                    10004,
                    f"MemberList Role of {m.user!r} must be Member"
                    + (" or Admin" if type_rules.has_admins else f" in a {kind} group"),
                )
        users = list(dict.fromkeys(([owner] if owner else []) + [m.user for m in wanted]))
        known = self._accounts.existing(app.sdkappid, users)
        missing = [u for u in users if u not in known]
        if missing:
            raise errors.GroupAccountNotFound(f"accounts not imported: {', '.join(missing)}")
        cap = type_rules.default_max_members if spec.max_members is None else spec.max_members
        if cap and len(users) > cap:
            raise errors.GroupFull(f"{len(users)} members do not fit MaxMemberCount {cap}")
        if not imported:  # Group.CallbackBeforeCreateGroup: a refusal raises before anything is written
            callbacks.ask(
                self.callbacks, app, cb.GROUP_BEFORE_CREATE, Operator_Account=caller, Owner_Account=owner,
                Type=spec.type_name, Name=spec.name, CreateGroupNum=0, MemberList=cb.members(users),
            )  # fmt: skip
        created = spec.created_at or now
        online = self._directory.of_users(app.sdkappid, users)
        kick = type_rules.kicks_offline or spec.kick_offline
        by_user = {m.user: m for m in wanted}
        rows = []
        for user in users:
            m = by_user.get(user, NewMember(user))
            rows.append(
                Member(
                    user=user,
                    role=OWNER if user == owner else m.role,
                    join_time=m.join_time or created,
                    visible_from=1,
                    msg_flag=m.msg_flag or rules.MSG_FLAGS[0],
                    name_card=m.name_card,
                    app_data=m.app_data,
                    offline_since=now if kick and user not in online and user != owner else None,
                )
            )
        group = Group(
            sdkappid=app.sdkappid,
            group_id=spec.group_id or "",
            incarnation=rules.new_incarnation(),
            type_name=spec.type_name,
            kind=kind,
            name=spec.name,
            owner=owner,
            created_at=created,
            max_members=cap,
            apply_join=spec.apply_join or type_rules.default_apply,
            introduction=spec.introduction,
            notification=spec.notification,
            face_url=spec.face_url,
            app_data=spec.app_data,
            info_seq=1,
            last_info_time=created,
            member_num=len(rows),
            admins=tuple(sorted(r.user for r in rows if r.role == ADMIN)),
            serial=rules.new_serial(self._clock.now()),
            kick_offline=kick,
        )
        group = self._store_new(app, group, rows, imported=imported, now=now)
        discard = {r.user for r in rows if not rules.receives_online(r.msg_flag)}
        self._index_online(app, group, {u: conns for u, conns in online.items() if u not in discard})
        self._list_for(app, group, users, now)
        self._metrics.incr(app, "GroupNewGroupNum")
        if not imported:
            callbacks.notify(
                self.callbacks, app, cb.GROUP_AFTER_CREATE, GroupId=group.group_id, Operator_Account=caller,
                Owner_Account=owner, Type=group.type_name, Name=group.name, MemberList=cb.members(users),
                UserDefinedDataList=[{"Key": k, "Value": v} for k, v in group.app_data.items()],
            )  # fmt: skip
        return group

    def _require_accounts(self, app: App, users: Sequence[str]) -> None:
        unique = list(dict.fromkeys(users))
        known = self._accounts.existing(app.sdkappid, unique)
        missing = [u for u in unique if u not in known]
        if missing:
            raise errors.GroupAccountNotFound(f"accounts not imported: {', '.join(missing[:10])}")

    def _store_new(self, app: App, group: Group, rows: list[Member], *, imported: bool, now: int) -> Group:
        day = day_of(now, app.config.timezone)
        daily = None if imported else app.config.daily_new_groups
        custom = bool(group.group_id)
        for _ in range(1 if custom else ID_ATTEMPTS):
            candidate = group if custom else _with_id(group, rules.new_group_id(group.kind))
            try:
                self._repo.create(
                    candidate, rows, day=day, daily_limit=daily, total_limit=app.config.max_groups, expires=now
                )
                return candidate
            except errors.GroupIdTaken:
                if not custom:
                    continue
                existing = self._repo.get(app.sdkappid, group.group_id)
                if existing is not None and group.owner and existing.owner == group.owner:
                    raise errors.GroupIdTakenByOwner(
                        f"GroupId {group.group_id!r} is already in use, by a group {group.owner!r} owns"
                    ) from None
                raise
        raise errors.error(10002, "could not allocate a free GroupId; retry")

    def _list_for(self, app: App, group: Group, users: Sequence[str], now: int) -> None:
        """Put the group in its new members' recent contacts (Type 2). The row points at the group's stream and
        is written once per member, at joining: its last message and unread count are read when the list is."""
        if group.kind == AVCHATROOM:  # live rooms are not conversations
            return
        ref = self._messages.stream_ref(group)
        for user in users:
            self._conversations.record(app.sdkappid, user, GROUP, group.group_id, time=now, last=ref)

    def _unlist_for(self, sdkappid: int, group_id: str, users: Sequence[str]) -> None:
        for user in users:
            self._conversations.delete(sdkappid, user, GROUP, group_id)

    def _index_online(self, app: App, group: Group, online: Mapping[str, Sequence[Connection]]) -> None:
        terminals = [OnlineTerminal(u, c.connection_id) for u, conns in online.items() for c in conns]
        if terminals:
            self._online.add(app.sdkappid, [GroupRef.of(group)], terminals, self._now() + ONLINE_ROW_SECONDS)

    def _unindex(self, sdkappid: int, group: Group, users: Sequence[str]) -> None:
        """Drop the terminals of accounts that left a group from its online index."""
        online = self._directory.of_users(sdkappid, users)
        terminals = [OnlineTerminal(u, c.connection_id) for u, conns in online.items() for c in conns]
        if terminals:
            self._online.remove(sdkappid, [GroupRef.of(group)], terminals)

    def page(self, app: App, limit: int, after: int, type_name: str | None) -> tuple[int, list[Group], int]:
        kind = rules.kind_of(type_name) if type_name else None
        groups, nxt = self._repo.page(app.sdkappid, after, limit, kind)
        return self._repo.total(app.sdkappid), groups, nxt

    def skip_to(self, app: App, offset: int, type_name: str | None) -> int:
        """The serial after which the legacy `Offset` page starts."""
        if offset <= 0:
            return 0
        kind = rules.kind_of(type_name) if type_name else None
        groups, _ = self._repo.page(app.sdkappid, 0, offset, kind)
        return groups[-1].serial if len(groups) == offset else 2**62

    def info(self, app: App, caller: str, is_admin: bool, gids: Sequence[str], with_members: bool) -> list[InfoResult]:
        """get_group_info: one result per id, with its own ErrorCode (10010 unknown, 10007 not visible)."""
        found = self._repo.get_many(app.sdkappid, gids)
        out = []
        for gid in gids:
            group = found.get(gid)
            if group is None:
                out.append(InfoResult(gid, None, 10010, "group does not exist or was dissolved"))
                continue
            actor, _ = self._access.actor(group, caller, is_admin)
            try:
                rules.check_read_info(group, actor)
            except errors.DomainError as err:
                out.append(InfoResult(gid, None, err.error_code, err.info))
                continue
            members = list(self._repo.all_members(group)) if with_members and group.kind != AVCHATROOM else None
            out.append(InfoResult(gid, group, members=members))
        return out

    def modify(self, app: App, caller: str, is_admin: bool, gid: str, changes: Mapping[str, Any]) -> Group:
        """modify_group_base_info; `changes` uses Group's attribute names. A ModifyGroupInfo tip lists the changes."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_modify_info(group.rules, actor)
        if "max_members" in changes:
            cap = rules.check_max_members(group.kind, changes["max_members"])
            changes = {**changes, "max_members": cap}
            if cap and cap < group.member_num:
                raise errors.error(10004, f"MaxMemberNum {cap} is below the current {group.member_num} members")
        self._check_texts(
            app,
            Name=changes.get("name"),
            Introduction=changes.get("introduction"),
            Notification=changes.get("notification"),
        )
        if not changes:
            return group
        changes = dict(changes)
        if "app_data" in changes:
            merged = {k: v for k, v in {**group.app_data, **changes["app_data"]}.items() if v}
            if len(merged) > rules.GROUP_DATA_KEYS:
                raise errors.error(10004, f"AppDefinedData holds at most {rules.GROUP_DATA_KEYS} keys")
            changes["app_data"] = merged
        self._repo.update(group, changes, self._now())
        self._messages.tip(app, group, tips.INFO_CHANGE, caller, {"GroupInfo": _wire_changes(changes)})
        callbacks.notify(
            self.callbacks, app, cb.GROUP_AFTER_INFO, GroupId=group.group_id, Type=group.type_name,
            Operator_Account=caller, **cb.group_info(changes),
        )  # fmt: skip
        return group

    def change_owner(self, app: App, caller: str, is_admin: bool, gid: str, new_owner: str) -> None:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_owner_or_app_admin(actor, "hand the group over")
        if new_owner == group.owner:
            return
        self._repo.change_owner(group, group.owner, new_owner)
        self._messages.tip(app, group, tips.CHANGE_OWNER, caller, {"NewOwner_Account": new_owner})

    def destroy(self, app: App, caller: str, is_admin: bool, gid: str) -> None:
        """Members are told (a Dismiss tip in the old incarnation); the GroupId is free for a new, unrelated group."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_owner_or_app_admin(actor, "dissolve the group")
        members: list[dict[str, str]] = []
        if self.callbacks.wants(app, cb.GROUP_AFTER_DESTROY):  # its MemberList: the members are read only then
            members = [{"Member_Account": m.user} for m in self._repo.all_members(group)]
        self._messages.tip(app, group, tips.DISMISS, caller, {})
        now = self._now()
        self._repo.delete(group, day_of(now, app.config.timezone), now)
        self._tasks.enqueue(CLEANUP_TASK, {"sdkappid": app.sdkappid, "group": gid, "inc": group.incarnation})
        self._metrics.incr(app, "GroupDestroyGroupNum")
        callbacks.notify(
            self.callbacks, app, cb.GROUP_AFTER_DESTROY, GroupId=gid, Type=group.type_name, Owner_Account=group.owner,
            Name=group.name, MemberList=members,
        )  # fmt: skip

    def cleanup(self, payload: Mapping[str, Any]) -> int:
        """Background removal of a dissolved incarnation's rows (members, applications, seq watermark)."""
        sdkappid, gid, inc = int(payload["sdkappid"]), str(payload["group"]), str(payload["inc"])
        members = self._repo.purge(sdkappid, gid, inc)
        if self._repo.get(sdkappid, gid) is None:  # not recreated meanwhile: its members' rows name the old group
            self._unlist_for(sdkappid, gid, members)
        self._messages.forget(sdkappid, gid, inc)
        return len(members)

    # --- members ---------------------------------------------------------------------------------
    def add_members(
        self, app: App, caller: str, is_admin: bool, gid: str, users: Sequence[str], *, silence: bool
    ) -> list[tuple[str, int]]:
        """add_group_member: per account 1 added, 2 already a member, 0 failed (not an imported account)."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_invite(group.rules, actor)
        unique = list(dict.fromkeys(users))
        known = self._accounts.existing(app.sdkappid, unique)
        present = self._repo.members(group, unique)
        added, already = self._join(
            app, group, [u for u in unique if u in known and u not in present], caller, silence=silence
        )
        result = {u: 1 for u in added} | {u: 2 for u in [*present, *already]}
        return [(u, result.get(u, 0)) for u in unique]

    def _join(
        self, app: App, group: Group, users: Sequence[str], operator: str, *, silence: bool = False
    ) -> tuple[list[str], list[str]]:
        """Add members from now on (history visible per the type's rule), index their terminals, tip the group."""
        if not users:
            return [], []
        now = self._now()
        first = visible_from(group.rules, self._messages.last_seq(group))
        online = self._directory.of_users(app.sdkappid, users)
        members = [
            Member(u, MEMBER, now, first, offline_since=now if group.kick_offline and u not in online else None)
            for u in users
        ]
        added, already = self._repo.add_members(group, members)
        self._index_online(app, group, {u: online[u] for u in added if u in online})
        self._list_for(app, group, added, now)
        if added:
            self._metrics.incr(app, "GroupJoinGroupTimes", len(added))
            callbacks.notify(
                self.callbacks, app, cb.GROUP_AFTER_JOIN, GroupId=group.group_id, Type=group.type_name,
                JoinType="Apply" if list(added) == [operator] else "Invited", Operator_Account=operator,
                NewMemberList=cb.members(added),
            )  # fmt: skip
            if not silence:
                details = {"MemberList": [{"Member_Account": u} for u in added]}
                self._messages.tip(app, group, tips.JOIN, operator, details)
        return added, already

    def delete_members(
        self, app: App, caller: str, is_admin: bool, gid: str, users: Sequence[str], *, silence: bool, reason: str
    ) -> list[str]:
        """Existing accounts that are not members are skipped, as Tencent does (doc 1622: a user that was not in the
        group still answers success); an account that was never imported is 10019 and nothing is removed."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        self._require_accounts(app, users)
        targets = self._repo.members(group, users)
        for member in targets.values():
            rules.check_kick(group.rules, actor, member.role)
        return self._leave(app, group, list(targets), tips.KICK, caller, silence=silence, reason=reason)

    def _leave(
        self, app: App, group: Group, users: Sequence[str], op: str, operator: str, *, silence: bool, reason: str = ""
    ) -> list[str]:
        removed = self._repo.remove_members(group, users)
        if not removed:
            return removed
        self._unindex(app.sdkappid, group, removed)
        self._unlist_for(app.sdkappid, group.group_id, removed)
        self._metrics.incr(app, "GroupQuitGroupTimes", len(removed))
        callbacks.notify(
            self.callbacks, app, cb.GROUP_AFTER_EXIT, GroupId=group.group_id, Type=group.type_name,
            ExitType="Quit" if op == tips.QUIT else "Kicked", Operator_Account=operator,
            ExitMemberList=cb.members(removed),
        )  # fmt: skip
        if not silence:
            details: dict[str, Any] = {"MemberList": [{"Member_Account": u} for u in removed]}
            if reason:
                details["Reason"] = reason
            self._messages.tip(app, group, op, operator, details, also=removed)
        return removed

    def quit(self, app: App, user: str, gid: str) -> None:
        group = self._access.load(app, gid)
        member = self._repo.member(group, user)
        rules.check_quit(group.rules, member.role if member else NOT_MEMBER)
        if member is not None and member.role == OWNER:
            self._repo.clear_owner(group)
        self._leave(app, group, [user], tips.QUIT, user, silence=False)

    def member_page(
        self, app: App, caller: str, is_admin: bool, gid: str, limit: int, offset: int, roles: Sequence[str]
    ) -> tuple[Group, list[Member]]:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_read_info(group, actor)
        out: list[Member] = []
        skipped = 0
        for member in self._repo.all_members(group):
            if roles and member.role not in roles:
                continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(member)
            if len(out) >= limit:
                break
        return group, out

    def modify_member(self, app: App, caller: str, is_admin: bool, gid: str, user: str, changes: MemberChanges) -> None:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        target = self._access.member(group, user)
        fields: dict[str, Any] = {}
        if changes.role is not None and changes.role != target.role:
            rules.check_set_role(group.rules, actor, target.role, changes.role)
        if changes.name_card is not None or changes.app_data is not None:
            rules.check_edit_member(group.rules, actor, user, target.role)
            self._check_texts(app, NameCard=changes.name_card)
            if changes.name_card is not None:
                fields["name_card"] = changes.name_card
            if changes.app_data is not None:
                fields["app_data"] = {**target.app_data, **changes.app_data}
        if changes.msg_flag is not None:
            if not is_admin and caller != user:
                raise errors.GroupForbidden("only the member itself sets its MsgFlag")
            fields["msg_flag"] = changes.msg_flag
        if changes.mute_seconds is not None:
            rules.check_mute(group.rules, actor, target.role)
            fields["mute_until"] = mute.until(self._now(), changes.mute_seconds)
        if changes.role is not None and changes.role != target.role:
            self._repo.set_role(group, user, changes.role)
            self._messages.tip(app, group, tips.MEMBER_CHANGE, caller, {"Member_Account": user, "Role": changes.role})
        if fields and not self._repo.update_member(group, user, fields):
            raise errors.GroupForbidden(f"{user!r} is not a member of group {gid!r}")
        if changes.msg_flag is not None:
            self._follow_msg_flag(app, group, user, changes.msg_flag)
        if changes.mute_seconds is not None:
            self._mute_tip(app, group, caller, [user], changes.mute_seconds)

    def _follow_msg_flag(self, app: App, group: Group, user: str, msg_flag: str) -> None:
        """Discard takes the member's online terminals out of the group's index (no online delivery either); any
        other flag puts them back. Done on every set, not only on a change, so setting a flag again also repairs
        rows a login hook wrote from a stale read of the flag (the account's member rows are read from a GSI)."""
        if rules.receives_online(msg_flag):
            self._index_online(app, group, self._directory.of_users(app.sdkappid, [user]))
        else:
            self._unindex(app.sdkappid, group, [user])

    def _mute_tip(self, app: App, group: Group, operator: str, users: Sequence[str], seconds: int) -> None:
        details = {"MemberList": [{"Member_Account": u, "ShutUpTime": seconds} for u in users]}
        self._messages.tip(app, group, tips.MUTE, operator, details)

    def mute(self, app: App, caller: str, is_admin: bool, gid: str, users: Sequence[str], seconds: int) -> None:
        """forbid_send_msg: seconds from now, 0 to lift, 4294967295 forever."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        unique = list(dict.fromkeys(users))
        targets = self._repo.members(group, unique)
        missing = [u for u in unique if u not in targets]
        if missing:
            raise errors.GroupForbidden(f"not members of group {gid!r}: {', '.join(missing)}")
        for member in targets.values():
            rules.check_mute(group.rules, actor, member.role)
        until = mute.until(self._now(), seconds)
        for user in unique:
            self._repo.update_member(group, user, {"mute_until": until})
        self._mute_tip(app, group, caller, unique, seconds)

    def muted(self, app: App, caller: str, is_admin: bool, gid: str) -> list[tuple[str, int]]:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_read_info(group, actor)
        now = self._clock.now()
        return [(m.user, m.mute_until) for m in self._repo.all_members(group) if mute.is_muted(m.mute_until, now)]

    def roles(self, app: App, gid: str, users: Sequence[str]) -> list[tuple[str, str]]:
        group = self._access.load(app, gid)
        found = self._repo.members(group, users)
        return [(u, found[u].role if u in found else NOT_MEMBER) for u in users]

    def joined(
        self, app: App, user: str, *, type_name: str | None, with_huge: bool, limit: int, offset: int
    ) -> tuple[int, list[tuple[Group, Member]]]:
        """get_joined_group_list: the account's groups (member rows of dissolved groups are skipped)."""
        self._require_accounts(app, [user])
        kind = rules.kind_of(type_name) if type_name else None
        refs = self._repo.memberships(app.sdkappid, user)
        groups = self._repo.get_many(app.sdkappid, [r.group_id for r in refs])
        pairs = []
        for ref in refs:
            group = groups.get(ref.group_id)
            if group is None or group.incarnation != ref.incarnation:
                continue
            if (kind and group.kind != kind) or (group.kind == AVCHATROOM and not with_huge and kind != AVCHATROOM):
                continue
            pairs.append((group, ref.member))
        pairs.sort(key=lambda p: (p[1].join_time, p[0].group_id))
        return len(pairs), pairs[offset : offset + limit]

    def import_members(self, app: App, gid: str, members: Sequence[NewMember]) -> list[tuple[str, int]]:
        """import_group_member: per account 1 imported, 2 already a member, 0 failed. No tips, history visible."""
        group = self._access.load(app, gid)
        if group.kind == AVCHATROOM:
            raise errors.GroupForbidden("members cannot be imported into an AVChatRoom")
        for m in members:
            if m.role not in (ADMIN, MEMBER) or (m.role == ADMIN and not group.rules.has_admins):
                raise errors.error(
                    10004,
                    f"Role of {m.user!r} must be Member"
                    + (" or Admin" if group.rules.has_admins else f" in a {group.kind} group"),
                )
        now = self._now()
        unique = {m.user: m for m in members}
        known = self._accounts.existing(app.sdkappid, list(unique))
        present = self._repo.members(group, list(unique))
        rows = [
            Member(u, m.role, m.join_time or now, 1, offline_since=now if group.kick_offline else None)
            for u, m in unique.items()
            if u in known and u not in present
        ]
        added, already = self._repo.add_members(group, rows)
        self._list_for(app, group, added, now)
        last = self._messages.last_seq(group)
        for u in added:
            if unique[u].unread is not None:
                self._repo.set_read_seq(group, u, max(0, last - int(unique[u].unread or 0)))
        result = {u: 1 for u in added} | {u: 2 for u in [*present, *already]}
        return [(u, result.get(u, 0)) for u in unique]

    # --- applications and quitting ---------------------------------------------------------------
    def apply(self, app: App, user: str, gid: str, message: str) -> bool:
        """An account asks to join: True if it joined at once (FreeAccess), False if the application waits."""
        group = self._access.load(app, gid)
        rules.check_apply(group)
        self._require_accounts(app, [user])
        if self._repo.member(group, user) is not None:
            raise errors.AlreadyMember(f"{user!r} is already a member of group {gid!r}")
        callbacks.ask(  # Group.CallbackBeforeApplyJoinGroup: a refusal raises
            self.callbacks, app, cb.GROUP_BEFORE_APPLY, GroupId=gid, Type=group.type_name, Requestor_Account=user
        )
        if group.apply_join == FREE_ACCESS:
            added, _ = self._join(app, group, [user], user)
            if not added:
                raise errors.AlreadyMember(f"{user!r} is already a member of group {gid!r}")
            return True
        now = self._now()
        self._repo.put_application(group, user, message, now)
        handlers = [u for u in (group.owner, *group.admins) if u]
        data = {"GroupId": gid, "Applicant_Account": user, "ApplyMsg": message, "ApplyTime": now}
        if handlers:
            self._notifier.to_users(app.sdkappid, handlers, APPLICATION_EVENT, data)
        return False

    def applications(self, app: App, caller: str, is_admin: bool, gid: str) -> list[Application]:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_approve(group.rules, actor)
        return [Application(u, m, t) for u, m, t in self._repo.applications(group)]

    def handle_application(
        self, app: App, caller: str, is_admin: bool, gid: str, applicant: str, approve: bool, reason: str
    ) -> None:
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        rules.check_approve(group.rules, actor)
        taken = self._repo.take_application(group, applicant)
        if taken is None:
            raise errors.ApplicationHandled(f"no pending application of {applicant!r} to group {gid!r}")
        if approve:
            try:
                self._join(app, group, [applicant], caller)
            except errors.DomainError:
                self._repo.put_application(group, applicant, *taken)  # still pending: the group is full or gone
                raise
        data = {
            "GroupId": gid,
            "Decision": "Agree" if approve else "Reject",
            "Operator_Account": caller,
            "Reason": reason,
        }
        self._notifier.to_users(app.sdkappid, [applicant], APPLICATION_RESULT_EVENT, data)

    # --- presence (called by the realtime edge) and the offline-kick job -------------------------
    def on_connected(self, conn: Connection) -> None:
        """Index the new terminal in each of the account's groups whose MsgFlag is not Discard; it is no longer
        offline in kick-enabled ones."""
        refs = self._repo.memberships(conn.sdkappid, conn.user)
        if not refs:
            return
        terminal = OnlineTerminal(conn.user, conn.connection_id)
        receiving = [r.ref for r in refs if rules.receives_online(r.member.msg_flag)]  # Discard: not indexed
        if receiving:
            self._online.add(conn.sdkappid, receiving, [terminal], self._now() + ONLINE_ROW_SECONDS)
        for r in refs:
            if r.kick_offline and r.member.offline_since is not None:
                self._repo.set_offline(conn.sdkappid, r.group_id, r.incarnation, conn.user, None)

    def on_disconnected(self, conn: Connection) -> None:
        """Drop the terminal from the index; when the account's last terminal went, its offline time starts."""
        refs = self._repo.memberships(conn.sdkappid, conn.user)
        if not refs:
            return
        self._online.remove(conn.sdkappid, [r.ref for r in refs], [OnlineTerminal(conn.user, conn.connection_id)])
        kick_refs = [r for r in refs if r.kick_offline and r.member.offline_since is None and r.member.role != OWNER]
        if not kick_refs:
            return
        others = [c for c in self._directory.of_user(conn.sdkappid, conn.user) if c.connection_id != conn.connection_id]
        if others:
            return
        now = self._now()
        for r in kick_refs:
            self._repo.set_offline(conn.sdkappid, r.group_id, r.incarnation, conn.user, now)

    def kick_offline(self, app: App) -> int:
        """Remove members of kick-enabled groups (every AVChatRoom) offline for `offline_kick_seconds` or more."""
        now = self._now()
        cutoff = now - app.config.offline_kick_seconds
        stale = self._repo.offline_before(app.sdkappid, cutoff + 1, KICK_BATCH)
        by_group: dict[tuple[str, str], list[str]] = {}
        for s in stale:
            by_group.setdefault((s.group_id, s.incarnation), []).append(s.user)
        kicked = 0
        for (gid, inc), users in by_group.items():
            group = self._repo.get(app.sdkappid, gid)
            if group is None or group.incarnation != inc:
                continue  # a dissolved group: the cleanup task removes its rows
            current = self._repo.members(group, users)  # the index is eventually consistent: confirm on the row
            due = [u for u, m in current.items() if m.offline_since is not None and m.offline_since <= cutoff]
            for owner in [u for u in due if current[u].role == OWNER]:  # the owner is never removed: stop tracking
                self._repo.set_offline(app.sdkappid, gid, inc, owner, None)
                due.remove(owner)
            kicked += len(self._leave(app, group, due, tips.KICK, SYSTEM, silence=False, reason="offline"))
        return kicked

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """A deleted account leaves every group silently (an owner leaves its group ownerless)."""
        for ref in self._repo.memberships(sdkappid, user):
            group = self._repo.get(sdkappid, ref.group_id)
            if group is None or group.incarnation != ref.incarnation:
                continue
            if group.owner == user:
                self._repo.clear_owner(group)
            self._repo.remove_members(group, [user])
            self._unindex(sdkappid, group, [user])  # its recent contacts go with its account partition


def _with_id(group: Group, gid: str) -> Group:
    return dataclasses.replace(group, group_id=gid)


_WIRE_NAMES = {
    "name": "Name",
    "introduction": "Introduction",
    "notification": "Notification",
    "face_url": "FaceUrl",
    "max_members": "MaxMemberNum",
    "apply_join": "ApplyJoinOption",
    "mute_all": "ShutUpAllMember",
}


def _wire_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "app_data":
            out["AppDefinedData"] = rules.data_items(value)
        elif name == "mute_all":
            out["ShutUpAllMember"] = rules.ON if value else rules.OFF
        else:
            out[_WIRE_NAMES[name]] = value
    return out
