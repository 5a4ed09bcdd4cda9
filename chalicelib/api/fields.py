"""Reading request bodies: typed field access that raises the service's Tencent code with a clear message.

Two halves. `Body` reads a field (string, bounded integer, UserID, list...) in a handler. `Field` declares one: every
command lists its fields in the registry (`@command(..., fields=(...))`), `check` validates a body against them
before the handler runs (type, required, integer range, string size), and the bad-input test derives its cases from
the same declarations (tests/api/test_bad_input.py). Integers are bounded to their wire type at both places: a
getter without bounds reads an uint32, so no command can let 2**70 or -1 through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict, Unpack

from chalicelib.domain import errors
from chalicelib.domain.ids import check_user_id

_MISSING = object()
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1


class Limits(TypedDict, total=False):
    """How many items a list may hold, and the codes for breaking that (see `Body.array`)."""

    max_items: int | None
    min_items: int
    max_code: int | None
    size_code: int | None


class Body:
    """A JSON object body. `code` is the service's invalid-parameter code; each getter may override it."""

    def __init__(self, data: Mapping[str, Any], code: int) -> None:
        self.data = data
        self.code = code

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def _get(self, name: str, required: bool, code: int | None) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise errors.error(code or self.code, f"{name} is required")
            return _MISSING
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        code: int | None = None,
        max_bytes: int | None = None,
        default: str | None = None,
        allow_empty: bool = True,
        choices: tuple[str, ...] = (),
    ) -> Any:
        value = self._get(name, required, code)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise errors.error(code or self.code, f"{name} must be a string")
        if not allow_empty and not value:
            raise errors.error(code or self.code, f"{name} must not be empty")
        if max_bytes is not None and len(value.encode("utf-8")) > max_bytes:
            raise errors.error(code or self.code, f"{name} exceeds {max_bytes} bytes")
        if choices and value not in choices:
            raise errors.error(code or self.code, f"{name} must be one of {', '.join(choices)}")
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        code: int | None = None,
        default: int | None = None,
        min_value: int = 0,
        max_value: int = UINT32_MAX,
    ) -> Any:
        """An integer within [min_value, max_value]: by default an uint32 (Tencent's times, counts, indexes and
        randoms); pass `max_value=UINT64_MAX` for the uint64 fields. There is no unbounded form."""
        value = self._get(name, required, code)
        if value is _MISSING:
            return default
        return _bounded(value, name, code or self.code, min_value, max_value)

    def array(
        self,
        name: str,
        *,
        required: bool = False,
        code: int | None = None,
        max_items: int | None = None,
        min_items: int = 0,
        max_code: int | None = None,
        size_code: int | None = None,
    ) -> Any:
        """A list. `max_code`: the code for too many items; `size_code`: for too few or too many (batch size)."""
        value = self._get(name, required, code)
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            raise errors.error(code or self.code, f"{name} must be an array")
        if len(value) < min_items:
            raise errors.error(size_code or code or self.code, f"{name} needs at least {min_items} item(s)")
        if max_items is not None and len(value) > max_items:
            raise errors.error(
                size_code or max_code or code or self.code, f"{name} holds at most {max_items} items, got {len(value)}"
            )
        return value

    def obj(self, name: str, *, required: bool = False, code: int | None = None) -> Body | None:
        value = self._get(name, required, code)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            raise errors.error(code or self.code, f"{name} must be an object")
        return Body(value, code or self.code)

    def user(self, name: str, *, required: bool = False, code: int | None = None) -> Any:
        value = self._get(name, required, code)
        if value is _MISSING:
            return None
        return check_user_id(value, code=code or self.code, field=name)

    def users(self, name: str, *, required: bool = False, code: int | None = None, **limits: Unpack[Limits]) -> Any:
        values = self.array(name, required=required, code=code, **limits)
        if values is None:
            return None
        return [check_user_id(v, code=code or self.code, field=f"{name}[{i}]") for i, v in enumerate(values)]

    def strings(
        self, name: str, *, required: bool = False, code: int | None = None, **limits: Unpack[Limits]
    ) -> list[str] | None:
        """A list of strings (no further rule: callers that report bad items one by one check them)."""
        values = self.array(name, required=required, code=code, **limits)
        if values is None:
            return None
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise errors.error(code or self.code, f"{name}[{i}] must be a string")
        return values

    def objects(
        self, name: str, *, required: bool = False, code: int | None = None, **limits: Unpack[Limits]
    ) -> list[Body] | None:
        values = self.array(name, required=required, code=code, **limits)
        if values is None:
            return None
        out = []
        for i, v in enumerate(values):
            if not isinstance(v, dict):
                raise errors.error(code or self.code, f"{name}[{i}] must be an object")
            out.append(Body(v, code or self.code))
        return out


