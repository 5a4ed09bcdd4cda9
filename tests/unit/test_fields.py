"""Field declarations and bounded getters (chalicelib/api/fields.py): the edge every command's body goes through."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api import fields as f
from chalicelib.api.fields import Body, check
from chalicelib.domain import errors

DECLARED = (
    f.account("From_Account", code=90008),
    f.uint32("MsgRandom", required=True, code=90005),
    f.uint64("Sequence"),
    f.string("Name", max_bytes=4, choices=("ab", "abcd")),
    f.objects("Items", f.account("To_Account", required=True), f.flag("On")),
    f.msg_body(required=True),  # checked by its domain rule, not here
)


def code_of(data: dict[str, Any]) -> int | None:
    try:
        check(DECLARED, data, 90001)
    except errors.DomainError as err:
        return err.error_code
    return None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"MsgRandom": 1}, None),
        ({"MsgRandom": 1, "Sequence": 2**64 - 1, "Name": "abcd", "Items": [{"To_Account": "b", "On": 1}]}, None),
        ({}, 90005),
        ({"MsgRandom": "1"}, 90005),
        ({"MsgRandom": True}, 90005),
        ({"MsgRandom": 2**32}, 90005),
        ({"MsgRandom": -1}, 90005),
        ({"MsgRandom": 1.0}, 90005),
        ({"From_Account": 5, "MsgRandom": "x"}, 90008),  # declaration order: the first problem answers
        ({"From_Account": "x" * 33, "MsgRandom": 1}, 90008),
        ({"From_Account": "", "MsgRandom": 1}, None),  # left to the handler ("" may have a rule of its own)
        ({"MsgRandom": 1, "Sequence": 2**64}, 90001),
        ({"MsgRandom": 1, "Name": "abcde"}, 90001),
        ({"MsgRandom": 1, "Name": "abc"}, 90001),
        ({"MsgRandom": 1, "Items": {}}, 90001),
        ({"MsgRandom": 1, "Items": ["x"]}, 90001),
        ({"MsgRandom": 1, "Items": [{}]}, 90001),
        ({"MsgRandom": 1, "Items": [{"To_Account": "b", "On": 2}]}, 90001),
        ({"MsgRandom": 1, "MsgBody": "not checked here"}, None),
    ],
)
def test_check_validates_declared_fields_in_order_with_their_codes(data: dict[str, Any], code: int | None) -> None:
    assert code_of(data) == code


def test_integer_getters_are_uint32_unless_told_otherwise() -> None:
    body = Body({"a": 2**32 - 1, "b": 2**32, "c": -1, "d": 2**64 - 1, "e": 2**70}, 30001)
    assert body.integer("a") == 2**32 - 1
    for name in ("b", "c", "e"):
        with pytest.raises(errors.DomainError) as raised:
            body.integer(name)
        assert raised.value.error_code == 30001
    assert body.integer("d", max_value=f.UINT64_MAX) == 2**64 - 1
    with pytest.raises(errors.DomainError):
        body.integer("e", max_value=f.UINT64_MAX)
