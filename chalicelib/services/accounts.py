"""Account use cases: import (idempotent, FAQ), check, delete with everything the account owns."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import errors, profiles
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import is_user_id
from chalicelib.services.ports import AccountDeletionHook, AccountRecord, AccountRepo

log = logging.getLogger("yuntong.accounts")

BATCH = 100  # account_import/check/delete take at most 100 accounts per call (reference §5)


@dataclass(frozen=True)
class DeleteResult:
    user: str
    deleted: bool  # False: no such account


@dataclass
class AccountService:
    repo: AccountRepo
    clock: Clock
    deletion_hooks: list[AccountDeletionHook] = field(default_factory=list)
    # Told how many accounts an import created (daily stats: RegistUserNumOneDay); re-imports are not counted.
    on_registered: Callable[[int, int], None] | None = None

    def import_account(self, sdkappid: int, user: str, nick: str | None = None, face_url: str | None = None) -> bool:
        """Create the account; True if it is new.

        Importing again is harmless (FAQ): an existing account keeps its profile, except that a given Nick/FaceUrl
        replaces the stored one (the documented way to bulk-load nicknames and avatars).
        """
        seed: dict[str, Any] = {}
        for wire, tag, value in (("Nick", profiles.NICK, nick), ("FaceUrl", profiles.IMAGE, face_url)):
            if value is None:
                continue
            try:
                seed[tag] = profiles.check_value(tag, value, is_admin=True)
            except errors.DomainError as err:
                raise errors.InvalidParam(f"{wire}: {err.info}") from err
        created = self.repo.import_account(sdkappid, user, int(self.clock.now()), seed)
        self._registered(sdkappid, int(created))
        return created

    def import_many(self, sdkappid: int, candidates: Sequence[str]) -> list[str]:
        """Import each distinct candidate; returns FailAccounts (invalid UserIDs and per-item storage failures)."""
        failed = []
        created = 0
        for user in dict.fromkeys(candidates):
            if not is_user_id(user):
                failed.append(user)
                continue
            try:
                created += self.repo.import_account(sdkappid, user, int(self.clock.now()), {})
            except Exception:  # one item's storage failure is reported in FailAccounts, not fatal
                log.exception("import of %s/%s failed", sdkappid, user)
                failed.append(user)
        self._registered(sdkappid, created)
        return failed

    def _registered(self, sdkappid: int, count: int) -> None:
        if count and self.on_registered is not None:
            self.on_registered(sdkappid, count)

    def record(self, sdkappid: int, user: str) -> AccountRecord | None:
        """Profile and global-mute deadlines in one read: what a send needs to stamp and check its sender."""
        return self.repo.get_account(sdkappid, user)

    def existing(self, sdkappid: int, users: Sequence[str]) -> set[str]:
        """The imported accounts among `users`; strings that cannot be UserIDs are never looked up."""
        return self.repo.existing(sdkappid, [u for u in users if is_user_id(u)])

    def delete(self, sdkappid: int, user: str) -> bool:
        """Delete the account, its profile and every per-account record; False if it did not exist.

        Features keeping state outside the account's partition clean it up in their deletion hooks first. A later
        import of the same UserID creates a fresh account with an empty profile.
        """
        if not is_user_id(user) or not self.repo.exists(sdkappid, user):
            return False
        for hook in self.deletion_hooks:
            hook.on_account_deleted(sdkappid, user)
        self.repo.delete(sdkappid, user)
        return True

    def delete_many(self, sdkappid: int, users: Sequence[str]) -> list[DeleteResult]:
        return [DeleteResult(user, self.delete(sdkappid, user)) for user in dict.fromkeys(users)]
