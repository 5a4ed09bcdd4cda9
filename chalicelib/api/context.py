"""AuthContext: who is acting, for which app, and through which edge."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import errors
from chalicelib.domain.apps import App


@dataclass(frozen=True)
class AuthContext:
    app: App
    identifier: str
    is_admin: bool
    via: str = "rest"  # "rest" | "ws"
    connection_id: str | None = None
    platform: str | None = None
    client_ip: str = ""  # the REST caller's address (callbacks' ClientIP)

    @property
    def sdkappid(self) -> int:
        return self.app.sdkappid

    def acting_user(self, value: str | None) -> str:
        """The account the call acts as: the named one for the admin, otherwise only the caller itself."""
        if value is None:
            return self.identifier
        if not self.is_admin and value != self.identifier:
            raise errors.NotSelf(f"{self.identifier!r} may act only as itself, not as {value!r}")
        return value

    def require_admin(self) -> None:
        if not self.is_admin:
            raise errors.AdminRequired()
