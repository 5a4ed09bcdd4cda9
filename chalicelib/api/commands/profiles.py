"""profile: portrait_set (an account sets its own, the admin anyone's), portrait_get (anyone's in the app, ≤100)."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.domain.callbacks import PROFILE_PORTRAIT_SET
from chalicelib.domain.profiles import IMAGE
from chalicelib.services import callbacks
from chalicelib.services.profiles import GET_MAX_ACCOUNTS, ProfileResult
from chalicelib.wiring import services


@command(
    "profile/portrait_set",
    acting_field="From_Account",
    fields=(
        f.account("From_Account"),
        f.objects(
            "ProfileItem",
            f.string("Tag", required=True, sample="Tag_Profile_IM_Nick"),
            f.anything("Value", sample="nick"),
            required=True,
        ),
    ),
)
def portrait_set(ctx: AuthContext, body: Body) -> dict[str, Any]:
    if ctx.is_admin and body.raw("From_Account") in (None, ""):
        raise errors.error(40002, "From_Account is required: name the account whose profile the admin sets")
    user = ctx.acting_user(body.user("From_Account"))
    items: dict[str, Any] = {}  # a later item for the same tag wins
    for item in body.objects("ProfileItem", required=True, min_items=1) or []:
        tag = item.string("Tag", required=True)
        if item.raw("Value") is None:
            raise errors.error(40001, f"ProfileItem {tag} needs a Value")
        items[tag] = item.raw("Value")
    # the nick and every other text a profile shows (not the avatar's URL): no dirty word of the app's list (40005)
    shown = [v for t, v in items.items() if isinstance(v, str) and t != IMAGE]
    services().dirty_words.check(ctx.app, shown, code=40005, what="ProfileItem")
    declared = ctx.app.config.custom_tags()
    services().profiles.set(ctx.sdkappid, user, items, is_admin=ctx.is_admin, declared=declared)
    callbacks.notify(  # Profile.CallbackPortraitSet, queued
        services().callbacks, ctx.app, PROFILE_PORTRAIT_SET, Operator_Account=ctx.identifier, From_Account=user,
        ProfileItem=[{"Tag": t, "Value": v} for t, v in items.items()],
    )  # fmt: skip
    return {}


def _present(r: ProfileResult) -> dict[str, Any]:
    if r.items is None:
        return {"To_Account": r.user, "ProfileItem": [], "ResultCode": 40003, "ResultInfo": "account does not exist"}
    items = [{"Tag": t, "Value": v} for t, v in r.items]
    return {"To_Account": r.user, "ProfileItem": items, "ResultCode": 0, "ResultInfo": ""}


@command(
    "profile/portrait_get",
    allow_self=True,
    fields=(
        f.strings("To_Account", required=True),
        f.strings("TagList", required=True, sample=["Tag_Profile_IM_Nick"]),
    ),
)
def portrait_get(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = body.strings("To_Account", required=True, min_items=1, max_items=GET_MAX_ACCOUNTS) or []
    tags = body.strings("TagList", required=True, min_items=1) or []
    results = services().profiles.get(ctx.sdkappid, users, tags, ctx.app.config.custom_tags())
    out: dict[str, Any] = {"UserProfileItem": [_present(r) for r in results]}
    failed = [r.user for r in results if r.items is None]
    if failed:
        out["Fail_Account"] = failed
    return out
