"""Push events to every online terminal of some accounts, pruning connections API Gateway reports gone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chalicelib.services.ports import Connection, ConnectionDirectory, Pusher


def frame(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Server → client push frame."""
    return {"event": event, "data": dict(data)}


class Notifier:
    def __init__(self, directory: ConnectionDirectory, pusher: Pusher) -> None:
        self.directory = directory
        self.pusher = pusher

    def to_connections(
        self, conns: Iterable[Connection], event: str, data: Mapping[str, Any], *, exclude: str | None = None
    ) -> int:
        """Returns how many terminals were posted to; gone ones are removed from the directory."""
        ids = [c.connection_id for c in conns if c.connection_id != exclude]
        return len(ids) - len(self.post(ids, event, data))

    def post(self, connection_ids: Sequence[str], event: str, data: Mapping[str, Any]) -> list[str]:
        """One event to these connections; returns the gone ones (already removed from the directory)."""
        if not connection_ids:
            return []
        gone = self.pusher.send_many(connection_ids, frame(event, data))
        for cid in gone:
            self.directory.remove(cid)
        return gone

    def to_users(
        self, sdkappid: int, users: Sequence[str], event: str, data: Mapping[str, Any], *, exclude: str | None = None
    ) -> int:
        """One event to all terminals of `users` (except the connection `exclude`, e.g. the sender's own)."""
        found = self.directory.of_users(sdkappid, list(dict.fromkeys(users)))
        return self.to_connections((c for conns in found.values() for c in conns), event, data, exclude=exclude)
