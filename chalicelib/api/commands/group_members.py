"""group_open_http_svc, membership: add/delete/get/modify members, joined groups, roles, mutes, imports, unread,
and Yuntong's own commands for accounts (Tencent's SDK calls them; the REST API has none):
`apply_join_group`, `get_join_application_list`, `handle_join_application`, `quit_group`."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.commands.groups import GROUP, NEW_MEMBER, base_info, group_id, member_info, new_members
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors, mute
from chalicelib.domain import groups as rules
from chalicelib.services.groups import MemberChanges
from chalicelib.wiring import services

BATCH = rules.BATCH_ACCOUNTS
MEMBER_PAGE_MAX = 6000
JOINED_PAGE_MAX = 10_000


def _accounts(body: Body, name: str, *, required: bool = True) -> list[str]:
    return body.users(name, required=required, min_items=int(required), max_items=BATCH, max_code=10005) or []


def _mute_seconds(body: Body) -> int | None:
    """ShutUpTime (older clients) or MuteTime (current docs): seconds, 0 lifts, 4294967295 forever."""
    name = "MuteTime" if "MuteTime" in body else "ShutUpTime"
    return body.integer(name, max_value=mute.FOREVER)


_MUTE = (
    f.uint32("MuteTime", max_value=mute.FOREVER),
    f.uint32("ShutUpTime", max_value=mute.FOREVER, alias_of="MuteTime"),
)


@command(
    "group_open_http_svc/add_group_member",
    allow_self=True,
    fields=(
        GROUP,
        f.objects("MemberList", f.account("Member_Account", required=True), required=True),
        f.flag("Silence"),
    ),
)
def add_group_member(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    items = body.objects("MemberList", required=True, min_items=1, max_items=BATCH, max_code=10005) or []
    users = [item.user("Member_Account", required=True) for item in items]
    silence = body.integer("Silence", default=0, min_value=0, max_value=1) == 1
    results = services().groups.add_members(ctx.app, ctx.identifier, ctx.is_admin, gid, users, silence=silence)
    return {"MemberList": [{"Member_Account": u, "Result": r} for u, r in results]}


@command(
    "group_open_http_svc/delete_group_member",
    allow_self=True,
    fields=(
        GROUP,
        f.accounts("MemberToDel_Account", required=True),
        f.flag("Silence"),
        f.string("Reason", max_bytes=rules.NOTIFICATION_MAX_BYTES),
    ),
)
def delete_group_member(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    users = _accounts(body, "MemberToDel_Account")
    silence = body.integer("Silence", default=0, min_value=0, max_value=1) == 1
    reason = body.string("Reason", default="", max_bytes=rules.NOTIFICATION_MAX_BYTES)
    groups = services().groups
    groups.delete_members(ctx.app, ctx.identifier, ctx.is_admin, gid, users, silence=silence, reason=reason)
    return {}


@command(
    "group_open_http_svc/get_group_member_info",
    allow_self=True,
    fields=(
        GROUP,
        f.uint32("Limit", min_value=1, max_value=MEMBER_PAGE_MAX),
        f.uint32("Offset"),
        f.array("MemberInfoFilter"),
        f.array("MemberRoleFilter"),
        f.array("AppDefinedDataFilter_GroupMember"),
    ),
)
def get_group_member_info(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    limit = body.integer("Limit", default=MEMBER_PAGE_MAX, min_value=1, max_value=MEMBER_PAGE_MAX)
    offset = body.integer("Offset", default=0)
    fields = body.array("MemberInfoFilter")
    roles = body.array("MemberRoleFilter") or []
    if any(r not in rules.ROLES for r in roles):
        raise errors.error(10004, f"MemberRoleFilter takes {', '.join(rules.ROLES)}")
    keys = body.array("AppDefinedDataFilter_GroupMember")
    group, members = services().groups.member_page(ctx.app, ctx.identifier, ctx.is_admin, gid, limit, offset, roles)
    now = services().clock.now()
    return {"MemberNum": group.member_num, "MemberList": [member_info(m, fields, keys, now) for m in members]}


@command(
    "group_open_http_svc/modify_group_member_info",
    allow_self=True,
    fields=(
        GROUP,
        f.account("Member_Account", required=True),
        f.anything("AppMemberDefinedData"),
        f.string("Role", choices=(rules.ADMIN, rules.MEMBER)),
        f.string("MsgFlag", choices=rules.MSG_FLAGS),
        f.string("NameCard", max_bytes=rules.NAME_CARD_MAX_BYTES),
        *_MUTE,
    ),
)
def modify_group_member_info(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    user = body.user("Member_Account", required=True)
    data = body.raw("AppMemberDefinedData")
    changes = MemberChanges(
        role=body.string("Role", choices=(rules.ADMIN, rules.MEMBER)),
        msg_flag=body.string("MsgFlag", choices=rules.MSG_FLAGS),
        name_card=body.string("NameCard", max_bytes=rules.NAME_CARD_MAX_BYTES),
        mute_seconds=_mute_seconds(body),
        app_data=None if data is None else rules.check_app_data(data, max_keys=rules.MEMBER_DATA_KEYS, name="Data"),
    )
    services().groups.modify_member(ctx.app, ctx.identifier, ctx.is_admin, gid, user, changes)
    return {}


@command(
    "group_open_http_svc/get_joined_group_list",
    acting_field="Member_Account",
    fields=(
        f.account("Member_Account"),
        f.uint32("Limit", min_value=1, max_value=JOINED_PAGE_MAX),
        f.uint32("Offset"),
        f.flag("WithHugeGroups"),
        f.flag("WithNoActiveGroups"),
        f.obj("ResponseFilter", f.array("GroupBaseInfoFilter"), f.array("SelfInfoFilter")),
        f.string("GroupType"),
    ),
)
def get_joined_group_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("Member_Account", required=ctx.is_admin))
    limit = body.integer("Limit", default=JOINED_PAGE_MAX, min_value=1, max_value=JOINED_PAGE_MAX)
    offset = body.integer("Offset", default=0)
    with_huge = body.integer("WithHugeGroups", default=0, min_value=0, max_value=1) == 1
    flt = body.obj("ResponseFilter")
    fields = flt.array("GroupBaseInfoFilter") if flt else None
    self_fields = (flt.array("SelfInfoFilter") if flt else None) or []
    total, joined = services().groups.joined(
        ctx.app, user, type_name=body.string("GroupType"), with_huge=with_huge, limit=limit, offset=offset
    )
    unread = services().group_messages.unread(ctx.app, user, joined) if "UnreadMsgNum" in self_fields else {}
    now = services().clock.now()
    items = []
    for group, member in joined:
        item = {"GroupId": group.group_id, **base_info(group, fields or ["Type"], [])}
        if self_fields:
            mine = {**member_info(member, self_fields, [], now), "UnreadMsgNum": unread.get(group.group_id, 0)}
            item["SelfInfo"] = {k: v for k, v in mine.items() if k in self_fields}
        items.append(item)
    return {"TotalCount": total, "GroupIdList": items}


@command("group_open_http_svc/get_role_in_group", fields=(GROUP, f.user_ids("User_Account", required=True)))
def get_role_in_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    users = _accounts(body, "User_Account")
    roles = services().groups.roles(ctx.app, gid, users)
    return {"UserIdList": [{"Member_Account": u, "Role": r} for u, r in roles]}


@command(
    "group_open_http_svc/forbid_send_msg",
    allow_self=True,
    fields=(GROUP, f.accounts("Members_Account", required=True), *_MUTE),
)
def forbid_send_msg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    users = _accounts(body, "Members_Account")
    seconds = _mute_seconds(body)
    if seconds is None:
        raise errors.error(10004, "ShutUpTime (or MuteTime) is required")
    services().groups.mute(ctx.app, ctx.identifier, ctx.is_admin, gid, users, seconds)
    return {}


@command("group_open_http_svc/get_group_shutted_uin", allow_self=True, fields=(GROUP,))
def get_group_shutted_uin(ctx: AuthContext, body: Body) -> dict[str, Any]:
    muted = services().groups.muted(ctx.app, ctx.identifier, ctx.is_admin, group_id(body))
    return {"ShuttedUinList": [{"Member_Account": u, "ShuttedUntil": t} for u, t in muted]}


@command(
    "group_open_http_svc/import_group_member",
    fields=(GROUP, f.objects("MemberList", *NEW_MEMBER, f.uint32("UnreadMsgNum"), required=True)),
)
def import_group_member(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    members = new_members(body, imported=True)
    if len(members) > BATCH:
        raise errors.error(10005, f"MemberList holds at most {BATCH} members")
    results = services().groups.import_members(ctx.app, gid, members)
    return {"MemberList": [{"Member_Account": u, "Result": r} for u, r in results]}


@command(
    "group_open_http_svc/set_unread_msg_num",
    fields=(GROUP, f.account("Member_Account", required=True), f.uint32("UnreadMsgNum", required=True)),
)
def set_unread_msg_num(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    user = body.user("Member_Account", required=True)
    unread = body.integer("UnreadMsgNum", required=True)
    services().group_messages.set_unread(ctx.app, gid, user, unread)
    return {}


@command(
    "group_open_http_svc/apply_join_group",
    acting_field="Applicant_Account",
    fields=(
        f.account("Applicant_Account"),
        f.string("ApplyMsg", max_bytes=rules.NOTIFICATION_MAX_BYTES),
        GROUP,
    ),
)
def apply_join_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("Applicant_Account", required=ctx.is_admin))
    message = body.string("ApplyMsg", default="", max_bytes=rules.NOTIFICATION_MAX_BYTES)
    joined = services().groups.apply(ctx.app, user, group_id(body), message)
    return {"JoinStatus": "Joined" if joined else "Pending"}


@command("group_open_http_svc/get_join_application_list", allow_self=True, fields=(GROUP,))
def get_join_application_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    found = services().groups.applications(ctx.app, ctx.identifier, ctx.is_admin, group_id(body))
    return {
        "ApplicationList": [{"Applicant_Account": a.user, "ApplyMsg": a.message, "ApplyTime": a.time} for a in found]
    }


@command(
    "group_open_http_svc/handle_join_application",
    allow_self=True,
    fields=(
        GROUP,
        f.account("Applicant_Account", required=True),
        f.string("Decision", required=True, choices=("Agree", "Reject")),
        f.string("Reason", max_bytes=rules.NOTIFICATION_MAX_BYTES),
    ),
)
def handle_join_application(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    applicant = body.user("Applicant_Account", required=True)
    approve = body.string("Decision", required=True, choices=("Agree", "Reject")) == "Agree"
    reason = body.string("Reason", default="", max_bytes=rules.NOTIFICATION_MAX_BYTES)
    groups = services().groups
    groups.handle_application(ctx.app, ctx.identifier, ctx.is_admin, gid, applicant, approve, reason)
    return {}


@command("group_open_http_svc/quit_group", acting_field="Member_Account", fields=(f.account("Member_Account"), GROUP))
def quit_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("Member_Account", required=ctx.is_admin))
    services().groups.quit(ctx.app, user, group_id(body))
    return {}
