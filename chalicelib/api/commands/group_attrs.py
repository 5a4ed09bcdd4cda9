"""Group attributes: get_group_attr, modify_group_attr, set_group_attr, clear_group_attr, each served under both
service names Tencent's clients use (`group_open_http_svc`, after the Java SDK, and `group_open_attr_http_svc`,
which tencentcloud-sdk-python-im calls). Items use lower-case `key` / `value`."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.commands.groups import GROUP, group_id
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body, Field
from chalicelib.api.registry import command
from chalicelib.domain import group_attrs as rules
from chalicelib.wiring import services

SERVICES = ("group_open_http_svc", "group_open_attr_http_svc")
_ITEM = (
    f.string("key", required=True, max_bytes=rules.KEY_MAX_BYTES, sample="k"),
    f.string("value", max_bytes=rules.VALUE_MAX_BYTES, sample="v"),
)


def _attr_list(required: bool) -> Field:
    return f.objects("GroupAttr", *_ITEM, required=required)


def _given(body: Body, required: bool) -> dict[str, str]:
    items = body.objects("GroupAttr", required=required, max_items=rules.MAX_KEYS) or []
    return rules.check_items([item.data for item in items])


def get_group_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    attrs = services().group_attrs.get(ctx.app, ctx.identifier, ctx.is_admin, group_id(body))
    return {"GroupAttrAry": attrs.items(), "AttrVersion": attrs.version}


def modify_group_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    services().group_attrs.modify(ctx.app, ctx.identifier, ctx.is_admin, gid, _given(body, True))
    return {}


def set_group_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    gid = group_id(body)
    services().group_attrs.set(ctx.app, ctx.identifier, ctx.is_admin, gid, _given(body, True))
    return {}


def clear_group_attr(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().group_attrs.clear(ctx.app, ctx.identifier, ctx.is_admin, group_id(body))
    return {}


for _service in SERVICES:
    command(f"{_service}/get_group_attr", allow_self=True, fields=(GROUP,))(get_group_attr)
    command(f"{_service}/modify_group_attr", allow_self=True, fields=(GROUP, _attr_list(True)))(modify_group_attr)
    command(f"{_service}/set_group_attr", allow_self=True, fields=(GROUP, _attr_list(True)))(set_group_attr)
    command(f"{_service}/clear_group_attr", allow_self=True, fields=(GROUP,))(clear_group_attr)
