"""modify_group_msg: editing a stored group message, as modify_c2c_msg does for one-to-one ones.

Who may: the App admin, the message's sender, or the group's owner and admins; an editor who may not speak now (muted
in the group, the whole group muted for members, or the global group mute) is refused 10017, as a send would be.
A message recalled, deleted, expired or a group tip cannot be edited (10030). The edit is stored in place (history
shows the new body) and `GroupMessageModified` carries the edited message, in history's field names, to the online
members.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.domain import errors, mute
from chalicelib.domain import group_messages as rules
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.groups import ADMIN, MEMBER, OWNER, Group, GroupRef
from chalicelib.domain.messages import texts
from chalicelib.services.accounts import AccountService
from chalicelib.services.dirtywords import DirtyWordService
from chalicelib.services.group_access import GroupAccess
from chalicelib.services.group_fanout import GroupFanout
from chalicelib.services.group_ports import GroupMessageRepo

MODIFY_EVENT = "GroupMessageModified"
NOT_EDITABLE = 10030


class GroupMessageEdits:
    def __init__(
        self,
        access: GroupAccess,
        repo: GroupMessageRepo,
        fanout: GroupFanout,
        accounts: AccountService,
        dirty_words: DirtyWordService,
        clock: Clock,
    ) -> None:
        self._access = access
        self._repo = repo
        self._fanout = fanout
        self._accounts = accounts
        self._dirty = dirty_words
        self._clock = clock

    def modify(
        self,
        app: App,
        caller: str,
        is_admin: bool,
        gid: str,
        seq: int,
        *,
        body: list[dict[str, Any]] | None,
        cloud: str | None,
    ) -> None:
        group = self._access.load(app, gid)
        now = self._clock.now()
        msg = self._repo.get(app.sdkappid, group.group_id, group.incarnation, seq)
        if msg is None or msg.expired(now) or msg.is_system or msg.state != rules.LIVE:
            raise errors.error(NOT_EDITABLE, f"message {seq} of group {gid!r} does not exist or was recalled")
        if not is_admin:
            self._check_editor(app, group, caller, msg.sender, now)
        if body is not None:
            self._dirty.check(app, texts(body), what="MsgBody")
        if not self._repo.rewrite(app.sdkappid, group.group_id, group.incarnation, seq, body, cloud):
            raise errors.error(NOT_EDITABLE, f"message {seq} of group {gid!r} was recalled meanwhile")
        edited = replace(
            msg,
            body=msg.body if body is None else body,
            cloud_custom_data=msg.cloud_custom_data if cloud is None else cloud,
        )
        self._fanout.deliver(app, GroupRef.of(group), MODIFY_EVENT, rules.row(group.group_id, edited))

    def _check_editor(self, app: App, group: Group, caller: str, sender: str, now: float) -> None:
        member = self._access.member(group, caller)  # 10007 for a non-member
        if caller != sender and member.role not in (OWNER, ADMIN):
            raise errors.GroupForbidden(f"{caller!r} may edit only its own messages (owner and admins: any)")
        if mute.is_muted(member.mute_until, now):
            raise errors.Muted(f"{caller!r} is muted in this group and may not edit messages")
        if group.mute_all and member.role == MEMBER:
            raise errors.Muted("the whole group is muted (ShutUpAllMember): only the owner and admins may edit")
        record = self._accounts.record(app.sdkappid, caller)
        if record is not None and mute.is_muted(record.group_mute_until, now):
            raise errors.Muted(f"{caller!r} may not send group messages (setnospeaking)")
