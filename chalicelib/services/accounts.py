"""Account use cases: import (idempotent, FAQ), check, delete with everything the account owns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import profiles
from chalicelib.domain.clock import Clock
from chalicelib.services.ports import AccountDeletionHook, AccountRepo


@dataclass
class AccountService:
    repo: AccountRepo
    clock: Clock
    deletion_hooks: list[AccountDeletionHook] = field(default_factory=list)
    # Told how many accounts an import created (daily stats: RegistUserNumOneDay); re-imports are not counted.
    on_registered: Callable[[int, int], None] | None = None

    def import_account(self, sdkappid: int, user: str, nick: str | None = None, face_url: str | None = None) -> bool:
        """Create the account (importing again is harmless: FAQ); Nick/FaceUrl seed the profile."""
        seed: dict[str, Any] = {}
        if nick is not None:
            seed[profiles.NICK] = nick
        if face_url is not None:
            seed[profiles.IMAGE] = face_url
        created = self.repo.import_account(sdkappid, user, int(self.clock.now()), seed)
        self._registered(sdkappid, int(created))
        return created

    def import_many(self, sdkappid: int, users: Sequence[str]) -> list[str]:
        """Import each; returns the accounts that failed (FailAccounts)."""
        failed = []
        created = 0
        for user in dict.fromkeys(users):
            try:
                created += self.repo.import_account(sdkappid, user, int(self.clock.now()), {})
            except Exception:  # noqa: BLE001 — a storage failure of one item is reported per item
                failed.append(user)
        self._registered(sdkappid, created)
        return failed

    def _registered(self, sdkappid: int, count: int) -> None:
        if count and self.on_registered is not None:
            self.on_registered(sdkappid, count)

    def existing(self, sdkappid: int, users: Sequence[str]) -> set[str]:
        return self.repo.existing(sdkappid, users)

    def delete(self, sdkappid: int, user: str) -> bool:
        """Delete the account, its profile and every per-account record; False if it did not exist."""
        if not self.repo.exists(sdkappid, user):
            return False
        for hook in self.deletion_hooks:
            hook.on_account_deleted(sdkappid, user)
        self.repo.delete(sdkappid, user)
        return True
