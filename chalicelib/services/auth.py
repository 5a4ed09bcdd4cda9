"""Who is calling: the app (tenant), the identifier, and whether it is the app's admin."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import errors, usersig
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import is_user_id
from chalicelib.services.ports import AccountRepo, AppRepo


@dataclass(frozen=True)
class Principal:
    app: App
    identifier: str
    is_admin: bool
    sig_expires: int | None = None  # when the UserSig presented expires (a websocket session ends then)


class AuthService:
    def __init__(self, apps: AppRepo, accounts: AccountRepo, clock: Clock) -> None:
        self._apps = apps
        self._accounts = accounts
        self._clock = clock

    def app(self, sdkappid: int) -> App:
        """The usable app, or 70020 (unknown) / 60006 (suspended) / 60016 (deleted)."""
        app = self._apps.get(sdkappid)
        if app is None:
            raise errors.AppNotFound(f"SDKAppID {sdkappid} not found")
        app.ensure_usable()
        return app

    def authenticate(self, sdkappid: int, identifier: str, sig: str) -> Principal:
        """The app must be usable, the UserSig valid for (app, identifier), and a non-admin an imported account."""
        app = self.app(sdkappid)
        ticket = usersig.verify(sig, sdkappid, identifier, app.secret_key, int(self._clock.now()))
        is_admin = app.is_admin(identifier)
        if not is_admin and not (is_user_id(identifier) and self._accounts.exists(sdkappid, identifier)):
            raise errors.AccountNotFound(f"identifier {identifier!r} is not an imported account")
        return Principal(app, identifier, is_admin, ticket.expires_at)
