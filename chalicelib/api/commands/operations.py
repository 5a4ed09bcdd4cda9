"""openconfigsvr: getappinfo (the last 30 days of operations data)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.domain.stats import METRICS
from chalicelib.wiring import services

# getappinfo's figures (reference §3.10); AllMemberPushNum is ours, not Tencent's, so it is not served here.
APPINFO_FIELDS: tuple[str, ...] = tuple(name for name in METRICS if name != "AllMemberPushNum")


@command("openconfigsvr/getappinfo")
def getappinfo(ctx: AuthContext, body: Body) -> dict[str, Any]:
    requested = body.array("RequestField")
    fields = APPINFO_FIELDS if not requested else tuple(requested)
    unknown = [f for f in fields if f not in APPINFO_FIELDS]
    if unknown:
        raise errors.InvalidParam(f"RequestField names unknown fields: {', '.join(map(str, unknown))}")
    days = services().stats.recent(ctx.app)
    head = {"AppName": ctx.app.name, "AppId": str(ctx.sdkappid), "Company": ""}
    # Tencent serves every figure as a string ("2014").
    return {
        "Result": [{**head, **{f: str(d.figures.get(f, 0)) for f in fields}, "Date": d.day} for d in days],
    }
