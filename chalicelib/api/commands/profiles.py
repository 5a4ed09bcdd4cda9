"""profile: portrait_set (an account sets its own, the admin anyone's), portrait_get (anyone's, ≤100)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.wiring import services


@command("profile/portrait_set", acting_field="From_Account")
def portrait_set(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = ctx.acting_user(body.user("From_Account", required=not ctx.is_admin, code=40002))
    items = body.objects("ProfileItem", required=True, min_items=1)
    values: dict[str, Any] = {}
    for item in items or []:
        tag = item.string("Tag", required=True)
        if "Value" not in item:
            raise errors.error(40001, f"ProfileItem {tag} needs a Value")
        values[tag] = item.raw("Value")
    services().profiles.set(ctx.sdkappid, user, values, is_admin=ctx.is_admin)
    return {}


@command("profile/portrait_get", allow_self=True)
def portrait_get(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = body.users("To_Account", required=True, min_items=1, max_items=100)
    tags = body.array("TagList", required=True, min_items=1)
    results = services().profiles.get(ctx.sdkappid, users, tags or [])
    items, failed = [], []
    for r in results:
        if r.items is None:
            failed.append(r.user)
            items.append(
                {"To_Account": r.user, "ProfileItem": [], "ResultCode": 40003, "ResultInfo": "account does not exist"}
            )
        else:
            items.append(
                {
                    "To_Account": r.user,
                    "ProfileItem": [{"Tag": t, "Value": v} for t, v in r.items],
                    "ResultCode": 0,
                    "ResultInfo": "",
                }
            )
    out: dict[str, Any] = {"UserProfileItem": items}
    if failed:
        out["Fail_Account"] = failed
    return out
