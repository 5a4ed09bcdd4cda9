"""Profile use cases: portrait_set / portrait_get over standard and custom tags."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, profiles
from chalicelib.domain.ids import is_user_id
from chalicelib.services.ports import AccountRepo

GET_MAX_ACCOUNTS = 100  # portrait_get reads at most 100 accounts per call (reference §5)


@dataclass(frozen=True)
class ProfileResult:
    user: str
    items: list[tuple[str, Any]] | None  # None: the account does not exist


class ProfileService:
    def __init__(self, repo: AccountRepo) -> None:
        self._repo = repo

    def set(
        self,
        sdkappid: int,
        user: str,
        items: Mapping[str, Any],
        *,
        is_admin: bool,
        declared: Collection[str] | None = None,
    ) -> None:
        """Validate every item first, then write them all in one conditional update (all or nothing).

        Unknown account → 40003; tag and value errors → 40009/40008/40601/40605/40610. `declared`: the app's custom
        tags (AppConfig.custom_tags; portrait_set always passes them): any other custom tag is 40009, so an
        account's custom profile holds at most 20 values of ≤500 bytes.
        """
        checked: dict[str, Any] = {}
        for tag, value in items.items():
            checked[tag] = profiles.check_value(tag, value, is_admin=is_admin, declared=declared)
        if not self._repo.set_profile(sdkappid, user, checked):
            raise errors.error(40003, f"account {user!r} does not exist")

    def get(
        self, sdkappid: int, users: Sequence[str], tags: Sequence[str], declared: Collection[str] | None = None
    ) -> list[ProfileResult]:
        """One result per distinct account, in request order; unset tags read as their defaults.

        Only accounts of `sdkappid` are found; a string that cannot be a UserID is an unknown account.
        """
        wanted = list(dict.fromkeys(profiles.check_tag_name(t, declared) for t in tags))
        distinct = list(dict.fromkeys(users))
        found = self._repo.get_profiles(sdkappid, [u for u in distinct if is_user_id(u)])
        results = []
        for user in distinct:
            stored = found.get(user)
            if stored is None:
                results.append(ProfileResult(user, None))
            else:
                results.append(ProfileResult(user, [(t, stored.get(t, profiles.default(t))) for t in wanted]))
        return results

    def get_one(self, sdkappid: int, user: str) -> dict[str, Any]:
        """All stored tags of one account ({} if absent): used to stamp sender nick/avatar on messages."""
        return self._repo.get_profiles(sdkappid, [user]).get(user, {})
