"""openim one-to-one messages: sendmsg, batchsendmsg, importmsg, admin_getroammsg, get_c2c_unread_msg_num,
admin_set_msg_read, admin_msgwithdraw, modify_c2c_msg, and sync (what a terminal missed, after a cursor)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import errors
from chalicelib.domain.c2c import (
    BATCH_MAX,
    SYNC_MAX_CNT,
    UINT32_MAX,
    Outgoing,
    check_cloud,
    import_mode,
    lifetime,
    parse_cursor,
    send_controls,
    sync_mode,
)
from chalicelib.domain.messages import C2C_CODES, parse_body
from chalicelib.services import callbacks
from chalicelib.services.c2c import BATCH_TASK, CLEAR_TASK
from chalicelib.wiring import services

SYNC_DEFAULT_CNT = 50
INT32_LIMIT = 2**31


def _msg_body(ctx: AuthContext, body: Body) -> list[dict[str, Any]]:
    parsed = parse_body(body.raw("MsgBody"), max_bytes=ctx.app.config.max_msg_bytes, codes=C2C_CODES)
    # media elements name stored objects of this app (one BatchGetItem; none for other bodies): 90010 otherwise
    # (a send's objects are referenced by the service once the send is checked; an import's or edit's below)
    return services().media.resolve_body(ctx.app, parsed, C2C_CODES.bad_content)


def _msg_seq(body: Body) -> int:
    seq = body.integer("MsgSeq", min_value=0, max_value=UINT32_MAX)
    return secrets.randbelow(UINT32_MAX + 1) if seq is None else int(seq)


def _outgoing(ctx: AuthContext, body: Body, *, batch: bool) -> tuple[str, Outgoing]:
    """sendmsg / batchsendmsg fields, each with the reference's code."""
    sender = ctx.acting_user(body.user("From_Account", code=90008))
    if batch:
        to = body.users("To_Account", required=True, code=90003, min_items=1, max_items=BATCH_MAX, max_code=90011)
    else:
        to = [body.user("To_Account", required=True, code=90003)]
    msg_random = body.integer("MsgRandom", required=True, code=90005, min_value=0, max_value=UINT32_MAX)
    msg_seq = _msg_seq(body)
    when = None if batch else body.integer("MsgTimeStamp", code=90006, min_value=0)
    # A negative MsgLifeTime is 90026 (domain.c2c.lifetime), not a type error: the edge lets int32 through.
    life = body.integer("MsgLifeTime", code=90044, min_value=-INT32_LIMIT)
    keep = lifetime(life, ctx.app.config.roaming_days, clamp=not batch)
    mode = sync_mode(body.integer("SyncOtherMachine", code=90031), as_self=not ctx.is_admin)
    msg_body = _msg_body(ctx, body)
    cloud = check_cloud(body.string("CloudCustomData"), ctx.app.config.max_msg_bytes)
    controls = send_controls(body.array("SendMsgControl"))
    callbacks.forbid(body.array("ForbidCallbackControl"))  # Tencent's per-request callback switches
    push = body.obj("OfflinePushInfo")  # type-checked; services/offline_push.py reads its fields
    return sender, Outgoing(
        tuple(to),
        msg_seq,
        msg_random,
        msg_body,
        keep,
        mode,
        cloud,
        when,
        "NoUnread" in controls,
        "NoLastMsg" in controls,
        dict(push.data) if push is not None else None,
    )


def _send_fields(to: f.Field, *when: f.Field) -> tuple[f.Field, ...]:
    """sendmsg / batchsendmsg fields, in the order `_outgoing` reads them."""
    return (
        f.account("From_Account", code=90008),
        to,
        f.uint32("MsgRandom", required=True, code=90005),
        f.uint32("MsgSeq"),
        *when,
        f.uint32("MsgLifeTime", code=90044, min_value=-INT32_LIMIT),
        f.uint32("SyncOtherMachine", code=90031),
        f.msg_body(required=True),
        f.string("CloudCustomData"),
        f.array("SendMsgControl"),
        f.array("ForbidCallbackControl"),
        f.obj("OfflinePushInfo"),
    )


@command(
    "openim/sendmsg",
    acting_field="From_Account",
    fields=_send_fields(f.account("To_Account", required=True, code=90003), f.uint32("MsgTimeStamp", code=90006)),
)
def sendmsg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    sender, out = _outgoing(ctx, body, batch=False)
    sent = services().c2c.send(ctx.app, sender, out, by_admin=ctx.is_admin, exclude=ctx.connection_id, batch=False)
    result: dict[str, Any] = {"MsgTime": sent.time, "MsgKey": sent.key}
    if sent.position is not None:  # where it sits in the conversation log (sync protocol)
        result["Seq"], result["Cursor"] = sent.position.seq, sent.position.cursor
    return result