def _bounded(value: Any, name: str, code: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.error(code, f"{name} must be an integer")
    if value < low:
        raise errors.error(code, f"{name} must be at least {low}")
    if value > high:
        raise errors.error(code, f"{name} must be at most {high}")
    return value


# --- declarations -------------------------------------------------------------------------------------------------
class Kind(StrEnum):
    """What a declared field holds. Account and group kinds say whether the id must already exist."""

    ACCOUNT = "account"  # an imported account's UserID (unknown: the command's not-found code or a per-item error)
    ACCOUNTS = "accounts"  # a list of them
    USER_ID = "user_id"  # a well-formed UserID that need not exist (imports, lookups answering per item)
    USER_IDS = "user_ids"
    GROUP = "group"  # an existing group's GroupId
    GROUP_ID = "group_id"  # a GroupId that need not exist (create_group's own)
    INT = "int"  # an integer within [min_value, max_value] (uint32 unless declared otherwise)
    STRING = "string"
    STRINGS = "strings"  # a list of strings
    OBJECT = "object"  # `items`: the fields of the object
    OBJECTS = "objects"  # a list of objects, each with the fields `items`
    ARRAY = "array"  # a list the handler reads itself
    MSG_BODY = "msg_body"  # a MsgBody (domain/messages.parse_body checks it)
    ANY = "any"  # a value the handler checks itself (On/Off switches, tag values...)


@dataclass(frozen=True)
class Field:
    """One body field of a command. `code`: its Tencent code when bad (None: the command's invalid code)."""

    name: str
    kind: Kind
    required: bool = False
    code: int | None = None
    max_bytes: int | None = None
    min_value: int = 0
    max_value: int = UINT32_MAX
    choices: tuple[str, ...] = ()
    items: tuple[Field, ...] = ()
    sample: Any = None  # a valid value for tests when the kind's default would not do
    alias_of: str | None = None  # another (older or newer) name of that field: a body gives one of the two
    given: tuple[tuple[str, Any], ...] = ()  # sibling values this field is read with (ToGroupid: Type 2)


def account(name: str, **kw: Any) -> Field:
    return Field(name, Kind.ACCOUNT, **kw)


def accounts(name: str, **kw: Any) -> Field:
    return Field(name, Kind.ACCOUNTS, **kw)


def user_id(name: str, **kw: Any) -> Field:
    return Field(name, Kind.USER_ID, **kw)


def user_ids(name: str, **kw: Any) -> Field:
    return Field(name, Kind.USER_IDS, **kw)


def group(name: str = "GroupId", **kw: Any) -> Field:
    return Field(name, Kind.GROUP, **kw)


def uint32(name: str, **kw: Any) -> Field:
    return Field(name, Kind.INT, **kw)


def uint64(name: str, **kw: Any) -> Field:
    return Field(name, Kind.INT, max_value=UINT64_MAX, **kw)


def flag(name: str, **kw: Any) -> Field:
    """0 or 1."""
    return Field(name, Kind.INT, max_value=1, **kw)


def string(name: str, **kw: Any) -> Field:
    return Field(name, Kind.STRING, **kw)


def strings(name: str, **kw: Any) -> Field:
    return Field(name, Kind.STRINGS, **kw)


def obj(name: str, *items: Field, **kw: Any) -> Field:
    return Field(name, Kind.OBJECT, items=items, **kw)


def objects(name: str, *items: Field, **kw: Any) -> Field:
    return Field(name, Kind.OBJECTS, items=items, **kw)


def array(name: str, **kw: Any) -> Field:
    return Field(name, Kind.ARRAY, **kw)


def msg_body(name: str = "MsgBody", **kw: Any) -> Field:
    return Field(name, Kind.MSG_BODY, **kw)


def anything(name: str, **kw: Any) -> Field:
    return Field(name, Kind.ANY, **kw)


def check(declared: Sequence[Field], data: Mapping[str, Any], code: int, *, where: str = "") -> None:
    """Validate `data` against its declared fields, in their order; the first problem raises its code.

    Types, presence, integer ranges, string sizes and choices only: whether an account or group exists, and the
    rules that need the app (sizes from its config, dirty words), stay with the handler and its service.
    """
    for f in declared:
        name = f"{where}{f.name}"
        bad = f.code or code
        value = data.get(f.name)
        if f.kind in (Kind.MSG_BODY, Kind.ANY):
            continue  # the handler's domain rule checks it, presence included, with its own codes
        if value is None:
            if f.required:
                raise errors.error(bad, f"{name} is required")
            continue
        kind = f.kind
        if kind in (Kind.ACCOUNT, Kind.USER_ID):
            if value == "" and not f.required:
                continue  # the handler's getter refuses it, after any rule of its own ("" naming no one: 40002)
            check_user_id(value, code=bad, field=name)
        elif kind in (Kind.ACCOUNTS, Kind.USER_IDS):
            for i, v in enumerate(_list(value, name, bad)):
                check_user_id(v, code=bad, field=f"{name}[{i}]")
        elif kind is Kind.INT:
            _bounded(value, name, bad, f.min_value, f.max_value)
        elif kind in (Kind.STRING, Kind.GROUP, Kind.GROUP_ID):
            _string(f, value, name, bad)
        elif kind is Kind.STRINGS:
            for i, v in enumerate(_list(value, name, bad)):
                if not isinstance(v, str):
                    raise errors.error(bad, f"{name}[{i}] must be a string")
        elif kind is Kind.OBJECT:
            if not isinstance(value, dict):
                raise errors.error(bad, f"{name} must be an object")
            check(f.items, value, bad, where=f"{name}.")
        elif kind is Kind.OBJECTS:
            for i, v in enumerate(_list(value, name, bad)):
                if not isinstance(v, dict):
                    raise errors.error(bad, f"{name}[{i}] must be an object")
                check(f.items, v, bad, where=f"{name}[{i}].")
        elif kind is Kind.ARRAY:
            _list(value, name, bad)


def _list(value: Any, name: str, code: int) -> list[Any]:
    if not isinstance(value, list):
        raise errors.error(code, f"{name} must be an array")
    return value


def _string(f: Field, value: Any, name: str, code: int) -> None:
    if not isinstance(value, str):
        raise errors.error(code, f"{name} must be a string")
    if f.max_bytes is not None and len(value.encode("utf-8")) > f.max_bytes:
        raise errors.error(code, f"{name} exceeds {f.max_bytes} bytes")
    if f.choices and value not in f.choices:
        raise errors.error(code, f"{name} must be one of {', '.join(f.choices)}")
