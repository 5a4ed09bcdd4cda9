"""All-member push rules: tags, attributes, the push Condition and which users a push reaches (reference §3.9)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors

TAG_MAX_BYTES = 50  # 90020
TAGS_PER_REQUEST = 10  # per user in im_add_tag, and in one push Condition (90032)
TAGS_PER_USER = 100  # a user holds at most 100 tags (90032 when an add would pass it)
USERS_PER_REQUEST = 100  # 90018
ATTR_SLOTS = tuple(str(i) for i in range(10))  # an app names at most 10 attributes, "0".."9"
ATTR_MAX_BYTES = 50  # names and values (90033)
MAX_LIFETIME = 7 * 86400  # MsgLifeTime: at most 7 days (90026)
EVENT = "all_member_push"  # the push frame's event name

TAG, ATTR = "tag", "attr"


@dataclass(frozen=True)
class Term:
    """One thing a user may hold: a tag, or attribute slot `key` with `value`."""

    kind: str
    key: str
    value: str = ""

    def to_list(self) -> list[str]:
        return [self.kind, self.key, self.value]

    @classmethod
    def from_list(cls, raw: Iterable[str]) -> Term:
        kind, key, value = raw
        return cls(kind, key, value)


@dataclass(frozen=True)
class Condition:
    """Users holding every `all_of` term and, if `any_of` is given, at least one of those (both empty: everybody)."""

    any_of: tuple[Term, ...] = ()
    all_of: tuple[Term, ...] = ()

    @property
    def everyone(self) -> bool:
        return not self.any_of and not self.all_of

    def sources(self) -> tuple[Term, ...]:
        """Index partitions to walk: one term of the AND clause suffices; the OR clause needs each of its terms."""
        return self.all_of[:1] or self.any_of

    def terms(self) -> tuple[Term, ...]:
        return tuple(dict.fromkeys(self.all_of + self.any_of))

    def accepts(self, held: set[Term], source: int) -> bool:
        """Does a user found under `sources()[source]` and holding `held` get the push? A user found under a later
        OR term who also holds an earlier one was already reached there, so each user is pushed once."""
        if not set(self.all_of) <= held:
            return False
        if self.any_of and not held & set(self.any_of):
            return False
        return bool(self.all_of) or not held & set(self.any_of[:source])

    def to_dict(self) -> dict[str, Any]:
        return {"any": [t.to_list() for t in self.any_of], "all": [t.to_list() for t in self.all_of]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Condition:
        return cls(
            tuple(Term.from_list(t) for t in raw.get("any", [])), tuple(Term.from_list(t) for t in raw.get("all", []))
        )


def check_tag(tag: Any) -> str:
    if not isinstance(tag, str):
        raise errors.error(90001, "each tag must be a string")
    if not tag:
        raise errors.error(90040, "tags must not be empty")
    if len(tag.encode("utf-8")) > TAG_MAX_BYTES:
        raise errors.error(90020, f"tag {tag[:20]!r}… exceeds {TAG_MAX_BYTES} bytes")
    return tag


def check_tags(tags: Any, *, field: str = "Tags") -> list[str]:
    """A request's tag list: an array of at most 10 valid tags (duplicates dropped)."""
    if not isinstance(tags, list):
        raise errors.error(90001, f"{field} must be an array of strings")
    if len(tags) > TAGS_PER_REQUEST:
        raise errors.error(90032, f"{field} holds {len(tags)} tags; at most {TAGS_PER_REQUEST}")
    return list(dict.fromkeys(check_tag(t) for t in tags))


def check_attr_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise errors.error(90033, f"{what} must be a non-empty string")
    if len(value.encode("utf-8")) > ATTR_MAX_BYTES:
        raise errors.error(90033, f"{what} exceeds {ATTR_MAX_BYTES} bytes")
    return value


def merge_attr_names(current: Mapping[str, str], changes: Any) -> dict[str, str]:
    """im_set_attr_name: `{"0": "sex", ...}` merged into the app's names; slots "0".."9", names unique."""
    if not isinstance(changes, dict) or not changes:
        raise errors.error(90001, "AttrNames must be a non-empty object of slot → name")
    merged = dict(current)
    for slot, name in changes.items():
        if slot not in ATTR_SLOTS:
            raise errors.error(90033, f"attribute slot {slot!r} must be one of 0..9")
        merged[slot] = check_attr_text(name, f"attribute name for slot {slot}")
    if len(set(merged.values())) != len(merged):
        raise errors.error(90033, "attribute names must be unique")
    return merged


def slots_by_name(names: Mapping[str, str]) -> dict[str, str]:
    return {name: slot for slot, name in names.items()}


def attr_slot(names: Mapping[str, str], name: Any) -> str:
    """The slot of an attribute the app has named; unknown name → 90033."""
    slot = slots_by_name(names).get(name) if isinstance(name, str) else None
    if slot is None:
        raise errors.error(90033, f"attribute {name!r} is not one of the app's attribute names (im_set_attr_name)")
    return slot


def _condition_parts(raw: Any) -> dict[str, list[Any]]:
    """Condition is an object (Tencent's pages) or an array of objects (the Java SDK's model): merge them."""
    items = raw if isinstance(raw, list) else [raw]
    parts: dict[str, list[Any]] = {}
    for item in items:
        if not isinstance(item, dict):
            raise errors.error(90001, "Condition must be an object (or an array of objects)")
        for key, value in item.items():
            if key not in ("TagsOr", "TagsAnd", "AttrsOr", "AttrsAnd"):
                raise errors.error(90001, f"Condition.{key} is not one of TagsOr, TagsAnd, AttrsOr, AttrsAnd")
            if key.startswith("Tags"):
                if not isinstance(value, list):
                    raise errors.error(90001, f"Condition.{key} must be an array of tags")
                parts.setdefault(key, []).extend(value)
            else:
                if not isinstance(value, dict):
                    raise errors.error(90001, f"Condition.{key} must be an object of attribute → value")
                parts.setdefault(key, []).extend(value.items())
    return parts


def parse_condition(raw: Any, attr_names: Mapping[str, str]) -> Condition:
    """im_push's Condition (None: everybody). Tags and attributes exclusive (90039); ≤10 tags (90032)."""
    if raw is None:
        return Condition()
    parts = _condition_parts(raw)
    has_tags = bool(parts.get("TagsOr") or parts.get("TagsAnd"))
    has_attrs = bool(parts.get("AttrsOr") or parts.get("AttrsAnd"))
    if has_tags and has_attrs:
        raise errors.error(90039, "a push goes by tags or by attributes, not both")
    if has_tags:
        any_tags = [check_tag(t) for t in parts.get("TagsOr", [])]
        all_tags = [check_tag(t) for t in parts.get("TagsAnd", [])]
        if len(set(any_tags) | set(all_tags)) > TAGS_PER_REQUEST:
            raise errors.error(90032, f"a push Condition names at most {TAGS_PER_REQUEST} tags")
        if set(any_tags) & set(all_tags):
            raise errors.error(90022, "a tag appears in both TagsOr and TagsAnd")
        return Condition(
            tuple(Term(TAG, t) for t in dict.fromkeys(any_tags)), tuple(Term(TAG, t) for t in dict.fromkeys(all_tags))
        )

    def attr_terms(key: str) -> tuple[Term, ...]:
        out = [Term(ATTR, attr_slot(attr_names, n), check_attr_text(v, f"value of {n}")) for n, v in parts.get(key, [])]
        return tuple(dict.fromkeys(out))

    return Condition(attr_terms("AttrsOr"), attr_terms("AttrsAnd"))
