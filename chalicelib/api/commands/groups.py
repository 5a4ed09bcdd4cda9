"""group_open_http_svc, lifecycle: create_group, import_group, get_appid_group_list, get_group_info,
modify_group_base_info, change_group_owner, destroy_group (and the background cleanup of a dissolved group)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body, Field, Kind
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import errors, mute
from chalicelib.domain import groups as rules
from chalicelib.domain.groups import Group, Member
from chalicelib.services.groups import CLEANUP_TASK, NewGroup, NewMember
from chalicelib.wiring import services

BASE_FIELDS = (
    "Type",
    "Name",
    "Introduction",
    "Notification",
    "FaceUrl",
    "Owner_Account",
    "CreateTime",
    "InfoSeq",
    "LastInfoTime",
    "LastMsgTime",
    "NextMsgSeq",
    "MemberNum",
    "MaxMemberNum",
    "ApplyJoinOption",
    "ShutUpAllMember",
    "MuteAllMember",
    "Appid",
)
MEMBER_FIELDS = ("Role", "JoinTime", "MsgFlag", "LastSendMsgTime", "NameCard", "ShutUpUntil", "MuteUntil")
GROUP_LIST_MAX = 10_000
GROUP_KEYS = rules.GROUP_DATA_KEYS


GROUP = f.group(required=True)
_NEW_GROUP = (
    f.string("Type", required=True, sample="Public"),
    f.string("Name", required=True, max_bytes=rules.NAME_MAX_BYTES),
    f.account("Owner_Account"),
    Field("GroupId", Kind.GROUP_ID, sample="newgroup1"),
    f.string("Introduction", max_bytes=rules.INTRODUCTION_MAX_BYTES),
    f.string("Notification", max_bytes=rules.NOTIFICATION_MAX_BYTES),
    f.string("FaceUrl", max_bytes=rules.FACE_URL_MAX_BYTES),
    f.anything("MaxMemberCount"),
    f.anything("MaxMemberNum", alias_of="MaxMemberCount"),
    f.anything("ApplyJoinOption"),
    f.anything("AppDefinedData"),
    f.anything("OfflineKick"),
)
NEW_MEMBER = (
    f.account("Member_Account", required=True),
    f.string("Role", choices=(rules.MEMBER, rules.ADMIN)),
    f.uint32("JoinTime"),
    f.string("MsgFlag", choices=rules.MSG_FLAGS),
    f.string("NameCard", max_bytes=rules.NAME_CARD_MAX_BYTES),
    f.anything("AppMemberDefinedData"),
)


def group_id(body: Body) -> str:
    return rules.check_group_id(body.string("GroupId", required=True))


def _new_group(body: Body) -> NewGroup:
    type_name = body.string("Type", required=True)
    kind = rules.kind_of(type_name)
    gid = body.raw("GroupId")
    max_members = body.raw("MaxMemberCount", body.raw("MaxMemberNum"))
    apply_join = body.raw("ApplyJoinOption")
    return NewGroup(
        type_name=type_name,
        name=body.string("Name", required=True, allow_empty=False, max_bytes=rules.NAME_MAX_BYTES),
        owner=body.user("Owner_Account"),
        group_id=None if gid is None else rules.check_custom_group_id(gid, kind),
        introduction=body.string("Introduction", default="", max_bytes=rules.INTRODUCTION_MAX_BYTES),
        notification=body.string("Notification", default="", max_bytes=rules.NOTIFICATION_MAX_BYTES),
        face_url=body.string("FaceUrl", default="", max_bytes=rules.FACE_URL_MAX_BYTES),
        max_members=None if max_members is None else rules.check_max_members(kind, max_members),
        apply_join=None if apply_join is None else rules.check_apply_option(apply_join),
        app_data=rules.check_app_data(body.raw("AppDefinedData"), max_keys=GROUP_KEYS, name="AppDefinedData"),
        kick_offline=rules.check_on_off("OfflineKick", body.raw("OfflineKick", rules.OFF)),
        created_at=body.integer("CreateTime", min_value=0),
    )


def new_members(body: Body, *, imported: bool) -> list[NewMember]:
    out = []
    for item in body.objects("MemberList", required=imported, min_items=int(imported)) or []:
        flag = item.raw("MsgFlag")
        out.append(
            NewMember(
                user=item.user("Member_Account", required=True),
                role=item.string("Role", default=rules.MEMBER, choices=(rules.ADMIN, rules.MEMBER)),
                join_time=item.integer("JoinTime", min_value=0),
                msg_flag=None if flag is None else item.string("MsgFlag", choices=rules.MSG_FLAGS),
                name_card=item.string("NameCard", default="", max_bytes=rules.NAME_CARD_MAX_BYTES),
                app_data=rules.check_app_data(
                    item.raw("AppMemberDefinedData"), max_keys=rules.MEMBER_DATA_KEYS, name="AppMemberDefinedData"
                ),
                unread=item.integer("UnreadMsgNum", min_value=0) if imported else None,
            )
        )
    return out


@command(
    "group_open_http_svc/create_group",
    acting_field="Owner_Account",
    fields=(*_NEW_GROUP, f.objects("MemberList", *NEW_MEMBER)),
)
def create_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    spec = _new_group(body)
    if spec.created_at is not None:
        raise errors.error(10004, "CreateTime is for import_group only")
    members = new_members(body, imported=False)
    group = services().groups.create(ctx.app, ctx.identifier, ctx.is_admin, spec, members, imported=False)
    return {"GroupId": group.group_id}


@command("group_open_http_svc/import_group", fields=(*_NEW_GROUP, f.uint32("CreateTime")))
def import_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    spec = _new_group(body)
    group = services().groups.create(ctx.app, ctx.identifier, ctx.is_admin, spec, [], imported=True)
    return {"GroupId": group.group_id}


@command(
    "group_open_http_svc/get_appid_group_list",
    fields=(
        f.uint32("Limit", min_value=1, max_value=GROUP_LIST_MAX),
        f.string("GroupType"),
        f.uint64("Next"),
        f.uint32("Offset"),
    ),
)
def get_appid_group_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    limit = body.integer("Limit", default=GROUP_LIST_MAX, min_value=1, max_value=GROUP_LIST_MAX)
    type_name = body.string("GroupType")
    groups = services().groups
    after = body.integer("Next", max_value=f.UINT64_MAX)
    if after is None:  # older clients page with Offset
        after = groups.skip_to(ctx.app, body.integer("Offset", default=0), type_name)
    total, found, nxt = groups.page(ctx.app, limit, after, type_name)
    return {"TotalCount": total, "GroupIdList": [{"GroupId": g.group_id} for g in found], "Next": nxt}


def _filter(body: Body | None, name: str, choices: tuple[str, ...] | None = None) -> list[str] | None:
    if body is None or name not in body:
        return None
    values = body.array(name) or []
    for v in values:
        if not isinstance(v, str) or (choices is not None and v not in choices):
            raise errors.error(10004, f"{name} holds unknown field {v!r}")
    return list(values)


def base_info(group: Group, fields: list[str] | None, data_keys: list[str] | None) -> dict[str, Any]:
    """A group's base information under Tencent's names, limited to `fields` (None: all)."""
    last_seq, last_time = 0, 0
    wanted = set(BASE_FIELDS if fields is None else fields)
    if wanted & {"NextMsgSeq", "LastMsgTime"}:
        last_seq, last_time = services().group_messages.last(group)
    values: dict[str, Any] = {
        "Type": group.type_name,
        "Name": group.name,
        "Introduction": group.introduction,
        "Notification": group.notification,
        "FaceUrl": group.face_url,
        "Owner_Account": group.owner,
        "CreateTime": group.created_at,
        "InfoSeq": group.info_seq,
        "LastInfoTime": group.last_info_time,
        "LastMsgTime": last_time,
        "NextMsgSeq": last_seq + 1,
        "MemberNum": group.member_num,
        "MaxMemberNum": group.max_members,
        "ApplyJoinOption": group.apply_join,
        "ShutUpAllMember": rules.ON if group.mute_all else rules.OFF,
        "MuteAllMember": rules.ON if group.mute_all else rules.OFF,
        "Appid": group.sdkappid,
    }
    out = {k: v for k, v in values.items() if k in wanted}
    if data_keys is None or data_keys:
        out["AppDefinedData"] = rules.data_items(group.app_data, data_keys)
    return out


def member_info(member: Member, fields: list[str] | None, data_keys: list[str] | None, now: float) -> dict[str, Any]:
    muted = member.mute_until if mute.is_muted(member.mute_until, now) else 0
    values: dict[str, Any] = {
        "Role": member.role,
        "JoinTime": member.join_time,
        "MsgFlag": member.msg_flag,
        "LastSendMsgTime": member.last_send_time,
        "NameCard": member.name_card,
        "ShutUpUntil": muted,
        "MuteUntil": muted,
    }
    out: dict[str, Any] = {"Member_Account": member.user}
    out.update({k: v for k, v in values.items() if fields is None or k in fields})
    if data_keys is None or data_keys:
        out["AppMemberDefinedData"] = rules.data_items(member.app_data, data_keys)
    return out


@command(
    "group_open_http_svc/get_group_info",
    allow_self=True,
    fields=(
        f.array("GroupIdList", required=True, sample=["{group}"]),
        f.obj(
            "ResponseFilter",
            f.array("GroupBaseInfoFilter"),
            f.array("MemberInfoFilter"),
            f.array("AppDefinedDataFilter_Group"),
            f.array("AppDefinedDataFilter_GroupMember"),
        ),
    ),
)
def get_group_info(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gids = body.array("GroupIdList", required=True, min_items=1, max_items=50, max_code=10005)
    gids = [rules.check_group_id(g, "GroupIdList item") for g in gids]
    flt = body.obj("ResponseFilter")
    fields = _filter(flt, "GroupBaseInfoFilter", BASE_FIELDS)
    member_fields = _filter(flt, "MemberInfoFilter", ("Member_Account", *MEMBER_FIELDS))
    group_keys = _filter(flt, "AppDefinedDataFilter_Group")
    member_keys = _filter(flt, "AppDefinedDataFilter_GroupMember")
    with_members = flt is None or member_fields is not None
    results = services().groups.info(ctx.app, ctx.identifier, ctx.is_admin, gids, with_members)
    now = services().clock.now()
    out = []
    for r in results:
        item: dict[str, Any] = {"GroupId": r.group_id, "ErrorCode": r.code, "ErrorInfo": r.info}
        if r.group is not None:
            item.update(base_info(r.group, fields, group_keys))
            if r.members is not None:
                item["MemberList"] = [member_info(m, member_fields, member_keys, now) for m in r.members]
        out.append(item)
    return {"GroupInfo": out}


def _changes(body: Body) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for wire, name, limit in (
        ("Name", "name", rules.NAME_MAX_BYTES),
        ("Introduction", "introduction", rules.INTRODUCTION_MAX_BYTES),
        ("Notification", "notification", rules.NOTIFICATION_MAX_BYTES),
        ("FaceUrl", "face_url", rules.FACE_URL_MAX_BYTES),
    ):
        if wire in body:
            changes[name] = body.string(wire, max_bytes=limit, allow_empty=wire != "Name")
    if "ApplyJoinOption" in body:
        changes["apply_join"] = rules.check_apply_option(body.raw("ApplyJoinOption"))
    if "AppDefinedData" in body:
        data = body.raw("AppDefinedData")
        changes["app_data"] = rules.check_app_data(data, max_keys=rules.GROUP_DATA_KEYS, name="AppDefinedData")
    for wire in ("ShutUpAllMember", "MuteAllMember"):  # old and new name of the same switch
        if wire in body:
            changes["mute_all"] = rules.check_on_off(wire, body.raw(wire))
    for wire in ("MaxMemberNum", "MaxMemberCount"):
        if wire in body:
            changes["max_members"] = body.integer(wire, min_value=1)
    return changes


@command(
    "group_open_http_svc/modify_group_base_info",
    allow_self=True,
    fields=(
        GROUP,
        f.string("Name", max_bytes=rules.NAME_MAX_BYTES),
        f.string("Introduction", max_bytes=rules.INTRODUCTION_MAX_BYTES),
        f.string("Notification", max_bytes=rules.NOTIFICATION_MAX_BYTES),
        f.string("FaceUrl", max_bytes=rules.FACE_URL_MAX_BYTES),
        f.anything("ApplyJoinOption"),
        f.anything("AppDefinedData"),
        f.anything("ShutUpAllMember"),
        f.anything("MuteAllMember", alias_of="ShutUpAllMember"),
        f.uint32("MaxMemberNum", min_value=1),
        f.uint32("MaxMemberCount", min_value=1, alias_of="MaxMemberNum"),
    ),
)
def modify_group_base_info(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().groups.modify(ctx.app, ctx.identifier, ctx.is_admin, group_id(body), _changes(body))
    return {}


@command(
    "group_open_http_svc/change_group_owner",
    allow_self=True,
    fields=(GROUP, f.account("NewOwner_Account", required=True)),
)
def change_group_owner(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    new_owner = body.user("NewOwner_Account", required=True)
    services().groups.change_owner(ctx.app, ctx.identifier, ctx.is_admin, gid, new_owner)
    return {}


@command("group_open_http_svc/destroy_group", allow_self=True, fields=(GROUP,))
def destroy_group(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().groups.destroy(ctx.app, ctx.identifier, ctx.is_admin, group_id(body))
    return {}


@task(CLEANUP_TASK)
def cleanup_group(payload: Mapping[str, Any]) -> None:
    services().groups.cleanup(payload)
