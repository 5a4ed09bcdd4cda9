"""Connections (presence) in the `connections` table, with TTL.

- `{app}#U#{user}` / `C#{connection_id}`: one row per terminal of an account (a user's terminals are one Query);
  `gsi1` = (`{app}#CONN`, zero-padded last_seen + id) lets the sweep find stale connections without a Scan.
- `CONN#{connection_id}` / `META`: lookup by connection id for websocket frames (API Gateway ids are global,
  so this is the one key that cannot start with the SDKAppID).
`expires` moves forward on activity; every read filters `expires > now` (DynamoDB deletes late, moto never).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.clock import Clock
from chalicelib.services.ports import Connection
from chalicelib.store.base import ExpiringModel, Gsi1, TableMeta
from chalicelib.store.keys import pad, user_pk

META_SK = "META"


def conn_pk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def conn_sk(connection_id: str) -> str:
    return f"C#{connection_id}"


class ConnectionModel(ExpiringModel):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass

    connection_id = UnicodeAttribute()
    sdkappid = NumberAttribute()
    user = UnicodeAttribute()
    platform = UnicodeAttribute()
    connected_at = NumberAttribute()
    last_seen = NumberAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_app = Gsi1()


def _to_conn(m: ConnectionModel) -> Connection:
    return Connection(m.connection_id, int(m.sdkappid), m.user, m.platform, int(m.connected_at), int(m.last_seen))


def _rows(conn: Connection, expires: int) -> list[ConnectionModel]:
    common: dict[str, Any] = dict(
        connection_id=conn.connection_id,
        sdkappid=conn.sdkappid,
        user=conn.user,
        platform=conn.platform,
        connected_at=conn.connected_at,
        last_seen=conn.last_seen,
        expires=expires,
    )
    return [
        ConnectionModel(
            user_pk(conn.sdkappid, conn.user),
            conn_sk(conn.connection_id),
            gsi1pk=f"{conn.sdkappid}#CONN",
            gsi1sk=f"{pad(conn.last_seen)}#{conn.connection_id}",
            **common,
        ),
        ConnectionModel(conn_pk(conn.connection_id), META_SK, **common),
    ]


class DynamoConnectionDirectory:
    def __init__(self, clock: Clock) -> None:
        self._now = clock.now

    def _live(self, m: ConnectionModel) -> bool:
        return m.expires is None or m.expires > self._now()

    def add(self, conn: Connection, expires: int) -> None:
        with ConnectionModel.batch_write() as batch:
            for row in _rows(conn, expires):
                batch.save(row)

    def get(self, connection_id: str) -> Connection | None:
        try:
            m = ConnectionModel.get(conn_pk(connection_id), META_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return _to_conn(m) if self._live(m) else None

    def of_user(self, sdkappid: int, user: str) -> list[Connection]:
        now = self._now()
        rows = ConnectionModel.query(
            user_pk(sdkappid, user),
            ConnectionModel.sk.startswith("C#"),
            filter_condition=ConnectionModel.expires > int(now),
        )
        return [_to_conn(m) for m in rows]

    def of_users(self, sdkappid: int, users: Sequence[str]) -> dict[str, list[Connection]]:
        return {u: conns for u in users if (conns := self.of_user(sdkappid, u))}

    def touch(self, connection_id: str, now: int, expires: int) -> None:
        conn = self.get(connection_id)
        if conn is None:
            return
        updated = Connection(conn.connection_id, conn.sdkappid, conn.user, conn.platform, conn.connected_at, now)
        self.add(updated, expires)

    def remove(self, connection_id: str) -> Connection | None:
        try:
            m = ConnectionModel.get(conn_pk(connection_id), META_SK, consistent_read=True)
        except DoesNotExist:
            return None
        conn = _to_conn(m)
        with ConnectionModel.batch_write() as batch:
            batch.delete(ConnectionModel(conn_pk(connection_id), META_SK))
            batch.delete(ConnectionModel(user_pk(conn.sdkappid, conn.user), conn_sk(connection_id)))
        return conn
