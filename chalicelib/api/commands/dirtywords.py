"""openim_dirty_words: get / add / delete an app's own dirty words (admin only)."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.wiring import services


@command("openim_dirty_words/get", fields=())
def get_words(ctx: AuthContext, body: Body) -> dict[str, Any]:
    return {"DirtyWordsList": services().dirty_words.custom(ctx.sdkappid)}


@command("openim_dirty_words/add", fields=(f.array("DirtyWordsList", required=True, sample=["badword"]),))
def add_words(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().dirty_words.add(ctx.sdkappid, body.array("DirtyWordsList", required=True))
    return {}


@command("openim_dirty_words/delete", fields=(f.array("DirtyWordsList", required=True, sample=["badword"]),))
def delete_words(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().dirty_words.delete(ctx.sdkappid, body.array("DirtyWordsList", required=True))
    return {}
