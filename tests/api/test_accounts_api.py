"""im_open_login_svc: account_import, multiaccount_import, account_check, account_delete over REST."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.wiring import Services
from tests.builders import RestCaller, Tenant, make_tenant

IMPORT = "im_open_login_svc/account_import"
MULTI = "im_open_login_svc/multiaccount_import"
CHECK = "im_open_login_svc/account_check"
DELETE = "im_open_login_svc/account_delete"
GET = "profile/portrait_get"
SET = "profile/portrait_set"
NICK = "Tag_Profile_IM_Nick"
IMAGE = "Tag_Profile_IM_Image"


def status(api: RestCaller, *users: str, **kw: Any) -> dict[str, str]:
    out = api.ok(CHECK, {"CheckItem": [{"UserID": u} for u in users]}, **kw)
    return {item["UserID"]: item["AccountStatus"] for item in out["ResultItem"]}


def profile(api: RestCaller, user: str, *tags: str, **kw: Any) -> dict[str, Any]:
    out = api.ok(GET, {"To_Account": [user], "TagList": list(tags)}, **kw)
    item = out["UserProfileItem"][0]
    assert item["ResultCode"] == 0, out
    return {p["Tag"]: p["Value"] for p in item["ProfileItem"]}


# --- account_import ---------------------------------------------------------------------------------------------
def test_account_import_creates_the_account(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    assert api.ok(IMPORT, {"UserID": "alice"}) == {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}
    assert status(api, "alice") == {"alice": "Imported"}
    assert svc.accounts.existing(tenant.sdkappid, ["alice"]) == {"alice"}


def test_account_import_accepts_the_legacy_identifier_field(api: RestCaller) -> None:
    api.ok(IMPORT, {"Identifier": "legacy", "Nick": "Old client"})
    assert status(api, "legacy") == {"legacy": "Imported"}
    assert profile(api, "legacy", NICK) == {NICK: "Old client"}


def test_account_import_prefers_user_id_when_both_fields_are_sent(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "new", "Identifier": "old"})
    assert status(api, "new", "old") == {"new": "Imported", "old": "NotImported"}


def test_nick_and_face_url_seed_the_profile(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice", "FaceUrl": "https://img.example/a.png"})
    assert profile(api, "alice", NICK, IMAGE) == {NICK: "Alice", IMAGE: "https://img.example/a.png"}


def test_importing_again_is_harmless_and_keeps_the_profile(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    svc.apps.configure(tenant.sdkappid, {"custom_profile_tags": "Hobby"})
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice", "FaceUrl": "https://img.example/a.png"})
    items = [
        {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"},
        {"Tag": "Tag_Profile_Custom_Hobby", "Value": "go"},
    ]
    api.ok(SET, {"From_Account": "alice", "ProfileItem": items})
    api.ok(IMPORT, {"UserID": "alice"})
    api.ok(MULTI, {"Accounts": ["alice"]})
    assert profile(api, "alice", NICK, IMAGE, "Tag_Profile_IM_Gender", "Tag_Profile_Custom_Hobby") == {
        NICK: "Alice",
        IMAGE: "https://img.example/a.png",
        "Tag_Profile_IM_Gender": "Gender_Type_Female",
        "Tag_Profile_Custom_Hobby": "go",
    }


def test_importing_again_with_a_nick_replaces_only_the_nick(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice", "FaceUrl": "https://img.example/a.png"})
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice 2"})
    assert profile(api, "alice", NICK, IMAGE) == {NICK: "Alice 2", IMAGE: "https://img.example/a.png"}


def test_any_1_to_32_bytes_of_printable_ascii_is_a_user_id(api: RestCaller, subtests: pytest.Subtests) -> None:
    for user in ["a", "x" * 32, "with space", "A-Z_0.9@~!#$%^&*()"]:
        with subtests.test(user=user):
            api.ok(IMPORT, {"UserID": user})
            assert status(api, user) == {user: "Imported"}


INVALID_USER_IDS = {
    "empty": "",
    "33_bytes": "x" * 33,
    "chinese": "张三",
    "tab": "tab\there",
    "newline": "line\nbreak",
    "latin1": "é",
    "int": 42,
    "float": 1.5,
    "bool": True,
    "list": ["alice"],
    "object": {"UserID": "alice"},
}


def test_account_import_of_an_invalid_user_id_is_70402(api: RestCaller, subtests: pytest.Subtests) -> None:
    for label, user in INVALID_USER_IDS.items():
        with subtests.test(label):
            api.rejects(IMPORT, {"UserID": user}, 70402)


def test_account_import_without_a_user_id_is_70402(api: RestCaller, subtests: pytest.Subtests) -> None:
    for body in [{}, {"UserID": None}, {"Nick": "no id"}]:
        with subtests.test(body=body):
            out = api.rejects(IMPORT, body, 70402)
            assert "UserID is required" in out["ErrorInfo"]


BAD_SEEDS: dict[str, dict[str, Any]] = {
    "nick_int": {"Nick": 5},
    "nick_list": {"Nick": ["a"]},
    "face_int": {"FaceUrl": 1},
    "nick_501": {"Nick": "x" * 501},
    "face_501": {"FaceUrl": "u" * 501},
    "nick_501_utf8": {"Nick": "字" * 167},
}


def test_account_import_with_a_bad_nick_or_face_url_is_70402_and_imports_nothing(
    api: RestCaller, subtests: pytest.Subtests
) -> None:
    for label, extra in BAD_SEEDS.items():
        with subtests.test(label):
            api.rejects(IMPORT, {"UserID": "alice", **extra}, 70402)
    assert status(api, "alice") == {"alice": "NotImported"}


# --- multiaccount_import ----------------------------------------------------------------------------------------
def test_multiaccount_import_imports_every_account(api: RestCaller) -> None:
    out = api.ok(MULTI, {"Accounts": ["a", "b", "c"]})
    assert out["FailAccounts"] == []
    assert status(api, "a", "b", "c") == {"a": "Imported", "b": "Imported", "c": "Imported"}


def test_multiaccount_import_takes_100_accounts(api: RestCaller) -> None:
    users = [f"user{i:03}" for i in range(100)]
    assert api.ok(MULTI, {"Accounts": users})["FailAccounts"] == []
    assert set(status(api, *users).values()) == {"Imported"}


def test_multiaccount_import_of_0_or_more_than_100_accounts_is_70206(api: RestCaller) -> None:
    for count in [0, 101]:
        api.rejects(MULTI, {"Accounts": [f"user{i}" for i in range(count)]}, 70206)


def test_multiaccount_import_collapses_duplicates(api: RestCaller) -> None:
    assert api.ok(MULTI, {"Accounts": ["a", "a", "b", "a"]})["FailAccounts"] == []
    assert status(api, "a", "b") == {"a": "Imported", "b": "Imported"}


def test_multiaccount_import_lists_invalid_user_ids_in_fail_accounts_and_imports_the_rest(api: RestCaller) -> None:
    out = api.ok(MULTI, {"Accounts": ["good", "", "x" * 33, "张三", "also-good"]})
    assert out["FailAccounts"] == ["", "x" * 33, "张三"]
    assert status(api, "good", "also-good") == {"good": "Imported", "also-good": "Imported"}


def test_multiaccount_import_with_wrong_types_is_70402_and_imports_nothing(
    api: RestCaller, subtests: pytest.Subtests
) -> None:
    cases = {
        "missing": {},
        "null": {"Accounts": None},
        "string": {"Accounts": "alice"},
        "object": {"Accounts": {"alice": 1}},
        "int_item": {"Accounts": ["alice", 7]},
        "list_item": {"Accounts": [["alice"]]},
        "null_item": {"Accounts": [None]},
    }
    for label, body in cases.items():
        with subtests.test(label):
            api.rejects(MULTI, body, 70402)


# --- account_check ----------------------------------------------------------------------------------------------
def test_account_check_reports_imported_and_not_imported_in_request_order(api: RestCaller) -> None:
    api.ok(MULTI, {"Accounts": ["a", "c"]})
    out = api.ok(CHECK, {"CheckItem": [{"UserID": "c"}, {"UserID": "b"}, {"UserID": "a"}, {"UserID": "c"}]})
    assert out["ResultItem"] == [
        {"UserID": "c", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
        {"UserID": "b", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported"},
        {"UserID": "a", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
    ]


def test_account_check_takes_100_items(api: RestCaller) -> None:
    users = [f"user{i:03}" for i in range(100)]
    api.ok(MULTI, {"Accounts": users[:50]})
    result = status(api, *users)
    assert [result[u] for u in users] == ["Imported"] * 50 + ["NotImported"] * 50


def test_account_check_of_0_or_more_than_100_items_is_70206(api: RestCaller) -> None:
    for count in [0, 101]:
        api.rejects(CHECK, {"CheckItem": [{"UserID": f"u{i}"} for i in range(count)]}, 70206)


def test_account_check_reports_strings_that_cannot_be_user_ids_as_not_imported(api: RestCaller) -> None:
    assert status(api, "", "x" * 2000, "张三") == {"": "NotImported", "x" * 2000: "NotImported", "张三": "NotImported"}


def test_account_check_with_wrong_types_is_70402(api: RestCaller, subtests: pytest.Subtests) -> None:
    cases = {
        "missing": {},
        "string": {"CheckItem": "alice"},
        "string_item": {"CheckItem": ["alice"]},
        "no_user_id": {"CheckItem": [{}]},
        "int_user_id": {"CheckItem": [{"UserID": 1}]},
        "null_user_id": {"CheckItem": [{"UserID": None}]},
    }
    for label, body in cases.items():
        with subtests.test(label):
            api.rejects(CHECK, body, 70402)


def test_account_check_never_sees_another_apps_accounts(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    other = make_tenant(svc, tenant.clock, sdkappid=1400000002)
    api.ok(IMPORT, {"UserID": "only-in-b"}, sdkappid=other.sdkappid, sig=other.sig(other.admin))
    assert status(api, "only-in-b") == {"only-in-b": "NotImported"}
    assert status(api, "only-in-b", sdkappid=other.sdkappid, sig=other.sig(other.admin)) == {"only-in-b": "Imported"}


# --- account_delete ---------------------------------------------------------------------------------------------
def _put_raw(svc: Services, pk: str, sk: str) -> None:
    """An item another feature might keep in the account's partition (relations, conversations ...)."""
    boto3.client("dynamodb", region_name=svc.settings.region).put_item(
        TableName=svc.settings.table_name("entities"), Item={"pk": {"S": pk}, "sk": {"S": sk}, "x": {"S": "y"}}
    )


