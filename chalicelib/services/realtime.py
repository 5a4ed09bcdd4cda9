"""Realtime sessions: websocket login under the app's multi-terminal policy, kicks, liveness, presence, the sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, terminals
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.services.auth import AuthService
from chalicelib.services.notify import frame
from chalicelib.services.ports import AccountRepo, Connection, ConnectionDirectory, Metrics, Online, Pusher

log = logging.getLogger("yuntong.realtime")

KICKED = "kicked"
SWEEP_BATCH = 1000  # connections removed per app per run; a backlog is finished by the next runs


@dataclass(frozen=True)
class Session:
    """A logged-in terminal acting through a websocket frame."""

    connection: Connection
    app: App
    is_admin: bool


@dataclass(frozen=True)
class Presence:
    user: str
    exists: bool
    terminals: list[Connection]


class RealtimeService:
    def __init__(
        self,
        auth: AuthService,
        accounts: AccountRepo,
        directory: ConnectionDirectory,
        pusher: Pusher,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self._auth = auth
        self._accounts = accounts
        self._directory = directory
        self._pusher = pusher
        self._metrics = metrics
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock.now())

    # --- login / logout --------------------------------------------------------------------------------------
    def login(self, sdkappid: int, identifier: str, sig: str, platform: object, connection_id: str) -> Connection:
        """Authenticate a `$connect`, store the terminal and apply the app's login policy to the others."""
        name = terminals.platform(platform)
        principal = self._auth.authenticate(sdkappid, identifier, sig)
        now = self._now()
        conn = Connection(connection_id, sdkappid, identifier, name, now, now, sig_expires=principal.sig_expires)
        added = self._directory.add(conn, now + terminals.IDLE_SECONDS)
        try:
            others = [c for c in self._directory.of_user(sdkappid, identifier) if c.connection_id != connection_id]
            outcome = terminals.resolve(principal.app.config.login_policy, added.connection, others)
            if outcome.refused:
                raise errors.error(6208, "a later login of this account on a conflicting platform won")
            info = f"this account logged in on another terminal ({name})"
            self._kick(outcome.kicked, terminals.KICKED_OTHER_TERMINAL, info, platform=name)
            self._count_login(principal.app, identifier, added.online)
        except Exception:
            self._directory.remove(connection_id)  # a refused handshake leaves no terminal behind
            raise
        return added.connection

    def refuse(self, connection_id: str, error: errors.DomainError) -> None:
        """A `refusal=frame` login that failed: the handshake is accepted, but the connection is no terminal (never in
        the directory, never online, never pushed to); its first frame is answered with `error` (see `session`)."""
        expires = self._now() + terminals.REFUSAL_SECONDS
        self._directory.refuse(connection_id, error.error_code, error.info, expires)

    def disconnect(self, connection_id: str) -> None:
        self._directory.remove(connection_id)

    def kick_user(self, sdkappid: int, user: str, code: int, info: str) -> int:
        """Log out every terminal of `user`: a `kicked` event, then removal and close. Returns how many."""
        return self._kick(self._directory.of_user(sdkappid, user), code, info)

    def kick_account(self, app: App, user: str) -> int:
        """im_open_login_svc/kick: 70107 unless `user` is an imported account (or an admin identifier)."""
        if not app.is_admin(user) and not self._accounts.exists(app.sdkappid, user):
            raise errors.AccountNotFound(f"account {user!r} does not exist")
        return self.kick_user(app.sdkappid, user, terminals.KICKED_BY_ADMIN, "logged out by the app backend")

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """AccountDeletionHook: a deleted account's terminals are kicked off."""
        self.kick_user(sdkappid, user, terminals.KICKED_ACCOUNT_DELETED, "this account was deleted")

    def _kick(self, conns: Sequence[Connection], code: int, info: str, **extra: Any) -> int:
        if not conns:
            return 0
        ids = [c.connection_id for c in conns]
        gone = set(self._pusher.send_many(ids, frame(KICKED, {"code": code, "info": info, **extra})))
        for cid in ids:
            self._directory.remove(cid)
            if cid not in gone:
                self._pusher.close(cid)
        return len(ids)

    def _count_login(self, app: App, user: str, online: Online) -> None:
        """DAU (once per account per natural day), LoginTimes, and the day's online peaks in accounts (people,
        MaxOnlineNum) and terminals: the DAU mark at once (the first time a day), the rest in the container's
        statistics buffer, written with its next flush. `online` is the directory's estimate right after this login
        (see DynamoConnectionDirectory._count)."""
        peaks = {"MaxOnlineNum": online.accounts, "MaxOnlineTerminalNum": online.connections}
        self._metrics.active(app, user, amounts={"LoginTimes": 1}, peaks=peaks)

    # --- frames ----------------------------------------------------------------------------------------------
    def session(self, connection_id: str) -> Session:
        """The terminal a frame came from; any error means the session is over (the edge closes the socket)."""
        conn = self._directory.get(connection_id)
        if conn is None:
            refused = self._directory.refusal(connection_id)
            if refused is not None:
                code, info = refused
                raise errors.error(code, info)  # why its `refusal=frame` login was refused
            raise errors.NotLoggedIn()
        now = self._now()
        try:
            if conn.sig_expires is not None and now > conn.sig_expires:
                raise errors.SigExpired("the UserSig of this login has expired: reconnect with a new one")
            app = self._auth.app(conn.sdkappid)  # suspended or deleted since login: 60006 / 60016
        except errors.DomainError:
            self._directory.remove(connection_id)
            raise
        if now - conn.last_seen >= terminals.TOUCH_EVERY_SECONDS:
            self._directory.touch(connection_id, now, now + terminals.IDLE_SECONDS)
        try:  # DAU: a terminal acting on a day counts it (no request once marked); never the frame's failure
            self._metrics.active(app, conn.user)
        except Exception:
            log.exception("DAU mark failed for %s in %s", conn.user, app.sdkappid)
        return Session(conn, app, app.is_admin(conn.user))

    def heartbeat(self, connection_id: str | None) -> dict[str, int]:
        """The frame itself was the activity (see `session`); the reply tells the client the server's view."""
        if connection_id is None:
            raise errors.InvalidParam("realtime/heartbeat is a websocket command: there is no session to keep alive")
        return {"ServerTime": self._now(), "IdleTimeout": terminals.IDLE_SECONDS}

    # --- presence and the sweep ------------------------------------------------------------------------------
    def presence(self, sdkappid: int, users: Sequence[str]) -> list[Presence]:
        existing = self._accounts.existing(sdkappid, users)
        online = self._directory.of_users(sdkappid, [u for u in users if u in existing])
        return [Presence(u, u in existing, online.get(u, [])) for u in users]

    def online(self, sdkappid: int) -> Online:
        return self._directory.online(sdkappid)

    def sweep_refusals(self) -> int:
        """Close `refusal=frame` sockets whose refusal expired unread (a client that never sent a frame): a refused
        login holds a socket for REFUSAL_SECONDS and a sweep period at most, not until API Gateway's idle limit."""
        expired = self._directory.remove_expired_refusals(self._now(), SWEEP_BATCH)
        for connection_id in expired:
            self._pusher.close(connection_id)
        return len(expired)

    def sweep(self, sdkappid: int) -> int:
        """Remove the app's terminals not heard from within the idle limit (no `$disconnect` came)."""
        stale = self._directory.remove_expired(sdkappid, self._now(), SWEEP_BATCH)
        for conn in stale:
            self._pusher.close(conn.connection_id)  # usually closed already; if not, it is no longer ours
        return len(stale)
