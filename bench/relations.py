"""DynamoDB work per relationship-chain command (friend add/accept/check/get/delete, blacklist), REST edge on moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.counting import Usage, count_dynamodb, print_table
from bench.sandbox import Sandbox, sandbox

SOURCE = "AddSource_Type_Bench"


def _item(peer: str) -> dict[str, str]:
    return {"To_Account": peer, "AddSource": SOURCE}


def measure(sb: Sandbox) -> list[tuple[str, Usage]]:
    api, app = sb.api, sb.tenant.sdkappid
    rows: list[tuple[str, Usage]] = []

    def row(label: str, call: Callable[[], Any]) -> None:
        with count_dynamodb() as usage:
            call()
        rows.append((label, usage))

    users = ["me", "open", "shy", *[f"f{i:03d}" for i in range(100)]]
    for i in range(0, len(users), 100):
        api.ok("im_open_login_svc/multiaccount_import", {"Accounts": users[i : i + 100]})
    sb.services.profiles.set(app, "open", {"Tag_Profile_IM_AllowType": "AllowType_Type_AllowAny"}, is_admin=True)
    api.ok("sns/friend_add", {"From_Account": "me", "ForceAddFlags": 1, "AddFriendItem": [_item("f000")]})  # warm
    row(
        "friend_add, AllowAny, both ways",
        lambda: api.ok("sns/friend_add", {"AddFriendItem": [_item("open")]}, identifier="me"),
    )
    row(
        "friend_add, NeedConfirm (request)",
        lambda: api.ok("sns/friend_add", {"AddFriendItem": [_item("shy")]}, identifier="me"),
    )
    accept = {"ResponseFriendItem": [{"To_Account": "me", "ResponseAction": "Response_Action_Agree"}]}
    row("friend_response, accept", lambda: api.ok("sns/friend_response", accept, identifier="shy"))
    friends = users[3:]
    api.ok("sns/friend_import", {"From_Account": "me", "AddFriendItem": [_item(p) for p in friends[1:]]})
    check = {"To_Account": friends, "CheckType": "CheckResult_Type_Both"}
    row("friend_check, 100 accounts, both", lambda: api.ok("sns/friend_check", check, identifier="me"))
    row("friend_get, first page (100)", lambda: api.ok("sns/friend_get", {"StartIndex": 0}, identifier="me"))
    get_list = {"To_Account": friends, "TagList": ["Tag_Profile_IM_Nick", "Tag_SNS_IM_Remark"]}
    row("friend_get_list, 100 friends", lambda: api.ok("sns/friend_get_list", get_list, identifier="me"))
    row("black_list_add, of a friend", lambda: api.ok("sns/black_list_add", {"To_Account": ["open"]}, identifier="me"))
    delete = {"To_Account": ["shy"], "DeleteType": "Delete_Type_Both"}
    row("friend_delete, both ways", lambda: api.ok("sns/friend_delete", delete, identifier="me"))
    return rows


def main() -> None:
    with sandbox() as sb:
        rows = measure(sb)
    print("DynamoDB work per relationship-chain command (REST edge, as the account itself, moto)")
    print_table(rows, "command")
    print("  (each add/accept/delete/blacklist is one TransactWriteItems: rows and counters together, WCU doubled)")


if __name__ == "__main__":
    main()
