"""Reading request bodies: typed field access that raises the service's Tencent code with a clear message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from chalicelib.domain import errors
from chalicelib.domain.ids import check_user_id

_MISSING = object()


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
        min_value: int | None = None,
        max_value: int | None = None,
    ) -> Any:
        value = self._get(name, required, code)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise errors.error(code or self.code, f"{name} must be an integer")
        if min_value is not None and value < min_value:
            raise errors.error(code or self.code, f"{name} must be at least {min_value}")
        if max_value is not None and value > max_value:
            raise errors.error(code or self.code, f"{name} must be at most {max_value}")
        return value

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
