"""Helpers for the sns (relationship chain) api tests: accounts with an online terminal, and short calls."""

from __future__ import annotations

from typing import Any

from chalicelib.services.ports import Connection

SOURCE = "AddSource_Type_Web"


def make_people(api: Any, svc: Any, tenant: Any, clock: Any, users: tuple[str, ...] = ("alice", "bob", "carol")) -> Any:
    """Import `users`, each with one online terminal `ws-{user}` so pushes can be observed."""
    now = int(clock.now())
    for user in users:
        svc.accounts.import_account(tenant.sdkappid, user)
        svc.connections.add(Connection(f"ws-{user}", tenant.sdkappid, user, "Web", now, now), expires=now + 365 * 86400)
    return api


def allow(api: Any, user: str, allow_type: str) -> None:
    item = {"Tag": "Tag_Profile_IM_AllowType", "Value": f"AllowType_Type_{allow_type}"}
    api.ok("profile/portrait_set", {"From_Account": user, "ProfileItem": [item]})


def add(api: Any, frm: str, *peers: str, item: dict[str, Any] | None = None, **extra: Any) -> list[dict[str, Any]]:
    items = [{"To_Account": p, "AddSource": SOURCE, **(item or {})} for p in peers]
    out = api.ok("sns/friend_add", {"From_Account": frm, "AddFriendItem": items, **extra}, identifier=frm)
    return out["ResultItem"]


def codes(results: list[dict[str, Any]]) -> list[int]:
    return [r["ResultCode"] for r in results]


def relation(api: Any, frm: str, to: str, kind: str = "CheckResult_Type_Both") -> str:
    out = api.ok("sns/friend_check", {"From_Account": frm, "To_Account": [to], "CheckType": kind}, identifier=frm)
    return str(out["InfoItem"][0]["Relation"])


def friends_of(api: Any, user: str) -> list[str]:
    out = api.ok("sns/friend_get", {"From_Account": user, "StartIndex": 0})
    return sorted(i["To_Account"] for i in out["UserDataItem"])


def meta(svc: Any, tenant: Any, user: str) -> Any:
    return svc.relations.repo.meta(tenant.sdkappid, user)


def accept(api: Any, user: str, requester: str, action: str = "Response_Action_Agree", **item: Any) -> dict[str, Any]:
    body = {"ResponseFriendItem": [{"To_Account": requester, "ResponseAction": action, **item}]}
    return dict(api.ok("sns/friend_response", body, identifier=user)["ResultItem"][0])
