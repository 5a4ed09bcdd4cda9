"""im_open_login_svc: account_import, multiaccount_import, account_check, account_delete (admin only)."""

from __future__ import annotations

from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.services.accounts import BATCH
from chalicelib.wiring import services

BATCH_SIZE_INVALID = 70206


@command(
    "im_open_login_svc/account_import",
    fields=(f.user_id("UserID"), f.user_id("Identifier", alias_of="UserID"), f.string("Nick"), f.string("FaceUrl")),
)
def account_import(ctx: AuthContext, body: Body) -> dict[str, Any]:
    # Current clients send `UserID`, older ones `Identifier`.
    field = "Identifier" if body.raw("UserID") is None and body.raw("Identifier") is not None else "UserID"
    user = body.user(field, required=True)
    services().accounts.import_account(ctx.sdkappid, user, body.string("Nick"), body.string("FaceUrl"))
    return {}


@command("im_open_login_svc/multiaccount_import", fields=(f.strings("Accounts", required=True),))
def multiaccount_import(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = body.strings("Accounts", required=True, min_items=1, max_items=BATCH, size_code=BATCH_SIZE_INVALID)
    return {"FailAccounts": services().accounts.import_many(ctx.sdkappid, users or [])}


def _user_items(body: Body, field: str) -> list[str]:
    """`[{"UserID": ...}, ...]`; a string that cannot be a UserID is simply an account that does not exist."""
    items = body.objects(field, required=True, min_items=1, max_items=BATCH, size_code=BATCH_SIZE_INVALID) or []
    return [item.string("UserID", required=True) for item in items]


@command(
    "im_open_login_svc/account_check",
    fields=(f.objects("CheckItem", f.string("UserID", required=True), required=True),),
)
def account_check(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = _user_items(body, "CheckItem")
    found = services().accounts.existing(ctx.sdkappid, users)
    status = {True: "Imported", False: "NotImported"}
    return {
        "ResultItem": [
            {"UserID": u, "ResultCode": 0, "ResultInfo": "", "AccountStatus": status[u in found]}
            for u in dict.fromkeys(users)
        ]
    }


@command(
    "im_open_login_svc/account_delete",
    fields=(f.objects("DeleteItem", f.string("UserID", required=True), required=True),),
)
def account_delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    results = services().accounts.delete_many(ctx.sdkappid, _user_items(body, "DeleteItem"))
    return {
        "ResultItem": [
            {"UserID": r.user, "ResultCode": 0, "ResultInfo": ""}
            if r.deleted
            else {"UserID": r.user, "ResultCode": 70107, "ResultInfo": "account does not exist"}
            for r in results
        ]
    }
