"""Global mute (setnospeaking/getnospeaking): deadlines in the account item, where C2C and group sends read them."""

from __future__ import annotations

from chalicelib.domain import errors, mute
from chalicelib.domain.clock import Clock
from chalicelib.services.ports import AccountRepo

INVALID_ACCOUNT = 130005


class GlobalMuteService:
    def __init__(self, accounts: AccountRepo, clock: Clock) -> None:
        self._accounts = accounts
        self._clock = clock

    def set(self, sdkappid: int, user: str, c2c_seconds: int | None, group_seconds: int | None) -> None:
        """Mute for `seconds` from now (0 clears, 4294967295 forever); None leaves that kind as it is."""
        now = int(self._clock.now())
        c2c = None if c2c_seconds is None else mute.until(now, c2c_seconds)
        group = None if group_seconds is None else mute.until(now, group_seconds)
        if not self._accounts.set_mute(sdkappid, user, c2c, group):
            raise errors.error(INVALID_ACCOUNT, f"Set_Account {user!r} is not an imported account")

    def get(self, sdkappid: int, user: str) -> tuple[int, int]:
        """Seconds of C2C and group mute left (4294967295 = forever, 0 = not muted)."""
        record = self._accounts.get_account(sdkappid, user)
        if record is None:
            raise errors.error(INVALID_ACCOUNT, f"Get_Account {user!r} is not an imported account")
        now = self._clock.now()
        return mute.remaining(record.c2c_mute_until, now), mute.remaining(record.group_mute_until, now)