@command(
    "openim/batchsendmsg",
    acting_field="From_Account",
    fields=_send_fields(f.accounts("To_Account", required=True, code=90003)),
)
def batchsendmsg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    sender, out = _outgoing(ctx, body, batch=True)
    sent = services().c2c.send(ctx.app, sender, out, by_admin=ctx.is_admin, exclude=ctx.connection_id, batch=True)
    result: dict[str, Any] = {"MsgTime": sent.time, "MsgKey": sent.key}
    if sent.failed:
        result["ErrorList"] = [{"To_Account": user, "ErrorCode": code} for user, code in sent.failed]
    return result


@command(
    "openim/importmsg",
    fields=(
        f.uint32("SyncFromOldSystem", required=True, code=90030),
        f.account("From_Account", required=True, code=90008),
        f.account("To_Account", required=True, code=90003),
        f.uint32("MsgRandom", required=True, code=90005),
        f.uint32("MsgSeq"),
        f.uint32("MsgTimeStamp", required=True, code=90006, sample=1_700_000_000),
        f.msg_body(required=True),
        f.string("CloudCustomData"),
    ),
)
def importmsg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    mode = import_mode(body.integer("SyncFromOldSystem", required=True, code=90030))
    sender = body.user("From_Account", required=True, code=90008)
    recipient = body.user("To_Account", required=True, code=90003)
    msg_body = _msg_body(ctx, body)
    services().c2c.import_message(
        ctx.app,
        sender,
        recipient,
        mode=mode,
        msg_random=body.integer("MsgRandom", required=True, code=90005, min_value=0, max_value=UINT32_MAX),
        msg_seq=_msg_seq(body),
        time=body.integer("MsgTimeStamp", required=True, code=90006, min_value=0),
        body=msg_body,
        cloud=check_cloud(body.string("CloudCustomData"), ctx.app.config.max_msg_bytes),
    )
    services().media.reference(ctx.app, msg_body, sender=sender, to=[recipient])  # both sides keep its objects
    return {}


@command(
    "openim/admin_getroammsg",
    acting_field="Operator_Account",
    fields=(
        f.account("Operator_Account", code=90008),
        f.account("Peer_Account", code=90003),
        f.account("From_Account", code=90008, alias_of="Operator_Account"),
        f.account("To_Account", code=90003, alias_of="Peer_Account"),
        f.uint32("MaxCnt", required=True, min_value=1),
        f.uint32("MinTime", required=True),
        f.uint32("MaxTime", required=True, sample=1_800_000_000),  # unix seconds, as MsgTime: 10**10 is refused
        f.string("LastMsgKey"),
    ),
)
def admin_getroammsg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    # Older clients send From_Account/To_Account, newer ones Operator_Account/Peer_Account.
    operator = "Operator_Account" if "Operator_Account" in body else "From_Account"
    peer = "Peer_Account" if "Peer_Account" in body else "To_Account"
    page = services().c2c.history(
        ctx.app,
        ctx.acting_user(body.user(operator, required=True, code=90008)),
        body.user(peer, required=True, code=90003),
        max_cnt=body.integer("MaxCnt", required=True, min_value=1),
        min_time=body.integer("MinTime", required=True, min_value=0),
        max_time=body.integer("MaxTime", required=True, min_value=0),
        last_key=body.string("LastMsgKey") or None,
    )
    return {
        "Complete": int(page.complete),
        "MsgCnt": len(page.messages),
        "LastMsgTime": page.last_time,
        "LastMsgKey": page.last_key,
        "MsgList": [m.history() for m in page.messages],
    }


@command(
    "openim/get_c2c_unread_msg_num",
    acting_field="To_Account",
    fields=(f.account("To_Account", required=True, code=90003), f.accounts("Peer_Account")),
)
def get_c2c_unread_msg_num(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("To_Account", required=True, code=90003))
    peers = body.users("Peer_Account", max_items=10)
    unread = services().c2c.unread(ctx.app, user, peers)
    result: dict[str, Any] = {"AllC2CUnreadMsgNum": unread.total}
    if peers:
        result["C2CUnreadMsgNumList"] = [{"Peer_Account": p, "C2CUnreadMsgNum": n} for p, n in unread.per_peer]
    if unread.failed:
        result["ErrorList"] = [{"Peer_Account": p, "ErrorCode": code} for p, code in unread.failed]
    return result


