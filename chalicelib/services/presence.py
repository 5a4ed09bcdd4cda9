"""Presence hooks: a ConnectionDirectory that tells every PresenceHook about each terminal added or removed.

Wrapping the directory, rather than each caller, catches every way a terminal comes and goes: login, a refused
login, $disconnect, kicks, the stale-connection sweep and the Gone prune after a push (which keeps terminals still
within their handshake grace). Only the call that really removed a terminal reports it (the directory decides, see
ConnectionDirectory), so online counters and the groups' index count each terminal down once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib.services.ports import Added, Connection, ConnectionDirectory, Online, PresenceHook

log = logging.getLogger("yuntong.presence")


class HookedDirectory:
    def __init__(self, inner: ConnectionDirectory, hooks: list[PresenceHook]) -> None:
        self.inner = inner
        self.hooks = hooks  # filled once the features that follow presence are built

    def add(self, conn: Connection, expires: int) -> Added:
        added = self.inner.add(conn, expires)
        self._tell(added.connection, connected=True)
        return added

    def remove(self, connection_id: str) -> Connection | None:
        conn = self.inner.remove(connection_id)
        if conn is not None:
            self._tell(conn, connected=False)
        return conn

    def remove_gone(self, connection_id: str) -> Connection | None:
        conn = self.inner.remove_gone(connection_id)
        if conn is not None:
            self._tell(conn, connected=False)
        return conn

    def refuse(self, connection_id: str, code: int, info: str, expires: int) -> None:
        self.inner.refuse(connection_id, code, info, expires)  # never a terminal: nothing to tell

    def refusal(self, connection_id: str) -> tuple[int, str] | None:
        return self.inner.refusal(connection_id)

    def remove_expired_refusals(self, now: int, limit: int) -> list[str]:
        return self.inner.remove_expired_refusals(now, limit)

    def remove_expired(self, sdkappid: int, now: int, limit: int) -> list[Connection]:
        removed = self.inner.remove_expired(sdkappid, now, limit)
        for conn in removed:
            self._tell(conn, connected=False)
        return removed

    def get(self, connection_id: str) -> Connection | None:
        return self.inner.get(connection_id)

    def of_user(self, sdkappid: int, user: str) -> list[Connection]:
        return self.inner.of_user(sdkappid, user)

    def of_users(self, sdkappid: int, users: Sequence[str]) -> dict[str, list[Connection]]:
        return self.inner.of_users(sdkappid, users)

    def touch(self, connection_id: str, now: int, expires: int) -> None:
        self.inner.touch(connection_id, now, expires)

    def online(self, sdkappid: int) -> Online:
        return self.inner.online(sdkappid)

    def page(self, sdkappid: int, after: str | None, limit: int) -> tuple[list[Connection], str | None]:
        return self.inner.page(sdkappid, after, limit)

    def _tell(self, conn: Connection, *, connected: bool) -> None:
        # A hook's failure must not refuse a login or undo a logout: the hook's index heals at the next login (and
        # its rows expire with the connection's longest life).
        for hook in self.hooks:
            try:
                if connected:
                    hook.on_connected(conn)
                else:
                    hook.on_disconnected(conn)
            except Exception:
                log.exception("presence hook %s failed for %s", type(hook).__name__, conn.connection_id)
