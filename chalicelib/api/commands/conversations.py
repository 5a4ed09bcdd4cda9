"""recentcontact: get_list (paged, pinned, last message and unread per item), delete (ClearRamble), set_top."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.domain.conversations import C2C, GROUP, TYPES, Conversation, Cursor, ListRequest
from chalicelib.services.conversations import Description
from chalicelib.wiring import services


def _target(body: Body) -> tuple[int, str]:
    """Type 1 names To_Account, Type 2 names ToGroupid (sic, reference)."""
    type_ = body.integer("Type", required=True)
    if type_ not in TYPES:
        raise errors.error(50002, "Type must be 1 (C2C) or 2 (group)")
    if type_ == C2C:
        return type_, body.user("To_Account", required=True)
    return type_, body.string("ToGroupid", required=True, allow_empty=False, max_bytes=48)


def _item(row: Conversation, about: Description, with_top: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"Type": row.type, "MsgTime": row.time, "TopFlag": int(with_top and row.top)}
    item["To_Account" if row.type == C2C else "GroupId"] = row.peer
    item["UnreadMsgNum"] = about.unread
    if about.last is not None:
        item["LastMsg"] = about.last
    if about.at:  # "@me" / "@all" until the member reads past them (domain/mentions.py)
        item["GroupAtInfoList"] = about.at
    return item


_TARGET = (
    f.account("From_Account", required=True),
    f.uint32("Type", required=True, min_value=1, max_value=2),
    f.account("To_Account", given=(("Type", C2C),)),
    f.group("ToGroupid", max_bytes=48, given=(("Type", GROUP),)),
)


@command(
    "recentcontact/get_list",
    acting_field="From_Account",
    fields=(
        f.account("From_Account", required=True),
        f.uint32("TimeStamp", required=True),
        f.uint32("StartIndex", required=True),
        f.uint32("TopTimeStamp", required=True),
        f.uint32("TopStartIndex", required=True),
        f.uint32("AssistFlags", required=True),
    ),
)
def get_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = ctx.acting_user(body.user("From_Account", required=True))
    request = ListRequest(
        Cursor(
            body.integer("TimeStamp", required=True),
            body.integer("StartIndex", required=True),
        ),
        Cursor(
            body.integer("TopTimeStamp", required=True),
            body.integer("TopStartIndex", required=True),
        ),
        body.integer("AssistFlags", required=True),
    )
    listed = services().conversations.get_list(ctx.app, owner, request)
    page, pinned = listed.page, bool(request.flags & 1)
    return {
        "SessionItem": [_item(r, listed.describe(r), pinned) for r in page.top_items + page.items],
        "CompleteFlag": int(page.complete),
        "TimeStamp": page.cursor.time,
        "StartIndex": page.cursor.index,
        "TopTimeStamp": page.top_cursor.time,
        "TopStartIndex": page.top_cursor.index,
    }


@command("recentcontact/delete", acting_field="From_Account", fields=(*_TARGET, f.flag("ClearRamble")))
def delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = ctx.acting_user(body.user("From_Account", required=True))
    type_, peer = _target(body)
    clear = body.integer("ClearRamble", default=0, min_value=0, max_value=1)
    services().conversations.delete(ctx.app, owner, type_, peer, clear_roaming=bool(clear))
    return {}


@command("recentcontact/set_top", acting_field="From_Account", fields=(*_TARGET, f.flag("TopFlag", required=True)))
def set_top(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = ctx.acting_user(body.user("From_Account", required=True))
    type_, peer = _target(body)
    top = body.integer("TopFlag", required=True, min_value=0, max_value=1)
    services().conversations.set_top(ctx.app, owner, type_, peer, bool(top), exclude=ctx.connection_id)
    return {}
