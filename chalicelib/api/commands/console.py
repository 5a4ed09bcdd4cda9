"""The operator console's reads and writes (Yuntong extensions, app admin only): app settings, online now, today.

Tencent IM has a web console and no REST command for these; the web app's Operator section calls them over the
websocket as the app admin. Wire names follow the `openconfigsvr/` service (invalid input → 70402, nothing written).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.domain import stats as stats_rules
from chalicelib.domain.apps import AppConfig
from chalicelib.services.apps import MAX_ADMINS
from chalicelib.wiring import services

CONFIG_TYPES: dict[str, str] = {f.name: str(f.type) for f in dataclasses.fields(AppConfig)}
# The push platform ARNs are written with the credentials they stand for (offline_push/set_credentials, `yuntong
# app push`): an ARN typed here would point pushes at a platform application that holds no credentials of the app.
READ_ONLY: frozenset[str] = frozenset(k for k in CONFIG_TYPES if k.startswith("push_") and k.endswith("_arn"))
SETTING_MAX_BYTES = 1024
ONLINE_PAGE_MAX = 100
CURSOR_MAX_BYTES = 200  # a gsi1 sort key: 20 digits, '#', a connection id
# Today's figures that make sense before the day is over (running totals are the stats job's).
TODAY_FIELDS: tuple[str, ...] = tuple(
    name
    for name in stats_rules.METRICS
    if name not in ("RegistUserNumTotal", "GroupAllGroupNum", "AllMemberPushNum", "CallBackReq", "CallBackRsp")
)


@command("openconfigsvr/get_app_config", fields=())
def get_app_config(ctx: AuthContext, body: Body) -> dict[str, Any]:
    return {"AppConfig": services().apps.get(ctx.sdkappid).config.to_dict()}


def _setting(key: str, value: Any) -> str:
    """A JSON value as the `key=value` string AppConfig.updated takes, after checking its JSON type."""
    kind = CONFIG_TYPES.get(key)
    if kind is None:
        raise errors.InvalidParam(f"unknown setting {key!r}; known: {', '.join(sorted(CONFIG_TYPES))}")
    if key in READ_ONLY:
        raise errors.InvalidParam(f"{key} is set with the push credentials (offline_push/set_credentials)")
    if kind == "bool":
        if not isinstance(value, bool):
            raise errors.InvalidParam(f"{key} takes true or false")
        return "true" if value else "false"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4_294_967_295:
            raise errors.InvalidParam(f"{key} takes an integer from 0 to 4294967295")
        return str(value)
    if not isinstance(value, str) or len(value.encode("utf-8")) > SETTING_MAX_BYTES:
        raise errors.InvalidParam(f"{key} takes a string of at most {SETTING_MAX_BYTES} bytes")
    if key == "timezone":
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(value)
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise errors.InvalidParam(f"timezone {value!r} is not an IANA time zone name") from exc
    return value


@command("openconfigsvr/set_app_config", fields=(f.obj("AppConfig", required=True, sample={"roaming_days": 8}),))
def set_app_config(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """`{"AppConfig": {"roaming_days": 30, "c2c_friend_check": true, ...}}`: the named settings change, the rest
    stay; every value is checked before anything is written."""
    given = body.obj("AppConfig", required=True)
    assert given is not None
    if not given.data:
        raise errors.InvalidParam("AppConfig names no setting")
    changes = {key: _setting(key, value) for key, value in given.data.items()}
    return {"AppConfig": services().apps.configure(ctx.sdkappid, changes).config.to_dict()}


@command(
    "openconfigsvr/get_online_list",
    fields=(f.uint32("Limit", min_value=1, max_value=ONLINE_PAGE_MAX), f.string("Cursor", max_bytes=CURSOR_MAX_BYTES)),
)
def get_online_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """The app's online terminals, `Limit` (1 to 100, default 50) at a time from `Cursor` (the last answer's)."""
    limit = body.integer("Limit", default=50, min_value=1, max_value=ONLINE_PAGE_MAX)
    cursor = body.string("Cursor", default="", max_bytes=CURSOR_MAX_BYTES)
    directory = services().connections
    terminals, following = directory.page(ctx.sdkappid, cursor or None, limit)
    online = directory.online(ctx.sdkappid)
    return {
        "OnlineAccountNum": online.accounts,
        "OnlineTerminalNum": online.connections,
        "TerminalList": [
            {"UserID": t.user, "Platform": t.platform, "LoginTime": t.connected_at, "LastActiveTime": t.last_seen}
            for t in terminals
        ],
        "Cursor": following or "",
        "Complete": 0 if following else 1,
    }


@command(
    "openconfigsvr/modify_app_admins",
    fields=(f.user_ids("AddAdmin_Account"), f.user_ids("DeleteAdmin_Account")),
)
def modify_app_admins(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Yuntong's own: the app's admin adds or removes App admin identifiers (the CLI: `yuntong app admins`)."""
    add = body.users("AddAdmin_Account", max_items=MAX_ADMINS) or []
    remove = body.users("DeleteAdmin_Account", max_items=MAX_ADMINS) or []
    app = services().apps.modify_admins(ctx.sdkappid, add, remove)
    return {"AdminList": list(app.admins)}


@command("openconfigsvr/get_today_info", fields=())
def get_today_info(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Today's figures so far (the app's natural day): getappinfo's names and string values, not yet finalised,
    with the accounts and terminals online now (`OnlineAccountNum`, `OnlineTerminalNum`: one BatchGetItem)."""
    svc = services()
    day = svc.stats.today(ctx.app)
    figures = stats_rules.finalize(svc.metrics.day(ctx.sdkappid, day), None)
    online = svc.connections.online(ctx.sdkappid)
    result = {name: str(figures.get(name, 0)) for name in TODAY_FIELDS}
    result |= {"OnlineAccountNum": str(online.accounts), "OnlineTerminalNum": str(online.connections)}
    return {"Date": day, "Result": result}


@command("openconfigsvr/get_app_admins", fields=())
def get_app_admins(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Yuntong's own: the app's admin identifiers (the console's list; `modify_app_admins` changes them)."""
    return {"AdminList": list(services().apps.get(ctx.sdkappid).admins)}