def _partition(svc: Services, pk: str) -> list[str]:
    resp = boto3.client("dynamodb", region_name=svc.settings.region).query(
        TableName=svc.settings.table_name("entities"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    return [item["sk"]["S"] for item in resp["Items"]]


def test_account_delete_removes_the_account_its_profile_and_its_whole_partition(
    api: RestCaller, svc: Services, tenant: Tenant
) -> None:
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice"})
    api.ok(IMPORT, {"UserID": "bob"})
    pk = f"{tenant.sdkappid}#U#alice"
    for i in range(30):  # more than one BatchWriteItem (25 items)
        _put_raw(svc, pk, f"FRIEND#{i:03}")
    out = api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    assert out["ResultItem"] == [{"UserID": "alice", "ResultCode": 0, "ResultInfo": ""}]
    assert _partition(svc, pk) == []
    assert status(api, "alice", "bob") == {"alice": "NotImported", "bob": "Imported"}
    got = api.ok(GET, {"To_Account": ["alice"], "TagList": [NICK]})
    assert got["Fail_Account"] == ["alice"]


def test_account_delete_reports_unknown_accounts_per_item_with_70107(api: RestCaller) -> None:
    api.ok(MULTI, {"Accounts": ["a", "b"]})
    out = api.ok(
        DELETE, {"DeleteItem": [{"UserID": "a"}, {"UserID": "ghost"}, {"UserID": "x" * 3000}, {"UserID": "a"}]}
    )
    assert out["ResultItem"] == [
        {"UserID": "a", "ResultCode": 0, "ResultInfo": ""},
        {"UserID": "ghost", "ResultCode": 70107, "ResultInfo": "account does not exist"},
        {"UserID": "x" * 3000, "ResultCode": 70107, "ResultInfo": "account does not exist"},
    ]
    assert status(api, "a", "b") == {"a": "NotImported", "b": "Imported"}


def test_a_deleted_accounts_usersig_is_refused_with_70107(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    api.ok(GET, {"To_Account": ["alice"], "TagList": [NICK]}, identifier="alice")
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    api.rejects(GET, {"To_Account": ["alice"], "TagList": [NICK]}, 70107, identifier="alice")
    api.rejects(SET, {"ProfileItem": [{"Tag": NICK, "Value": "back"}]}, 70107, identifier="alice")


def test_a_deleted_then_reimported_account_starts_with_a_fresh_profile(api: RestCaller, svc: Services) -> None:
    svc.apps.configure(api.tenant.sdkappid, {"custom_profile_tags": "Hobby"})
    api.ok(IMPORT, {"UserID": "alice", "Nick": "Alice"})
    api.ok(SET, {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Hobby", "Value": "go"}]})
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    api.ok(IMPORT, {"UserID": "alice"})
    assert profile(api, "alice", NICK, "Tag_Profile_Custom_Hobby") == {NICK: "", "Tag_Profile_Custom_Hobby": ""}


def test_account_delete_in_one_app_leaves_the_same_user_id_in_another(
    api: RestCaller, svc: Services, tenant: Tenant
) -> None:
    other = make_tenant(svc, tenant.clock, sdkappid=1400000002)
    b = {"sdkappid": other.sdkappid, "sig": other.sig(other.admin)}
    api.ok(IMPORT, {"UserID": "alice", "Nick": "A of B"}, **b)
    api.ok(IMPORT, {"UserID": "alice"})
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    assert profile(api, "alice", NICK, **b) == {NICK: "A of B"}


def test_account_delete_takes_100_items(api: RestCaller) -> None:
    users = [f"user{i:03}" for i in range(100)]
    api.ok(MULTI, {"Accounts": users})
    out = api.ok(DELETE, {"DeleteItem": [{"UserID": u} for u in users]})
    assert [r["ResultCode"] for r in out["ResultItem"]] == [0] * 100
    assert set(status(api, *users).values()) == {"NotImported"}


def test_account_delete_of_0_or_more_than_100_items_is_70206_and_deletes_nothing(api: RestCaller) -> None:
    api.ok(MULTI, {"Accounts": ["user0"]})
    for count in [0, 101]:
        api.rejects(DELETE, {"DeleteItem": [{"UserID": f"user{i}"} for i in range(count)]}, 70206)


def test_account_delete_with_wrong_types_is_70402_and_deletes_nothing(
    api: RestCaller, subtests: pytest.Subtests
) -> None:
    api.ok(IMPORT, {"UserID": "a"})
    cases = {
        "missing": {},
        "object": {"DeleteItem": {"UserID": "a"}},
        "string_item": {"DeleteItem": ["a"]},
        "int_user_id": {"DeleteItem": [{"UserID": "a"}, {"UserID": 3}]},
        "no_user_id": {"DeleteItem": [{"UserID": "a"}, {}]},
    }
    for label, body in cases.items():
        with subtests.test(label):
            api.rejects(DELETE, body, 70402)
