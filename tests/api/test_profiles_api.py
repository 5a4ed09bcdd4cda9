"""profile: portrait_set and portrait_get over REST, every tag class and every error class."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring import Services
from tests.builders import RestCaller, Tenant, make_tenant

MULTI = "im_open_login_svc/multiaccount_import"
SET = "profile/portrait_set"
GET = "profile/portrait_get"
NICK = "Tag_Profile_IM_Nick"

VALID: dict[str, Any] = {
    "Tag_Profile_IM_Nick": "小明",
    "Tag_Profile_IM_Gender": "Gender_Type_Male",
    "Tag_Profile_IM_BirthDay": 20190419,
    "Tag_Profile_IM_Location": "Shenzhen",
    "Tag_Profile_IM_SelfSignature": "hello",
    "Tag_Profile_IM_AllowType": "AllowType_Type_AllowAny",
    "Tag_Profile_IM_Language": 2052,
    "Tag_Profile_IM_Image": "https://img.example/x.png",
    "Tag_Profile_IM_MsgSettings": 1,
    "Tag_Profile_IM_AdminForbidType": "AdminForbid_Type_SendOut",
    "Tag_Profile_IM_Level": 4_294_967_295,
    "Tag_Profile_IM_Role": 7,
    "Tag_Profile_Custom_Hobby": "chess",
}
DEFAULTS: dict[str, Any] = {
    "Tag_Profile_IM_Nick": "",
    "Tag_Profile_IM_Gender": "Gender_Type_Unknown",
    "Tag_Profile_IM_BirthDay": 0,
    "Tag_Profile_IM_Location": "",
    "Tag_Profile_IM_SelfSignature": "",
    "Tag_Profile_IM_AllowType": "AllowType_Type_NeedConfirm",
    "Tag_Profile_IM_Language": 0,
    "Tag_Profile_IM_Image": "",
    "Tag_Profile_IM_MsgSettings": 0,
    "Tag_Profile_IM_AdminForbidType": "AdminForbid_Type_None",
    "Tag_Profile_IM_Level": 0,
    "Tag_Profile_IM_Role": 0,
    "Tag_Profile_Custom_Hobby": "",
}


@pytest.fixture
def users(api: RestCaller, svc: Any) -> RestCaller:
    svc.apps.configure(api.tenant.sdkappid, {"custom_profile_tags": "Hobby,Bio"})  # declared, as Tencent's console
    api.ok(MULTI, {"Accounts": ["alice", "bob"]})
    return api


def items(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Tag": t, "Value": v} for t, v in values.items()]


def read(api: RestCaller, user: str, tags: list[str], **kw: Any) -> dict[str, Any]:
    out = api.ok(GET, {"To_Account": [user], "TagList": tags}, **kw)
    entry = out["UserProfileItem"][0]
    assert entry["ResultCode"] == 0 and entry["To_Account"] == user, out
    return {p["Tag"]: p["Value"] for p in entry["ProfileItem"]}


# --- portrait_set: success --------------------------------------------------------------------------------------
def test_admin_sets_every_standard_tag_and_a_custom_one_and_reads_them_back_typed(users: RestCaller) -> None:
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items(VALID)})
    assert read(users, "alice", list(VALID)) == VALID


def test_unset_tags_read_as_their_defaults(users: RestCaller) -> None:
    assert read(users, "alice", list(DEFAULTS)) == DEFAULTS


def test_an_account_sets_its_own_profile_without_from_account(users: RestCaller) -> None:
    users.ok(SET, {"ProfileItem": items({NICK: "Alice"})}, identifier="alice")
    users.ok(
        SET, {"From_Account": "alice", "ProfileItem": items({"Tag_Profile_IM_Location": "HK"})}, identifier="alice"
    )
    assert read(users, "alice", [NICK, "Tag_Profile_IM_Location"]) == {NICK: "Alice", "Tag_Profile_IM_Location": "HK"}


def test_setting_some_tags_keeps_the_others(users: RestCaller) -> None:
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: "Alice", "Tag_Profile_IM_Language": 1})})
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: "Alicia"})})
    assert read(users, "alice", [NICK, "Tag_Profile_IM_Language"]) == {NICK: "Alicia", "Tag_Profile_IM_Language": 1}


def test_the_last_item_for_a_repeated_tag_wins(users: RestCaller) -> None:
    body = {"From_Account": "alice", "ProfileItem": [{"Tag": NICK, "Value": "one"}, {"Tag": NICK, "Value": "two"}]}
    users.ok(SET, body)
    assert read(users, "alice", [NICK]) == {NICK: "two"}


def test_values_of_exactly_500_bytes_are_accepted(users: RestCaller) -> None:
    value = "字" * 166 + "xy"  # 500 bytes
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: value, "Tag_Profile_Custom_Bio": value})})
    assert read(users, "alice", [NICK, "Tag_Profile_Custom_Bio"]) == {NICK: value, "Tag_Profile_Custom_Bio": value}


def test_an_empty_string_clears_a_string_tag(users: RestCaller) -> None:
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: "Alice"})})
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: ""})})
    assert read(users, "alice", [NICK]) == {NICK: ""}


def test_the_admin_writes_admin_only_tags_for_an_account(users: RestCaller) -> None:
    admin_only = {
        "Tag_Profile_IM_Level": 3,
        "Tag_Profile_IM_Role": 2,
        "Tag_Profile_IM_AdminForbidType": "AdminForbid_Type_SendOut",
    }
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items(admin_only)})
    assert read(users, "alice", list(admin_only), identifier="alice") == admin_only


# --- portrait_set: errors (each rejected call writes nothing) ----------------------------------------------------
def set_fails(api: RestCaller, value_items: dict[str, Any], code: int, **kw: Any) -> None:
    api.rejects(SET, {"From_Account": "alice", "ProfileItem": items(value_items)}, code, **kw)


def test_the_admin_must_name_from_account_40002(users: RestCaller, subtests: pytest.Subtests) -> None:
    bodies: list[dict[str, Any]] = [{}, {"From_Account": None}, {"From_Account": ""}]
    for body in bodies:
        with subtests.test(body=body):
            users.rejects(SET, {**body, "ProfileItem": items({NICK: "who?"})}, 40002)


def test_a_from_account_that_is_not_a_user_id_is_40001(users: RestCaller, subtests: pytest.Subtests) -> None:
    for value in [5, ["alice"], {"UserID": "alice"}, "x" * 33]:
        with subtests.test(value=value):
            users.rejects(SET, {"From_Account": value, "ProfileItem": items({NICK: "x"})}, 40001)


def test_setting_the_profile_of_an_unknown_account_is_40003_and_creates_nothing(users: RestCaller) -> None:
    users.rejects(SET, {"From_Account": "ghost", "ProfileItem": items({NICK: "Boo"})}, 40003)
    assert users.ok(GET, {"To_Account": ["ghost"], "TagList": [NICK]})["Fail_Account"] == ["ghost"]


MALFORMED_PROFILE_ITEMS: dict[str, Any] = {
    "missing": None,
    "string": "Tag_Profile_IM_Nick",
    "object": {"Tag": NICK, "Value": "x"},
    "empty": [],
    "string_item": ["Tag_Profile_IM_Nick"],
    "no_tag": [{"Value": "x"}],
    "int_tag": [{"Tag": 5, "Value": "x"}],
    "no_value": [{"Tag": NICK}],
    "null_value": [{"Tag": NICK, "Value": None}],
}


def test_a_malformed_profile_item_is_40001(users: RestCaller, subtests: pytest.Subtests) -> None:
    for label, profile_item in MALFORMED_PROFILE_ITEMS.items():
        with subtests.test(label):
            body: dict[str, Any] = {"From_Account": "alice"}
            if profile_item is not None:
                body["ProfileItem"] = profile_item
            users.rejects(SET, body, 40001)


def test_an_unknown_tag_or_bad_custom_key_is_40009(users: RestCaller, subtests: pytest.Subtests) -> None:
    for tag in [
        "Tag_Profile_IM_Unknown",
        "Tag_Profile_Custom_",
        "Tag_Profile_Custom_TooLongKey",
        "Tag_Profile_Custom_Hob1",
        "Tag_Profile_Custom_Hob_by",
        "tag_profile_im_nick",
        "Nick",
    ]:
        with subtests.test(tag):
            set_fails(users, {tag: "x"}, 40009)


def test_a_string_value_over_500_bytes_is_40601(users: RestCaller, subtests: pytest.Subtests) -> None:
    for tag in [
        NICK,
        "Tag_Profile_IM_Location",
        "Tag_Profile_IM_SelfSignature",
        "Tag_Profile_IM_Image",
        "Tag_Profile_Custom_Bio",
    ]:
        with subtests.test(tag):
            set_fails(users, {tag: "字" * 167}, 40601)  # 501 bytes


def test_a_bad_enum_or_out_of_range_number_is_40605(users: RestCaller, subtests: pytest.Subtests) -> None:
    for tag, value in [
        ("Tag_Profile_IM_Gender", "Gender_Type_Other"),
        ("Tag_Profile_IM_AllowType", "allowany"),
        ("Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_All"),
        ("Tag_Profile_IM_BirthDay", -1),
        ("Tag_Profile_IM_Language", 4_294_967_296),
        ("Tag_Profile_IM_Level", 2**40),
    ]:
        with subtests.test(tag, value=value):
            set_fails(users, {tag: value}, 40605)


def test_a_value_of_the_wrong_json_type_is_40610(users: RestCaller, subtests: pytest.Subtests) -> None:
    for tag, value in [
        (NICK, 5),
        (NICK, ["x"]),
        ("Tag_Profile_IM_Gender", 1),
        ("Tag_Profile_IM_BirthDay", "20190419"),
        ("Tag_Profile_IM_BirthDay", 1.5),
        ("Tag_Profile_IM_MsgSettings", True),
        ("Tag_Profile_Custom_Hobby", 3),
        ("Tag_Profile_Custom_Hobby", {"a": 1}),
    ]:
        with subtests.test(tag, value=value):
            set_fails(users, {tag: value}, 40610)


def test_an_account_writing_an_admin_only_tag_is_40008(users: RestCaller, subtests: pytest.Subtests) -> None:
    for tag, value in [
        ("Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_SendOut"),
        ("Tag_Profile_IM_Level", 9),
        ("Tag_Profile_IM_Role", 1),
    ]:
        with subtests.test(tag):
            users.rejects(SET, {"ProfileItem": items({tag: value})}, 40008, identifier="alice")


def test_a_failed_portrait_set_writes_none_of_its_items(users: RestCaller, subtests: pytest.Subtests) -> None:
    users.ok(SET, {"From_Account": "alice", "ProfileItem": items({NICK: "before"})})
    cases: list[tuple[dict[str, Any], int]] = [
        ({"Tag_Profile_IM_Gender": "nope"}, 40605),
        ({"Tag_Profile_Custom_": "x"}, 40009),
        ({NICK: 1}, 40610),
        ({"Tag_Profile_IM_Location": "x" * 501}, 40601),
    ]
    for bad, code in cases:
        with subtests.test(code=code):
            set_fails(users, {NICK: "after", "Tag_Profile_IM_Language": 9, **bad}, code)
            assert read(users, "alice", [NICK, "Tag_Profile_IM_Language"]) == {
                NICK: "before",
                "Tag_Profile_IM_Language": 0,
            }


def test_an_account_writing_an_admin_only_tag_among_others_writes_nothing(users: RestCaller) -> None:
    body = {"ProfileItem": items({NICK: "sneaky", "Tag_Profile_IM_Level": 99})}
    users.rejects(SET, body, 40008, identifier="alice")
    assert read(users, "alice", [NICK, "Tag_Profile_IM_Level"]) == {NICK: "", "Tag_Profile_IM_Level": 0}


# --- portrait_get -----------------------------------------------------------------------------------------------
def test_any_account_may_read_any_accounts_profile_in_its_app(users: RestCaller) -> None:
    users.ok(SET, {"From_Account": "bob", "ProfileItem": items({NICK: "Bob", "Tag_Profile_IM_Level": 5})})
    assert read(users, "bob", [NICK, "Tag_Profile_IM_Level"], identifier="alice") == {
        NICK: "Bob",
        "Tag_Profile_IM_Level": 5,
    }


def test_portrait_get_answers_per_account_in_request_order_with_unknown_ones_in_fail_account(
    users: RestCaller,
) -> None:
    users.ok(SET, {"From_Account": "bob", "ProfileItem": items({NICK: "Bob"})})
    out = users.ok(GET, {"To_Account": ["bob", "ghost", "alice", "bob", "x" * 40], "TagList": [NICK]})
    assert out["UserProfileItem"] == [
        {"To_Account": "bob", "ProfileItem": [{"Tag": NICK, "Value": "Bob"}], "ResultCode": 0, "ResultInfo": ""},
        {"To_Account": "ghost", "ProfileItem": [], "ResultCode": 40003, "ResultInfo": "account does not exist"},
        {"To_Account": "alice", "ProfileItem": [{"Tag": NICK, "Value": ""}], "ResultCode": 0, "ResultInfo": ""},
        {"To_Account": "x" * 40, "ProfileItem": [], "ResultCode": 40003, "ResultInfo": "account does not exist"},
    ]
    assert out["Fail_Account"] == ["ghost", "x" * 40]
    assert out["ErrorCode"] == 0 and out["ErrorDisplay"] == ""


def test_portrait_get_without_failures_has_no_fail_account(users: RestCaller) -> None:
    assert "Fail_Account" not in users.ok(GET, {"To_Account": ["alice"], "TagList": [NICK]})


def test_portrait_get_returns_each_requested_tag_once_in_request_order(users: RestCaller) -> None:
    out = users.ok(GET, {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Level", NICK, "Tag_Profile_IM_Level"]})
    assert [p["Tag"] for p in out["UserProfileItem"][0]["ProfileItem"]] == ["Tag_Profile_IM_Level", NICK]


def test_portrait_get_never_reads_another_apps_account(users: RestCaller, svc: Services, tenant: Tenant) -> None:
    other = make_tenant(svc, tenant.clock, sdkappid=1400000002)
    b = {"sdkappid": other.sdkappid, "sig": other.sig(other.admin)}
    users.ok(MULTI, {"Accounts": ["carol"]}, **b)
    users.ok(SET, {"From_Account": "carol", "ProfileItem": items({NICK: "Carol of B"})}, **b)
    out = users.ok(GET, {"To_Account": ["carol"], "TagList": [NICK]}, identifier="alice")
    assert out["Fail_Account"] == ["carol"]
    assert read(users, "carol", [NICK], **b) == {NICK: "Carol of B"}


def test_portrait_get_takes_100_accounts(users: RestCaller) -> None:
    accounts = [f"u{i:03}" for i in range(100)]
    users.ok(MULTI, {"Accounts": accounts})
    out = users.ok(GET, {"To_Account": accounts, "TagList": [NICK]})
    assert [e["To_Account"] for e in out["UserProfileItem"]] == accounts


def test_a_bad_to_account_is_40001(users: RestCaller, subtests: pytest.Subtests) -> None:
    cases: dict[str, Any] = {
        "missing": None,
        "string": "alice",
        "empty": [],
        "101": [f"u{i}" for i in range(101)],
        "int_item": ["alice", 5],
        "null_item": [None],
        "list_item": [["alice"]],
    }
    for label, to_account in cases.items():
        with subtests.test(label):
            body: dict[str, Any] = {"TagList": [NICK]}
            if to_account is not None:
                body["To_Account"] = to_account
            users.rejects(GET, body, 40001)


def test_a_bad_tag_list_is_rejected(users: RestCaller, subtests: pytest.Subtests) -> None:
    cases: dict[str, tuple[Any, int]] = {
        "missing": (None, 40001),
        "empty": ([], 40001),
        "string": (NICK, 40001),
        "int_item": ([NICK, 5], 40001),
        "null_item": ([None], 40001),
        "unknown_tag": ([NICK, "Tag_Profile_IM_Unknown"], 40009),
        "bad_custom_key": (["Tag_Profile_Custom_NineChars"], 40009),
    }
    for label, (tag_list, code) in cases.items():
        with subtests.test(label):
            body: dict[str, Any] = {"To_Account": ["alice"]}
            if tag_list is not None:
                body["TagList"] = tag_list
            users.rejects(GET, body, code)
