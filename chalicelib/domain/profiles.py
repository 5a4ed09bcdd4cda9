"""Profile tags (Tag_Profile_IM_* and Tag_Profile_Custom_*): types, limits, defaults and who may write them."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from chalicelib.domain import errors

VALUE_MAX_BYTES = 500
UINT32_MAX = 4_294_967_295
CUSTOM_PREFIX = "Tag_Profile_Custom_"
_CUSTOM_KEY = re.compile(r"^[A-Za-z]{1,8}$")

GENDERS = ("Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male")
ALLOW_TYPES = ("AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny")
ADMIN_FORBID_TYPES = ("AdminForbid_Type_None", "AdminForbid_Type_SendOut")

NICK = "Tag_Profile_IM_Nick"
IMAGE = "Tag_Profile_IM_Image"
ALLOW_TYPE = "Tag_Profile_IM_AllowType"


@dataclass(frozen=True)
class TagRule:
    kind: str  # "str" | "uint" | "enum"
    default: str | int
    choices: tuple[str, ...] = ()
    admin_write_only: bool = False


STANDARD: dict[str, TagRule] = {
    NICK: TagRule("str", ""),
    "Tag_Profile_IM_Gender": TagRule("enum", GENDERS[0], GENDERS),
    "Tag_Profile_IM_BirthDay": TagRule("uint", 0),
    "Tag_Profile_IM_Location": TagRule("str", ""),
    "Tag_Profile_IM_SelfSignature": TagRule("str", ""),
    ALLOW_TYPE: TagRule("enum", ALLOW_TYPES[0], ALLOW_TYPES),
    "Tag_Profile_IM_Language": TagRule("uint", 0),
    IMAGE: TagRule("str", ""),
    "Tag_Profile_IM_MsgSettings": TagRule("uint", 0),
    "Tag_Profile_IM_AdminForbidType": TagRule("enum", ADMIN_FORBID_TYPES[0], ADMIN_FORBID_TYPES, True),
    "Tag_Profile_IM_Level": TagRule("uint", 0, (), True),
    "Tag_Profile_IM_Role": TagRule("uint", 0, (), True),
}


def check_tag_name(tag: object, declared: Collection[str] | None = None) -> str:
    """A standard tag or `Tag_Profile_Custom_<1-8 letters>`, one of the app's `declared` custom tags when given
    (AppConfig.custom_profile_tags, as Tencent's console declares them); 40009 otherwise."""
    if not isinstance(tag, str):
        raise errors.error(40001, "Tag must be a string")
    if tag in STANDARD:
        return tag
    if tag.startswith(CUSTOM_PREFIX) and _CUSTOM_KEY.match(tag[len(CUSTOM_PREFIX) :]):
        if declared is not None and tag not in declared:
            raise errors.error(40009, f"custom profile tag {tag!r} is not declared by the app (custom_profile_tags)")
        return tag
    raise errors.error(40009, f"unknown profile tag {tag[:80]!r} (custom tags are Tag_Profile_Custom_ + 1-8 letters)")


def _check_str(tag: str, value: object) -> str:
    if not isinstance(value, str):
        raise errors.error(40610, f"{tag} takes a string value")
    if len(value.encode("utf-8")) > VALUE_MAX_BYTES:
        raise errors.error(40601, f"{tag} value exceeds {VALUE_MAX_BYTES} bytes")
    return value


def check_value(tag: str, value: object, *, is_admin: bool, declared: Collection[str] | None = None) -> str | int:
    """Validate one (tag, value) for writing; raises 40009 (tag), then 40008/40601/40605/40610 (value)."""
    rule = STANDARD.get(check_tag_name(tag, declared))
    if rule is None:  # custom tag: a string (JSON has no bytes) of ≤500 bytes
        return _check_str(tag, value)
    if rule.admin_write_only and not is_admin:
        raise errors.error(40008, f"{tag} may only be written by the App admin")
    if rule.kind == "str":
        return _check_str(tag, value)
    if rule.kind == "uint":
        if isinstance(value, bool) or not isinstance(value, int):
            raise errors.error(40610, f"{tag} takes an unsigned integer")
        if not 0 <= value <= UINT32_MAX:
            raise errors.error(40605, f"{tag} must be within 0..{UINT32_MAX}")
        return value
    if not isinstance(value, str):
        raise errors.error(40610, f"{tag} takes a string value")
    if value not in rule.choices:
        raise errors.error(40605, f"{tag} must be one of {', '.join(rule.choices)}")
    return value


def default(tag: str) -> str | int:
    rule = STANDARD.get(tag)
    return "" if rule is None else rule.default
