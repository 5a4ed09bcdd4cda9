"""group_open_http_svc, messages: send_group_msg, send_group_system_notification, group_msg_recall,
openim/modify_group_msg, delete_group_msg_by_sender, group_msg_get_simple, import_group_msg, get_online_member_num,
and Yuntong's `group_msg_read_report` (a member's read seq: unread = last seq - read seq); the queued fan-out task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.commands.groups import GROUP, group_id
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import errors, mentions
from chalicelib.domain import group_messages as rules
from chalicelib.domain.groups import BATCH_ACCOUNTS
from chalicelib.domain.messages import GROUP_CODES, parse_body
from chalicelib.services import callbacks
from chalicelib.services.group_fanout import FANOUT_TASK
from chalicelib.services.group_messages import Outgoing
from chalicelib.wiring import services

CLOUD_DATA_MAX_BYTES = 12 * 1024
IMPORT_BATCH = 20


def _msg_body(ctx: AuthContext, body: Body) -> list[dict[str, Any]]:
    parsed = parse_body(body.raw("MsgBody"), max_bytes=ctx.app.config.max_msg_bytes, codes=GROUP_CODES)
    # media elements name stored objects of this app (one BatchGetItem; none for other bodies): 10004 otherwise
    # (a send's objects are referenced by the service once the send is checked; an edit's below)
    return services().media.resolve_body(ctx.app, parsed, GROUP_CODES.bad_content)


@command(
    "group_open_http_svc/send_group_msg",
    acting_field="From_Account",
    fields=(
        GROUP,
        f.account("From_Account"),
        f.uint32("Random", required=True),
        f.msg_body(required=True),
        f.anything("MsgPriority"),
        f.string("CloudCustomData", max_bytes=CLOUD_DATA_MAX_BYTES),
        f.flag("OnlineOnlyFlag"),
        f.array("SendMsgControl"),
        f.array("ForbidCallbackControl"),
        f.obj("OfflinePushInfo"),
        f.objects("GroupAtInfo", f.flag("GroupAtAllFlag"), f.user_id("GroupAt_Account")),
    ),
)
def send_group_msg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    out = Outgoing(
        sender=body.user("From_Account"),
        random=body.integer("Random", required=True),
        body=_msg_body(ctx, body),
        priority=rules.check_priority(body.raw("MsgPriority", rules.NORMAL)),
        cloud_custom_data=body.string("CloudCustomData", default="", max_bytes=CLOUD_DATA_MAX_BYTES),
        online_only=body.integer("OnlineOnlyFlag", default=0, min_value=0, max_value=1) == 1,
        push_info=dict(push.data) if (push := body.obj("OfflinePushInfo")) is not None else None,
        mentions=mentions.parse([item.data for item in body.objects("GroupAtInfo") or []]),
    )
    callbacks.forbid(body.array("ForbidCallbackControl"))  # Tencent's per-request callback switches
    sent = services().group_messages.send(ctx.app, ctx.identifier, gid, out, exclude=ctx.connection_id)
    return {"MsgTime": sent.time, "MsgSeq": sent.seq}


@command(
    "group_open_http_svc/send_group_system_notification",
    fields=(GROUP, f.accounts("ToMembers_Account"), f.string("Content", required=True)),
)
def send_group_system_notification(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    users = body.users("ToMembers_Account", max_items=BATCH_ACCOUNTS, max_code=10005)
    content = body.string("Content", required=True, allow_empty=False, max_bytes=ctx.app.config.max_msg_bytes)
    services().group_messages.notify_system(ctx.app, gid, users, content)
    return {}


@command(
    "group_open_http_svc/group_msg_recall",
    allow_self=True,
    # MsgSeq: a number, or a decimal string as tencentcloud-sdk-python-im's recall_group_message sends it
    fields=(GROUP, f.objects("MsgSeqList", f.anything("MsgSeq", required=True, sample=1), required=True)),
)
def group_msg_recall(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    items = body.objects("MsgSeqList", required=True, min_items=1, max_items=rules.RECALL_BATCH_MAX) or []
    seqs = [_seq(item) for item in items]
    results = services().group_messages.recall(ctx.app, ctx.identifier, ctx.is_admin, gid, seqs)
    return {"RecallRetList": [{"MsgSeq": s, "RetCode": code} for s, code in results]}


def _seq(item: Body) -> int:
    value = item.raw("MsgSeq")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    return int(Body({"MsgSeq": value}, item.code).integer("MsgSeq", required=True, min_value=1))


@command(
    "openim/modify_group_msg",
    allow_self=True,
    invalid_code=10004,  # a group command under Tencent's openim service: group codes (10004, 10010, 10017...)
    fields=(
        GROUP,
        f.uint32("MsgSeq", required=True, min_value=1),
        f.msg_body(),
        f.string("CloudCustomData", max_bytes=CLOUD_DATA_MAX_BYTES),
    ),
)
def modify_group_msg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    seq = body.integer("MsgSeq", required=True, min_value=1)
    new_body = None
    if "MsgBody" in body:
        new_body = _msg_body(ctx, body)
    cloud = body.string("CloudCustomData", max_bytes=CLOUD_DATA_MAX_BYTES)
    if new_body is None and cloud is None:
        raise errors.error(10004, "modify_group_msg needs MsgBody or CloudCustomData")
    services().group_edits.modify(ctx.app, ctx.identifier, ctx.is_admin, gid, seq, body=new_body, cloud=cloud)
    if new_body is not None:  # the edited message keeps the objects it now names
        services().media.reference(ctx.app, new_body, group=gid)
    return {}


@command("group_open_http_svc/delete_group_msg_by_sender", fields=(GROUP, f.account("Sender_Account", required=True)))
def delete_group_msg_by_sender(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    sender = body.user("Sender_Account", required=True)
    services().group_messages.delete_by_sender(ctx.app, gid, sender)
    return {}


@command(
    "group_open_http_svc/group_msg_get_simple",
    allow_self=True,
    fields=(
        GROUP,
        f.uint32("ReqMsgNumber", required=True, min_value=1, max_value=rules.HISTORY_PAGE_MAX),
        f.uint32("ReqMsgSeq", min_value=1),
        f.flag("WithRecalledMsg"),
    ),
)
def group_msg_get_simple(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    count = body.integer("ReqMsgNumber", required=True, min_value=1, max_value=rules.HISTORY_PAGE_MAX)
    top = body.integer("ReqMsgSeq", min_value=1)
    with_recalled = body.integer("WithRecalledMsg", default=0, min_value=0, max_value=1) == 1
    page = services().group_messages.history(ctx.app, ctx.identifier, ctx.is_admin, gid, count, top, with_recalled)
    rows = [{k: v for k, v in r.items() if k != "GroupId"} for r in page.rows]
    return {"GroupId": gid, "IsFinished": page.finished, "RspMsgList": rows}


@command(
    "group_open_http_svc/import_group_msg",
    fields=(GROUP, f.objects("MsgList", required=True), f.flag("RecentContactFlag")),  # items answer per item
)
def import_group_msg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    items = body.objects("MsgList", required=True, min_items=1, max_items=IMPORT_BATCH, max_code=10005) or []
    body.integer("RecentContactFlag", max_value=1)
    for item in items:  # imported messages naming objects keep them too (media references, issue 16.4)
        if isinstance(raw := item.data.get("MsgBody"), list):
            services().media.reference(ctx.app, [e for e in raw if isinstance(e, dict)], group=gid)
    results = services().group_messages.import_messages(ctx.app, gid, [item.data for item in items])
    return {"ImportMsgResult": [{"Result": r, "MsgTime": t, "MsgSeq": s} for r, t, s in results]}


@command("group_open_http_svc/get_online_member_num", allow_self=True, fields=(GROUP,))
def get_online_member_num(ctx: AuthContext, body: Body) -> dict[str, Any]:
    return {"OnlineMemberNum": services().group_messages.online_members(ctx.app, group_id(body))}


@command(
    "group_open_http_svc/group_msg_read_report",
    acting_field="Member_Account",
    fields=(f.account("Member_Account"), f.uint32("MsgReadSeq"), GROUP),
)
def group_msg_read_report(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("Member_Account", required=ctx.is_admin))
    seq = body.integer("MsgReadSeq")
    read = services().group_messages.report_read(ctx.app, user, group_id(body), seq)
    return {"MsgReadSeq": read}


@task(FANOUT_TASK)
def fanout_group_page(payload: Mapping[str, Any]) -> None:
    services().group_messages.fanout.run(payload)
