"""Profile use cases: portrait_set / portrait_get over standard and custom tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, profiles
from chalicelib.services.ports import AccountRepo


@dataclass(frozen=True)
class ProfileResult:
    user: str
    items: list[tuple[str, Any]] | None  # None: the account does not exist


class ProfileService:
    def __init__(self, repo: AccountRepo) -> None:
        self._repo = repo

    def set(self, sdkappid: int, user: str, items: Mapping[str, Any], *, is_admin: bool) -> None:
        checked = {
            tag: profiles.check_value(profiles.check_tag_name(tag), v, is_admin=is_admin) for tag, v in items.items()
        }
        if not self._repo.set_profile(sdkappid, user, checked):
            raise errors.error(40003, f"account {user!r} does not exist")

    def get(self, sdkappid: int, users: Sequence[str], tags: Sequence[str]) -> list[ProfileResult]:
        wanted = [profiles.check_tag_name(t) for t in tags]
        found = self._repo.get_profiles(sdkappid, list(dict.fromkeys(users)))
        results = []
        for user in users:
            stored = found.get(user)
            if stored is None:
                results.append(ProfileResult(user, None))
            else:
                results.append(ProfileResult(user, [(t, stored.get(t, profiles.default(t))) for t in wanted]))
        return results

    def get_one(self, sdkappid: int, user: str) -> dict[str, Any]:
        """All stored tags of one account ({} if absent): used to stamp sender nick/avatar on messages."""
        return self._repo.get_profiles(sdkappid, [user]).get(user, {})
