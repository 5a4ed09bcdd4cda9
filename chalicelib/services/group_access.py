"""Finding a group and who acts in it: shared by group lifecycle, membership and messaging."""

from __future__ import annotations

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.groups import NOT_MEMBER, Actor, Group, Member, check_group_id
from chalicelib.services.group_ports import GroupRepo


class GroupAccess:
    def __init__(self, repo: GroupRepo) -> None:
        self.repo = repo

    def load(self, app: App, gid: str) -> Group:
        group = self.repo.get(app.sdkappid, check_group_id(gid))
        if group is None:
            raise errors.GroupNotFound(f"group {gid!r} does not exist or was dissolved")
        return group

    def actor(self, group: Group, user: str, is_app_admin: bool) -> tuple[Actor, Member | None]:
        """The actor and its member row (None if not a member). The App admin needs no row."""
        member = self.repo.member(group, user)
        return Actor(user, is_app_admin, member.role if member else NOT_MEMBER), member

    def member(self, group: Group, user: str) -> Member:
        member = self.repo.member(group, user)
        if member is None:
            raise errors.GroupForbidden(f"{user!r} is not a member of group {group.group_id!r}")
        return member
