"""all_member_push: im_push, attribute names, user attributes and tags; the `all_member_push` delivery task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import errors
from chalicelib.domain.messages import parse_body
from chalicelib.domain.push import MAX_LIFETIME, USERS_PER_REQUEST
from chalicelib.services.push import PushRequest
from chalicelib.wiring import services


def _items(body: Body, field: str, value_field: str) -> list[tuple[str, Any]]:
    """`[{"To_Account": user, value_field: ...}]`, at most 100 accounts (90018)."""
    rows = body.objects(field, required=True, min_items=1, max_items=USERS_PER_REQUEST, max_code=90018) or []
    return [(row.user("To_Account", required=True), row.raw(value_field)) for row in rows]


def _accounts(body: Body) -> list[str]:
    return body.users("To_Account", required=True, min_items=1, max_items=USERS_PER_REQUEST, max_code=90018) or []


ACCOUNTS = f.accounts("To_Account", required=True)


@command(
    "all_member_push/im_push",
    fields=(
        f.account("From_Account"),
        f.uint32("MsgRandom", required=True, code=90005),
        f.uint32("MsgLifeTime", code=90044),
        f.msg_body(required=True),
        f.obj("OfflinePushInfo"),
        f.anything("Condition"),
    ),
)
def im_push(ctx: AuthContext, body: Body) -> dict[str, Any]:
    sender = body.user("From_Account") or ctx.identifier
    random = body.integer("MsgRandom", required=True, code=90005)
    body.integer("MsgLifeTime", code=90044)
    if (body.raw("MsgLifeTime") or 0) > MAX_LIFETIME:
        raise errors.error(90026, f"MsgLifeTime is at most {MAX_LIFETIME} seconds (7 days)")
    msg_body = parse_body(body.raw("MsgBody"), max_bytes=ctx.app.config.max_msg_bytes)
    push = body.obj("OfflinePushInfo")  # offline devices are pushed too (services/offline_push.py)
    request = PushRequest(sender, random, msg_body, body.raw("Condition"), dict(push.data) if push else None)
    return {"TaskId": services().all_member_push.push(ctx.app, request, admin=ctx.identifier)}


@command("all_member_push/im_set_attr_name", fields=(f.anything("AttrNames", sample={"0": "city"}),))
def im_set_attr_name(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.set_attr_names(ctx.app, body.raw("AttrNames"))
    return {}


@command("all_member_push/im_get_attr_name", fields=())
def im_get_attr_name(ctx: AuthContext, body: Body) -> dict[str, Any]:
    return {"AttrNames": services().all_member_push.attr_names(ctx.app)}


@command(
    "all_member_push/im_set_attr",
    fields=(f.objects("UserAttrs", f.account("To_Account", required=True), f.anything("Attrs"), required=True),),
)
def im_set_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.set_attrs(ctx.app, _items(body, "UserAttrs", "Attrs"))
    return {}


@command("all_member_push/im_get_attr", fields=(ACCOUNTS,))
def im_get_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    found = services().all_member_push.get_attrs(ctx.app, _accounts(body))
    return {"UserAttrs": [{"To_Account": u, "Attrs": attrs} for u, attrs in found.items()]}


@command(
    "all_member_push/im_remove_attr",
    fields=(f.objects("UserAttrs", f.account("To_Account", required=True), f.anything("Attrs"), required=True),),
)
def im_remove_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.remove_attrs(ctx.app, _items(body, "UserAttrs", "Attrs"))
    return {}


@command(
    "all_member_push/im_add_tag",
    fields=(f.objects("UserTags", f.account("To_Account", required=True), f.anything("Tags"), required=True),),
)
def im_add_tag(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.add_tags(ctx.app, _items(body, "UserTags", "Tags"))
    return {}


@command("all_member_push/im_get_tag", fields=(ACCOUNTS,))
def im_get_tag(ctx: AuthContext, body: Body) -> dict[str, Any]:
    found = services().all_member_push.get_tags(ctx.app, _accounts(body))
    return {"UserTags": [{"To_Account": u, "Tags": tags} for u, tags in found.items()]}


@command(
    "all_member_push/im_remove_tag",
    fields=(f.objects("UserTags", f.account("To_Account", required=True), f.anything("Tags"), required=True),),
)
def im_remove_tag(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.remove_tags(ctx.app, _items(body, "UserTags", "Tags"))
    return {}


@command("all_member_push/im_remove_all_tags", fields=(ACCOUNTS,))
def im_remove_all_tags(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().all_member_push.remove_all_tags(ctx.app, _accounts(body))
    return {}


@task("all_member_push")
def deliver(payload: Mapping[str, Any]) -> None:
    services().all_member_push.deliver(payload)
