"""Push events to every online terminal of some accounts, pruning connections API Gateway reports gone.

A Gone for a terminal still within its handshake grace (domain/terminals.HANDSHAKE_GRACE_SECONDS) prunes nothing:
API Gateway answers Gone until `$connect` has returned, and the terminal was stored during `$connect`. Such a terminal
gets the event from its login sync (every stored event is stored before it is pushed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.services.ports import Connection, ConnectionDirectory, Pusher


def frame(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Server → client push frame."""
    return {"event": event, "data": dict(data)}


@dataclass(frozen=True)
class Posted:
    """What one post to many connections found."""

    gone: list[str] = field(default_factory=list)  # API Gateway answered Gone (not delivered)
    pruned: list[str] = field(default_factory=list)  # of those, removed from the directory by this post


class Notifier:
    def __init__(self, directory: ConnectionDirectory, pusher: Pusher) -> None:
        self.directory = directory
        self.pusher = pusher

    def to_connections(
        self, conns: Iterable[Connection], event: str, data: Mapping[str, Any], *, exclude: str | None = None
    ) -> int:
        """Returns how many terminals were posted to; gone ones past their handshake grace are removed."""
        ids = [c.connection_id for c in conns if c.connection_id != exclude]
        return len(ids) - len(self.post(ids, event, data).gone)

    def post(self, connection_ids: Sequence[str], event: str, data: Mapping[str, Any]) -> Posted:
        """One event to these connections; the gone ones are pruned (see `prune`)."""
        if not connection_ids:
            return Posted()
        gone = self.pusher.send_many(connection_ids, frame(event, data))
        return Posted(gone, self.prune(gone))

    def prune(self, gone: Sequence[str]) -> list[str]:
        """Remove connections API Gateway answered Gone for, except those within their handshake grace (a login
        racing the push); returns the ones this call removed (the directory's hooks were told of each once)."""
        return [cid for cid in gone if self.directory.remove_gone(cid) is not None]

    def to_users(
        self, sdkappid: int, users: Sequence[str], event: str, data: Mapping[str, Any], *, exclude: str | None = None
    ) -> int:
        """One event to all terminals of `users` (except the connection `exclude`, e.g. the sender's own)."""
        found = self.directory.of_users(sdkappid, list(dict.fromkeys(users)))
        return self.to_connections((c for conns in found.values() for c in conns), event, data, exclude=exclude)