@command(
    "openim/admin_set_msg_read",
    acting_field="Report_Account",
    fields=(
        f.account("Report_Account", required=True),
        f.account("Peer_Account", required=True),
        f.uint32("MsgReadTime"),
    ),
)
def admin_set_msg_read(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().c2c.set_read(
        ctx.app,
        ctx.acting_user(body.user("Report_Account", required=True)),
        body.user("Peer_Account", required=True),
        body.integer("MsgReadTime"),  # uint32 seconds, as MsgTime
        exclude=ctx.connection_id,
    )
    return {}


_MSG_REF = (
    f.account("From_Account", required=True, code=90008),
    f.account("To_Account", required=True, code=90003),
    f.string("MsgKey", required=True, code=90054, max_bytes=64, sample="1_1_1700000000"),
)


@command("openim/admin_msgwithdraw", acting_field="From_Account", fields=_MSG_REF)
def admin_msgwithdraw(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().c2c.withdraw(
        ctx.app,
        ctx.acting_user(body.user("From_Account", required=True, code=90008)),
        body.user("To_Account", required=True, code=90003),
        body.string("MsgKey", required=True, code=90054),
        by_admin=ctx.is_admin,
    )
    return {}


@command(
    "openim/modify_c2c_msg",
    acting_field="From_Account",
    fields=(*_MSG_REF, f.msg_body(), f.string("CloudCustomData")),
)
def modify_c2c_msg(ctx: AuthContext, body: Body) -> dict[str, Any]:
    sender = ctx.acting_user(body.user("From_Account", required=True, code=90008))
    recipient = body.user("To_Account", required=True, code=90003)
    key = body.string("MsgKey", required=True, code=90054)
    new_body = _msg_body(ctx, body) if "MsgBody" in body else None
    cloud = check_cloud(body.string("CloudCustomData"), ctx.app.config.max_msg_bytes)
    if new_body is None and cloud is None:
        raise errors.error(90001, "modify_c2c_msg needs MsgBody or CloudCustomData")
    services().c2c.modify(ctx.app, sender, recipient, key, body=new_body, cloud=cloud, by_admin=ctx.is_admin)
    if new_body is not None:  # the edited message keeps the objects it now names
        services().media.reference(ctx.app, new_body, sender=sender, to=[recipient])
    return {}


@command(
    "openim/sync",
    acting_field="From_Account",
    fields=(
        f.account("From_Account"),
        f.account("Peer_Account", required=True, code=90003),
        f.string("Cursor", max_bytes=32),
        f.uint32("MaxCnt", min_value=1, max_value=SYNC_MAX_CNT),
    ),
)
def sync(ctx: AuthContext, body: Body) -> dict[str, Any]:
    result = services().c2c.sync(
        ctx.app,
        ctx.acting_user(body.user("From_Account")),
        body.user("Peer_Account", required=True, code=90003),
        parse_cursor(body.string("Cursor", max_bytes=32)),
        body.integer("MaxCnt", default=SYNC_DEFAULT_CNT, min_value=1, max_value=SYNC_MAX_CNT),
    )
    cursor = result.cursor
    return {
        "Events": [e.frame() for e in result.events],
        "Seq": cursor.seq if cursor else 0,
        "Cursor": cursor.cursor if cursor else "",
        "Complete": int(result.complete),
    }


@command(
    "openim/sync_conversations",
    acting_field="From_Account",
    fields=(
        f.account("From_Account"),
        f.user_id("After"),
        f.uint32("MaxCnt", min_value=1, max_value=SYNC_MAX_CNT),
    ),
)
def sync_conversations(ctx: AuthContext, body: Body) -> dict[str, Any]:
    states, complete = services().c2c.conversation_states(
        ctx.app,
        ctx.acting_user(body.user("From_Account")),
        body.user("After"),
        body.integer("MaxCnt", default=SYNC_MAX_CNT, min_value=1, max_value=SYNC_MAX_CNT),
    )
    return {
        "Complete": int(complete),
        "Conversations": [
            {
                "Peer_Account": s.peer,
                "Seq": s.head.seq if s.head else 0,
                "Cursor": s.head.cursor if s.head else "",
                "UnreadMsgNum": s.unread,
                "MsgReadTime": s.read_time,
                "PeerReadTime": s.peer_read_time,
                "TopFlag": int(s.top),
                "Deleted": int(s.gone),
            }
            for s in states
        ],
    }


@task(BATCH_TASK)
def deliver_batch(payload: Mapping[str, Any]) -> None:
    """Part of a large batchsendmsg, delivered from the queue."""
    services().c2c.deliver_batch(services().apps.get(int(payload["sdkappid"])), payload)


@task(CLEAR_TASK)
def clear_roaming(payload: Mapping[str, Any]) -> None:
    """recentcontact/delete's ClearRamble for one conversation, from the queue."""
    services().c2c.clear_queued(payload)
    if "time" in payload:  # what the owner saw up to then releases its media (an unreferenced object is deleted)
        owner, peer = str(payload["owner"]), str(payload["peer"])
        services().media.release(int(payload["sdkappid"]), owner, peer, int(payload["time"]))
