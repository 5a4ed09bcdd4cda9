"""Sessions and presence: im_open_login_svc/kick, openim/query_online_status, openim/querystate, realtime/heartbeat.

Presence is admin-only, as in Tencent IM (the FAQ: the client SDK has no way to read anyone's online status, the
REST API does): letting any account poll any other's online times would leak who is awake and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.services.realtime import Presence
from chalicelib.wiring import services

PRESENCE_BATCH = 500
ONLINE, OFFLINE = "Online", "Offline"  # PushOnline needs push tokens, which Yuntong does not keep


@command("im_open_login_svc/kick", fields=(f.account("UserID"), f.account("Identifier", alias_of="UserID")))
def kick(ctx: AuthContext, body: Body) -> dict[str, Any]:
    # Current clients send `UserID`, older ones (timsdk) `Identifier`.
    field = "Identifier" if body.raw("UserID") is None and body.raw("Identifier") is not None else "UserID"
    services().realtime.kick_account(ctx.app, body.user(field, required=True))
    return {}


def _accounts(body: Body) -> list[str]:
    users = body.users("To_Account", required=True, min_items=1, max_items=PRESENCE_BATCH, max_code=70206)
    return list(dict.fromkeys(users))


def _present(found: Sequence[Presence], key: str, detail: bool) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    for p in found:
        if not p.exists:
            missing.append({"To_Account": p.user, "ErrorCode": 70107})
            continue
        item: dict[str, Any] = {"To_Account": p.user, key: ONLINE if p.terminals else OFFLINE}
        if detail:
            item["Detail"] = [{"Platform": c.platform, "Status": ONLINE} for c in p.terminals]
        results.append(item)
    return {"QueryResult": results, "ErrorList": missing}


@command(
    "openim/query_online_status",
    invalid_code=70402,
    fields=(f.accounts("To_Account", required=True), f.flag("IsNeedDetail")),
)
def query_online_status(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = _accounts(body)
    detail = body.integer("IsNeedDetail", default=0, min_value=0, max_value=1)
    return _present(services().realtime.presence(ctx.sdkappid, users), "Status", detail == 1)


@command("openim/querystate", invalid_code=70402, fields=(f.accounts("To_Account", required=True),))
def querystate(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """The legacy name of the same query: its answer names the status `State` (reference §3.1)."""
    return _present(services().realtime.presence(ctx.sdkappid, _accounts(body)), "State", False)


@command("realtime/heartbeat", allow_self=True, fields=())
def heartbeat(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Keeps a websocket session alive (any frame does; this one exists for clients with nothing else to say)."""
    return services().realtime.heartbeat(ctx.connection_id)
