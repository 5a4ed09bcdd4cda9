"""im_open_login_svc: account_import, multiaccount_import, account_check, account_delete."""

from __future__ import annotations

from typing import Any

from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors
from chalicelib.domain.profiles import check_value
from chalicelib.wiring import services

BATCH = 100


@command("im_open_login_svc/account_import")
def account_import(ctx: AuthContext, body: Body) -> dict[str, Any]:
    # Older clients send `Identifier`, current ones `UserID`.
    field = "UserID" if "UserID" in body else "Identifier"
    user = body.user(field, required=True)
    nick = body.string("Nick")
    face = body.string("FaceUrl")
    for tag, value in (("Tag_Profile_IM_Nick", nick), ("Tag_Profile_IM_Image", face)):
        if value is not None:
            try:
                check_value(tag, value, is_admin=True)
            except errors.DomainError as err:
                raise errors.InvalidParam(f"{'Nick' if 'Nick' in tag else 'FaceUrl'}: {err.info}") from err
    services().accounts.import_account(ctx.sdkappid, user, nick, face)
    return {}


@command("im_open_login_svc/multiaccount_import")
def multiaccount_import(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = body.users("Accounts", required=True, min_items=1, max_items=BATCH, max_code=70206)
    return {"FailAccounts": services().accounts.import_many(ctx.sdkappid, users)}


def _user_items(body: Body, field: str) -> list[str]:
    items = body.objects(field, required=True, min_items=1, max_items=BATCH, max_code=70206) or []
    return [item.user("UserID", required=True) for item in items]


@command("im_open_login_svc/account_check")
def account_check(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = _user_items(body, "CheckItem")
    found = services().accounts.existing(ctx.sdkappid, users)
    return {
        "ResultItem": [
            {
                "UserID": u,
                "ResultCode": 0,
                "ResultInfo": "",
                "AccountStatus": "Imported" if u in found else "NotImported",
            }
            for u in users
        ]
    }


@command("im_open_login_svc/account_delete")
def account_delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    users = _user_items(body, "DeleteItem")
    results = []
    for user in dict.fromkeys(users):
        deleted = services().accounts.delete(ctx.sdkappid, user)
        results.append(
            {
                "UserID": user,
                "ResultCode": 0 if deleted else 70107,
                "ResultInfo": "" if deleted else "account does not exist",
            }
        )
    return {"ResultItem": results}
