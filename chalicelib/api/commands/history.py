"""open_msg_svc/get_history: the download of one hour of the app's messages (C2C or group) as a gzipped file made
by the hourly export job (chalicelib/services/history_export.py). App admin only; bad input → 70402."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain.message_stream import CHAT_TYPES
from chalicelib.wiring import services


@command(
    "open_msg_svc/get_history",
    fields=(
        f.string("ChatType", required=True, choices=CHAT_TYPES),
        # YYYYMMDDHH in the app's timezone (Tencent: Beijing time), within the last 7 days
        f.string("MsgTime", required=True, max_bytes=10, sample="2023111506"),
    ),
)
def get_history(ctx: AuthContext, body: Body) -> dict[str, Any]:
    chat = body.string("ChatType", required=True, choices=CHAT_TYPES)
    hour = body.string("MsgTime", required=True, max_bytes=10)
    return {"File": services().history_export.files(ctx.app, chat, hour)}
