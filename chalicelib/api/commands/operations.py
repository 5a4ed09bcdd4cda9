"""openconfigsvr: getappinfo (the last 30 days of operations data), setnospeaking / getnospeaking (global mute);
ConfigSvc/GetIPList."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors, mute
from chalicelib.domain.stats import METRICS, YUNTONG_ONLY
from chalicelib.wiring import services

# getappinfo's figures (reference §3.10); ours (AllMemberPushNum, MaxOnlineTerminalNum) are not served in Result.
APPINFO_FIELDS: tuple[str, ...] = tuple(name for name in METRICS if name not in YUNTONG_ONLY)


@command("openconfigsvr/getappinfo", fields=(f.array("RequestField"),))
def getappinfo(ctx: AuthContext, body: Body) -> dict[str, Any]:
    requested = body.array("RequestField")
    fields = APPINFO_FIELDS if not requested else tuple(requested)
    unknown = [f for f in fields if f not in APPINFO_FIELDS]
    if unknown:
        raise errors.InvalidParam(f"RequestField names unknown fields: {', '.join(map(str, unknown))}")
    svc = services()
    days = svc.stats.recent(ctx.app)
    head = {"AppName": ctx.app.name, "AppId": str(ctx.sdkappid), "Company": ""}
    online = svc.connections.online(ctx.sdkappid)
    # Tencent serves every figure as a string ("2014"). Beside Result, Yuntong's own (Tencent has no field): the
    # accounts and terminals online now, and yesterday's peak of online accounts even before the job finalised it.
    return {
        "Result": [{**head, **{f: str(d.figures.get(f, 0)) for f in fields}, "Date": d.day} for d in days],
        "OnlineAccountNum": str(online.accounts),
        "OnlineTerminalNum": str(online.connections),
        "PrevDayMaxOnlineNum": str(svc.stats.previous_day(ctx.app, days).figures.get("MaxOnlineNum", 0)),
    }


def _mute_seconds(body: Body, name: str) -> int | None:
    return body.integer(name, max_value=mute.FOREVER)


@command(
    "openconfigsvr/setnospeaking",
    fields=(
        f.account("Set_Account", code=130005),  # missing: 130004, from the handler
        f.uint32("C2CmsgNospeakingTime", max_value=mute.FOREVER),
        f.uint32("GroupmsgNospeakingTime", max_value=mute.FOREVER),
    ),
)
def setnospeaking(ctx: AuthContext, body: Body) -> dict[str, Any]:
    if body.raw("Set_Account") is None:
        raise errors.error(130004, "Set_Account is required")
    user = body.user("Set_Account", required=True, code=130005)
    c2c, group = _mute_seconds(body, "C2CmsgNospeakingTime"), _mute_seconds(body, "GroupmsgNospeakingTime")
    if c2c is None and group is None:
        raise errors.error(130008, "give C2CmsgNospeakingTime, GroupmsgNospeakingTime or both")
    services().mute.set(ctx.sdkappid, user, c2c, group)
    return {}


@command("openconfigsvr/getnospeaking", fields=(f.account("Get_Account", required=True, code=130005),))
def getnospeaking(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = body.user("Get_Account", required=True, code=130005)
    c2c, group = services().mute.get(ctx.sdkappid, user)
    return {"C2CmsgNospeakingTime": c2c, "GroupmsgNospeakingTime": group}


@command("ConfigSvc/GetIPList", fields=())
def get_ip_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Tencent lists the addresses its servers call the app's callbacks from, for the app's firewall. Yuntong runs on
    Lambda (no fixed egress address) and sends no callbacks: the list is empty, in Tencent's shape."""
    return {"IPList": []}
