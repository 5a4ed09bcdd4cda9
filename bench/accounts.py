"""DynamoDB work per account_import and portrait_get (of 1 and 100 accounts), through the REST edge on moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.counting import Usage, count_dynamodb, print_table
from bench.sandbox import Sandbox, sandbox

IMPORT = "im_open_login_svc/account_import"
PORTRAIT_GET = "profile/portrait_get"
TAGS = ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Gender", "Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_Image"]


def _profile(i: int) -> dict[str, Any]:
    return {
        "Tag_Profile_IM_Nick": f"user {i:03d}",
        "Tag_Profile_IM_Gender": "Gender_Type_Female",
        "Tag_Profile_IM_SelfSignature": "hello from the benchmark " * 4,
        "Tag_Profile_IM_Image": f"https://example.com/avatars/{i}.png",
    }


def measure(sb: Sandbox) -> list[tuple[str, Usage]]:
    api = sb.api
    rows: list[tuple[str, Usage]] = []

    def row(label: str, call: Callable[[], Any]) -> None:
        with count_dynamodb() as usage:
            call()
        rows.append((label, usage))

    api.ok(IMPORT, {"UserID": "warmup"})  # the app registry is read once per container per 10 s; measured below
    row("account_import, new account", lambda: api.ok(IMPORT, {"UserID": "u000"}))
    row("account_import, again", lambda: api.ok(IMPORT, {"UserID": "u000"}))
    row("account_import, again with Nick", lambda: api.ok(IMPORT, {"UserID": "u000", "Nick": "N"}))
    users = [f"u{i:03d}" for i in range(100)]
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": users})
    for i, user in enumerate(users):  # seeded through the service: only the reads below are measured
        sb.services.profiles.set(sb.tenant.sdkappid, user, _profile(i), is_admin=True)
    row("portrait_get, 1 account", lambda: api.ok(PORTRAIT_GET, {"To_Account": users[:1], "TagList": TAGS}))
    row("portrait_get, 100 accounts", lambda: api.ok(PORTRAIT_GET, {"To_Account": users, "TagList": TAGS}))
    own = {"To_Account": users[:1], "TagList": TAGS}
    row("portrait_get, 1 account, by itself", lambda: api.ok(PORTRAIT_GET, own, identifier=users[0]))
    sb.clock.advance(11)
    row("(app registry read, cache miss)", lambda: sb.services.apps.get(sb.tenant.sdkappid))
    return rows


def main() -> None:
    with sandbox() as sb:
        rows = measure(sb)
    print("DynamoDB work per command (REST edge, app admin unless said, moto, app registry cached)")
    print_table(rows, "command")
    print("  (RCU/WCU: on-demand request units by DynamoDB's size rules; see bench/counting.py)")


if __name__ == "__main__":
    main()
