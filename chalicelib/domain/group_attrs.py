"""Group attributes (get/modify/set/clear_group_attr): Tencent's limits and how a write changes the set.

Tencent's limits (group attribute docs, reference §3.7): at most 16 keys per group, a key at most 32 bytes, a value
at most 4 KB, keys and values together at most 16 KB. Items use lower-case `key` / `value` on the wire. Every write
moves the group's attribute version on by one; a write that raced another one is refused with 10056, as Tencent's
(the loser reads again and retries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.domain import errors

MAX_KEYS = 16
KEY_MAX_BYTES = 32
VALUE_MAX_BYTES = 4096
TOTAL_MAX_BYTES = 16 * 1024
INVALID = 10004
CONFLICT = 10056


@dataclass(frozen=True)
class GroupAttrs:
    """A group's attributes and their version (0: never written)."""

    values: dict[str, str] = field(default_factory=dict)
    version: int = 0

    def items(self) -> list[dict[str, str]]:
        """GroupAttrAry, sorted by key so that answers are stable."""
        return [{"key": k, "value": self.values[k]} for k in sorted(self.values)]


def check_items(items: Sequence[Mapping[str, object]]) -> dict[str, str]:
    """A GroupAttr list as a mapping; a key given twice keeps its last value (one write)."""
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        key, value = item.get("key"), item.get("value", "")
        if not isinstance(key, str) or not key:
            raise errors.error(INVALID, f"GroupAttr[{i}].key must be a non-empty string")
        if len(key.encode("utf-8")) > KEY_MAX_BYTES:
            raise errors.error(INVALID, f"GroupAttr[{i}].key exceeds {KEY_MAX_BYTES} bytes")
        if not isinstance(value, str):
            raise errors.error(INVALID, f"GroupAttr[{i}].value must be a string")
        if len(value.encode("utf-8")) > VALUE_MAX_BYTES:
            raise errors.error(INVALID, f"GroupAttr[{i}].value exceeds {VALUE_MAX_BYTES} bytes")
        out[key] = value
    return out


def check_total(values: Mapping[str, str]) -> None:
    """The set a write would leave: at most 16 keys and 16 KB of keys and values."""
    if len(values) > MAX_KEYS:
        raise errors.error(INVALID, f"a group holds at most {MAX_KEYS} attributes, this write leaves {len(values)}")
    size = sum(len(k.encode("utf-8")) + len(v.encode("utf-8")) for k, v in values.items())
    if size > TOTAL_MAX_BYTES:
        raise errors.error(INVALID, f"a group's attributes hold at most {TOTAL_MAX_BYTES} bytes, this write {size}")


def modified(current: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """modify_group_attr: the given keys are added or replaced, the others stay."""
    out = {**current, **changes}
    check_total(out)
    return out


def replaced(changes: Mapping[str, str]) -> dict[str, str]:
    """set_group_attr: the given keys become the whole set."""
    out = dict(changes)
    check_total(out)
    return out
