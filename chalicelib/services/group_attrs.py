"""Group attributes: get_group_attr, modify_group_attr, set_group_attr, clear_group_attr.

Members (and the App admin) read and write them, as Tencent's client SDKs let any member of the group do; each write
pushes `GroupAttrChanged` (the whole set and its version, as Tencent's onGroupAttributeChanged gives the whole map)
to the online members through the group fan-out. A write that loses a race re-reads and retries twice, then answers
10056 with nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chalicelib.domain import errors
from chalicelib.domain import group_attrs as rules
from chalicelib.domain.apps import App
from chalicelib.domain.group_attrs import GroupAttrs
from chalicelib.domain.groups import Group, GroupRef
from chalicelib.services.group_access import GroupAccess
from chalicelib.services.group_fanout import GroupFanout
from chalicelib.services.group_ports import GroupAttrRepo

ATTR_EVENT = "GroupAttrChanged"
ATTEMPTS = 3


class GroupAttrService:
    def __init__(self, access: GroupAccess, repo: GroupAttrRepo, fanout: GroupFanout) -> None:
        self._access = access
        self._repo = repo
        self._fanout = fanout

    def get(self, app: App, caller: str, is_admin: bool, gid: str) -> GroupAttrs:
        group = self._load(app, caller, is_admin, gid)
        return self._repo.get(app.sdkappid, group.group_id, group.incarnation)

    def modify(self, app: App, caller: str, is_admin: bool, gid: str, changes: Mapping[str, str]) -> GroupAttrs:
        return self._write(app, caller, is_admin, gid, lambda current: rules.modified(current, changes))

    def set(self, app: App, caller: str, is_admin: bool, gid: str, values: Mapping[str, str]) -> GroupAttrs:
        whole = rules.replaced(values)
        return self._write(app, caller, is_admin, gid, lambda _: whole)

    def clear(self, app: App, caller: str, is_admin: bool, gid: str) -> GroupAttrs:
        return self._write(app, caller, is_admin, gid, lambda _: {})

    def _load(self, app: App, caller: str, is_admin: bool, gid: str) -> Group:
        group = self._access.load(app, gid)
        if not is_admin:
            self._access.member(group, caller)  # 10007 for a non-member
        return group

    def _write(
        self, app: App, caller: str, is_admin: bool, gid: str, change: Callable[[dict[str, str]], dict[str, str]]
    ) -> GroupAttrs:
        group = self._load(app, caller, is_admin, gid)
        sdk, inc = app.sdkappid, group.incarnation
        for attempt in range(ATTEMPTS):
            current = self._repo.get(sdk, group.group_id, inc, consistent=True)
            values = change(dict(current.values))  # 10004 over the limits, before anything is written
            try:
                version = self._repo.put(sdk, group.group_id, inc, values, current.version)
            except errors.DomainError as err:
                if err.error_code != rules.CONFLICT or attempt == ATTEMPTS - 1:
                    raise
                continue
            written = GroupAttrs(values, version)
            data = {"GroupId": group.group_id, "GroupAttrAry": written.items(), "AttrVersion": version}
            self._fanout.deliver(app, GroupRef.of(group), ATTR_EVENT, data)
            return written
        raise errors.error(rules.CONFLICT)  # not reached: the last attempt raises
