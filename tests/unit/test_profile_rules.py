"""Profile tag rules (domain/profiles.py) and UserID rules (domain/ids.py)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import profiles
from chalicelib.domain.errors import DomainError
from chalicelib.domain.ids import check_user_id, is_user_id


def code_of(tag: Any, value: Any, *, is_admin: bool = False) -> int:
    with pytest.raises(DomainError) as exc:
        profiles.check_value(tag, value, is_admin=is_admin)
    return exc.value.error_code


STRING_TAGS = ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Location", "Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_Image"]
UINT_TAGS = ["Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Language", "Tag_Profile_IM_MsgSettings"]
ADMIN_UINT_TAGS = ["Tag_Profile_IM_Level", "Tag_Profile_IM_Role"]
ENUMS = {
    "Tag_Profile_IM_Gender": ["Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"],
    "Tag_Profile_IM_AllowType": ["AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"],
}


def test_the_standard_tags_are_exactly_the_twelve_of_the_reference() -> None:
    assert set(profiles.STANDARD) == {
        *STRING_TAGS,
        *UINT_TAGS,
        *ADMIN_UINT_TAGS,
        *ENUMS,
        "Tag_Profile_IM_AdminForbidType",
    }


@pytest.mark.parametrize("tag", STRING_TAGS)
def test_string_tags_take_up_to_500_bytes_of_utf8(tag: str) -> None:
    assert profiles.check_value(tag, "", is_admin=False) == ""
    assert profiles.check_value(tag, "x" * 500, is_admin=False) == "x" * 500
    assert profiles.check_value(tag, "字" * 166, is_admin=False) == "字" * 166  # 498 bytes
    assert code_of(tag, "字" * 167) == 40601  # 501 bytes though only 167 characters
    assert code_of(tag, "x" * 501) == 40601


@pytest.mark.parametrize("tag", STRING_TAGS)
@pytest.mark.parametrize("value", [1, 1.5, True, None, ["a"], {"a": 1}])
def test_string_tags_reject_other_json_types_with_40610(tag: str, value: Any) -> None:
    assert code_of(tag, value) == 40610


@pytest.mark.parametrize("tag", UINT_TAGS)
def test_uint32_tags_take_0_to_4294967295(tag: str) -> None:
    assert profiles.check_value(tag, 0, is_admin=False) == 0
    assert profiles.check_value(tag, 20190419, is_admin=False) == 20190419
    assert profiles.check_value(tag, 4_294_967_295, is_admin=False) == 4_294_967_295
    assert code_of(tag, 4_294_967_296) == 40605
    assert code_of(tag, -1) == 40605


@pytest.mark.parametrize("tag", UINT_TAGS)
@pytest.mark.parametrize("value", ["1", 1.0, True, None, [1]])
def test_uint32_tags_reject_other_json_types_with_40610(tag: str, value: Any) -> None:
    assert code_of(tag, value) == 40610


@pytest.mark.parametrize("tag,choices", ENUMS.items())
def test_enum_tags_take_only_their_documented_values(tag: str, choices: list[str]) -> None:
    for choice in choices:
        assert profiles.check_value(tag, choice, is_admin=False) == choice
    assert code_of(tag, "Gender_Type_Other") == 40605
    assert code_of(tag, choices[0].lower()) == 40605
    assert code_of(tag, 1) == 40610


@pytest.mark.parametrize("tag", [*ADMIN_UINT_TAGS, "Tag_Profile_IM_AdminForbidType"])
def test_admin_only_tags_refuse_ordinary_writers_with_40008(tag: str) -> None:
    value: Any = "AdminForbid_Type_SendOut" if tag.endswith("AdminForbidType") else 3
    assert code_of(tag, value) == 40008
    assert profiles.check_value(tag, value, is_admin=True) == value


def test_admin_forbid_type_checks_its_enum_for_the_admin() -> None:
    assert profiles.check_value("Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_None", is_admin=True)
    assert code_of("Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_All", is_admin=True) == 40605


@pytest.mark.parametrize("key", ["a", "Hobby", "ABCDEFGH"])
def test_custom_tags_with_one_to_eight_letters_take_strings_up_to_500_bytes(key: str) -> None:
    tag = f"Tag_Profile_Custom_{key}"
    assert profiles.check_value(tag, "x" * 500, is_admin=False) == "x" * 500
    assert code_of(tag, "x" * 501) == 40601
    assert code_of(tag, 5) == 40610


@pytest.mark.parametrize(
    "tag",
    [
        "Tag_Profile_Custom_",
        "Tag_Profile_Custom_ABCDEFGHI",
        "Tag_Profile_Custom_Hob1",
        "Tag_Profile_Custom_Hob_by",
        "Tag_Profile_Custom_字",
        "Tag_Profile_IM_Unknown",
        "tag_profile_im_nick",
        "Nick",
        "",
    ],
)
def test_unknown_tags_and_bad_custom_keys_are_40009_whatever_the_value(tag: str) -> None:
    assert code_of(tag, "x") == 40009
    assert code_of(tag, 12) == 40009


@pytest.mark.parametrize("tag", [None, 1, ["Tag_Profile_IM_Nick"]])
def test_a_tag_that_is_not_a_string_is_40001(tag: Any) -> None:
    assert code_of(tag, "x") == 40001


def test_defaults_are_empty_zero_or_the_first_enum_value() -> None:
    assert profiles.default("Tag_Profile_IM_Nick") == ""
    assert profiles.default("Tag_Profile_IM_BirthDay") == 0
    assert profiles.default("Tag_Profile_IM_Gender") == "Gender_Type_Unknown"
    assert profiles.default("Tag_Profile_IM_AllowType") == "AllowType_Type_NeedConfirm"
    assert profiles.default("Tag_Profile_IM_AdminForbidType") == "AdminForbid_Type_None"
    assert profiles.default("Tag_Profile_Custom_Hobby") == ""


@pytest.mark.parametrize("user", ["a", "alice", "A-Z_0.9@x", "with space", "~!#$%^&*()", "x" * 32])
def test_user_ids_are_1_to_32_printable_ascii_bytes(user: str) -> None:
    assert is_user_id(user)
    assert check_user_id(user) == user


@pytest.mark.parametrize("user", ["", "x" * 33, "张三", "tab\there", "new\nline", "\x7f", "é"])
def test_other_strings_are_not_user_ids_70402(user: str) -> None:
    assert not is_user_id(user)
    with pytest.raises(DomainError) as exc:
        check_user_id(user)
    assert exc.value.error_code == 70402


@pytest.mark.parametrize("user", [None, 1, ["a"], {"UserID": "a"}])
def test_non_strings_are_not_user_ids(user: Any) -> None:
    assert not is_user_id(user)
    with pytest.raises(DomainError) as exc:
        check_user_id(user, code=40001, field="To_Account[0]")
    assert exc.value.error_code == 40001
    assert "To_Account[0]" in exc.value.info
