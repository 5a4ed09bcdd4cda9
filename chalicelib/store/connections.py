"""Connections (presence) and the apps' online counters, in the `connections` table.

- `{app}#U#{user}` / `C#{connection_id}`: one row per terminal of an account (a user's terminals are one Query);
  `gsi1` = (`{app}#CONN`, zero-padded expires + id) lets the sweep find expired connections without a Scan.
- `CONN#{connection_id}` / `META`: lookup by connection id for websocket frames (API Gateway ids are global,
  so this is the one key that cannot start with the SDKAppID). Its deletion decides who removed a connection.
- `CONN#{connection_id}` / `REFUSED`: `code`, `info` of a login refused in `refusal=frame` mode (short TTL); such a
  connection has no other row. `gsi1` = (`REFUSED`, zero-padded expires + id): the sweep closes the expired ones.
- `{app}#U#{user}` / `ONLINE`: the account's terminal count `n` and login sequence `seq` (atomic ADD); TTL 30 days,
  renewed at every login, so accounts that never come back leave nothing behind.
- `{app}#ONLINE` / `TOTAL` and `{app}#ONLINE#{k}` / `TOTAL` (k = 1..ONLINE_SHARDS-1): the app's online
  `connections` and `accounts`, in ONLINE_SHARDS items (shard 0 keeps the key of the single item it replaces, so a
  stack upgraded while terminals were online keeps an exact sum). A terminal is counted (atomic ADD) in the shard
  of its account's CRC32, at login and at removal; the account count moves in the same shard when the account's
  terminal count `n` goes 0 → 1 or 1 → 0 (its first terminal in, its last out). The app's totals are the sums
  (one BatchGetItem). One item takes ~1,000 writes/s; 16 shards hold 5,000 logins/s plus as many logouts.
`expires` moves forward on activity; every read filters `expires > now` (DynamoDB deletes late, moto never).
"""

from __future__ import annotations

import dataclasses
import threading
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain import terminals
from chalicelib.domain.clock import Clock
from chalicelib.services.ports import Added, Connection, Online
from chalicelib.store.base import BaseModel, ExpiringModel, Gsi1, TableMeta
from chalicelib.store.keys import pad, user_pk

META_SK = "META"
REFUSED_SK = "REFUSED"
REFUSALS_PK = "REFUSED"  # gsi1 partition of every refusal (not per app: a refused login may name no valid app)
ONLINE_SK = "ONLINE"
TOTAL_SK = "TOTAL"
ONLINE_ITEM_TTL = 30 * 86400
ONLINE_SHARDS = 16  # items per app holding its online totals; changing it needs the items of the old count summed
# A login's Added.online is this container's estimate of the app's totals: the shard it just wrote (exact) plus the
# other shards as last read, re-read (one BatchGetItem) once the read is older than this.
ONLINE_ESTIMATE_SECONDS = 10.0
QUERY_WORKERS = 8  # parallel per-account Queries in of_users (botocore's pool holds 10)
CONDITION_FAILED = "ConditionalCheckFailedException"


def conn_pk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def conn_sk(connection_id: str) -> str:
    return f"C#{connection_id}"


def app_conn_pk(sdkappid: int) -> str:
    return f"{sdkappid}#CONN"


def online_shard(user: str) -> int:
    """The shard of an account's online counts (all its terminals land in the same one)."""
    return zlib.crc32(user.encode("utf-8")) % ONLINE_SHARDS


def app_online_pk(sdkappid: int, shard: int = 0) -> str:
    return f"{sdkappid}#ONLINE" if shard == 0 else f"{sdkappid}#ONLINE#{shard}"


def _sum(parts: Iterable[Online]) -> Online:
    connections = accounts = 0
    for part in parts:
        connections += part.connections
        accounts += part.accounts
    return Online(connections, accounts)


def expiry_sk(expires: int, connection_id: str) -> str:
    return f"{pad(expires)}#{connection_id}"


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
    seq = NumberAttribute(null=True)
    sig_expires = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_app = Gsi1()


class AccountOnlineModel(ExpiringModel):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass

    n = NumberAttribute(null=True)
    seq = NumberAttribute(null=True)


class RefusalModel(ExpiringModel):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass

    code = NumberAttribute()
    info = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_app = Gsi1()


class AppOnlineModel(BaseModel):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass

    connections = NumberAttribute(null=True)
    accounts = NumberAttribute(null=True)


def _to_conn(m: ConnectionModel) -> Connection:
    return Connection(
        m.connection_id,
        int(m.sdkappid),
        m.user,
        m.platform,
        int(m.connected_at),
        int(m.last_seen),
        int(m.seq or 0),
        None if m.sig_expires is None else int(m.sig_expires),
    )


def _rows(conn: Connection, expires: int) -> list[ConnectionModel]:
    common: dict[str, Any] = dict(
        connection_id=conn.connection_id,
        sdkappid=conn.sdkappid,
        user=conn.user,
        platform=conn.platform,
        connected_at=conn.connected_at,
        last_seen=conn.last_seen,
        seq=conn.seq,
        sig_expires=conn.sig_expires,
        expires=expires,
    )
    return [
        ConnectionModel(
            user_pk(conn.sdkappid, conn.user),
            conn_sk(conn.connection_id),
            gsi1pk=app_conn_pk(conn.sdkappid),
            gsi1sk=expiry_sk(expires, conn.connection_id),
            **common,
        ),
        ConnectionModel(conn_pk(conn.connection_id), META_SK, **common),
    ]


def _condition_failed(exc: UpdateError | DeleteError) -> bool:
    return exc.cause_response_code == CONDITION_FAILED


class DynamoConnectionDirectory:
    def __init__(self, clock: Clock) -> None:
        self._now = clock.now
        self._pool: ThreadPoolExecutor | None = None
        # Per app: when the shards were last all read, and each shard's counts as last read or written here.
        self._shards: dict[int, tuple[float, dict[int, Online]]] = {}
        self._shards_lock = threading.Lock()

    def _live(self, m: ConnectionModel) -> bool:
        return m.expires is None or m.expires > self._now()

    def add(self, conn: Connection, expires: int) -> Added:
        """Store a terminal: allocate its login seq, write its rows, count it online."""
        account = AccountOnlineModel(user_pk(conn.sdkappid, conn.user), ONLINE_SK)
        account.update(
            actions=[
                AccountOnlineModel.n.add(1),
                AccountOnlineModel.seq.add(1),
                AccountOnlineModel.expires.set(int(self._now()) + ONLINE_ITEM_TTL),
            ]
        )
        stored = dataclasses.replace(conn, seq=int(account.seq))
        with ConnectionModel.batch_write() as batch:
            for row in _rows(stored, expires):
                batch.save(row)
        online = self._count(conn.sdkappid, conn.user, 1, 1 if int(account.n) == 1 else 0, estimate=True)
        return Added(stored, online)

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
        """Most accounts are offline: one BatchGet of their terminal counts (per 100 accounts) finds the few worth
        a Query; those Queries run in parallel (bounded)."""
        unique = list(dict.fromkeys(users))
        if len(unique) > 1:
            unique = self._with_terminals(sdkappid, unique)
        if len(unique) <= 1:
            found = [self.of_user(sdkappid, u) for u in unique]
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=QUERY_WORKERS, thread_name_prefix="presence")
            found = list(self._pool.map(lambda u: self.of_user(sdkappid, u), unique))
        return {u: conns for u, conns in zip(unique, found, strict=True) if conns}

    def _with_terminals(self, sdkappid: int, users: list[str]) -> list[str]:
        """The accounts whose terminal count is above zero (it also counts expired terminals not yet swept)."""
        keys = [(user_pk(sdkappid, u), ONLINE_SK) for u in users]
        counted = {m.pk for m in AccountOnlineModel.batch_get(keys, attributes_to_get=["pk", "n"]) if (m.n or 0) > 0}
        return [u for u in users if user_pk(sdkappid, u) in counted]

    def touch(self, connection_id: str, now: int, expires: int) -> None:
        """Move `expires` forward; conditional on the rows existing, so a removed connection stays removed."""
        meta = ConnectionModel(conn_pk(connection_id), META_SK)
        try:
            meta.update(
                actions=[ConnectionModel.last_seen.set(now), ConnectionModel.expires.set(expires)],
                condition=ConnectionModel.pk.exists(),
            )
            row = ConnectionModel(user_pk(int(meta.sdkappid), meta.user), conn_sk(connection_id))
            row.update(
                actions=[
                    ConnectionModel.last_seen.set(now),
                    ConnectionModel.expires.set(expires),
                    ConnectionModel.gsi1sk.set(expiry_sk(expires, connection_id)),
                ],
                condition=ConnectionModel.pk.exists(),
            )
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise

    def remove(self, connection_id: str) -> Connection | None:
        try:
            m = ConnectionModel.get(conn_pk(connection_id), META_SK, consistent_read=True)
        except DoesNotExist:
            return None
        conn = _to_conn(m)
        return conn if self._remove(conn, None) else None

    def remove_gone(self, connection_id: str) -> Connection | None:
        """API Gateway answered Gone: remove the terminal only if it connected before the handshake grace
        (terminals.gone_cutoff). A Gone during `$connect` is expected, so a fresh login is kept; the condition is part
        of the delete, so a pruner racing a login never removes it."""
        try:
            m = ConnectionModel.get(conn_pk(connection_id), META_SK, consistent_read=True)
        except DoesNotExist:
            return None
        conn = _to_conn(m)
        cutoff = terminals.gone_cutoff(self._now())
        if conn.connected_at >= cutoff:
            return None  # still within its handshake grace: the push raced the login
        return conn if self._remove(conn, None, connected_before=cutoff) else None

    def refuse(self, connection_id: str, code: int, info: str, expires: int) -> None:
        """Keep why a `refusal=frame` login was refused, for its first frame (`CONN#{id}` / `REFUSED`, TTL); gsi1
        lists it under `REFUSED` by expiry, so the sweep closes a refused socket that never sent a frame."""
        RefusalModel(
            conn_pk(connection_id),
            REFUSED_SK,
            code=code,
            info=info,
            expires=expires,
            gsi1pk=REFUSALS_PK,
            gsi1sk=expiry_sk(expires, connection_id),
        ).save()

    def remove_expired_refusals(self, now: int, limit: int) -> list[str]:
        """Delete up to `limit` refusals past their expiry; returns their connection ids (each once)."""
        rows = RefusalModel.by_app.query(REFUSALS_PK, RefusalModel.gsi1sk < pad(now + 1), limit=limit)
        removed: list[str] = []
        for m in rows:
            try:
                RefusalModel(m.pk, REFUSED_SK).delete(condition=RefusalModel.pk.exists())
            except DeleteError as exc:
                if _condition_failed(exc):
                    continue  # another sweep got it
                raise
            removed.append(m.pk.removeprefix("CONN#"))
        return removed

    def refusal(self, connection_id: str) -> tuple[int, str] | None:
        try:
            m = RefusalModel.get(conn_pk(connection_id), REFUSED_SK, consistent_read=True)
        except DoesNotExist:
            return None
        if m.expires is not None and m.expires <= self._now():
            return None
        return int(m.code), m.info

    def remove_expired(self, sdkappid: int, now: int, limit: int) -> list[Connection]:
        """Remove up to `limit` connections of the app whose `expires` has passed (gsi1 Query, never a Scan)."""
        rows = ConnectionModel.by_app.query(app_conn_pk(sdkappid), ConnectionModel.gsi1sk < pad(now + 1), limit=limit)
        # gsi1 is eventually consistent: a terminal touched a moment ago may still look expired there, so each
        # removal is conditional on the base row's own expiry.
        return [conn for conn in map(_to_conn, rows) if self._remove(conn, now)]

    def online(self, sdkappid: int) -> Online:
        """The app's exact totals: every shard in one strongly consistent BatchGetItem, summed."""
        read_at = self._now()
        keys = [(app_online_pk(sdkappid, k), TOTAL_SK) for k in range(ONLINE_SHARDS)]
        shard_of = {pk: k for k, (pk, _) in enumerate(keys)}
        parts = {k: Online() for k in range(ONLINE_SHARDS)}
        for m in AppOnlineModel.batch_get(keys, consistent_read=True):
            parts[shard_of[m.pk]] = Online(int(m.connections or 0), int(m.accounts or 0))
        with self._shards_lock:
            self._shards[sdkappid] = (read_at, parts)
        return _sum(parts.values())

    def _remove(self, conn: Connection, expired_by: int | None, *, connected_before: int | None = None) -> bool:
        """Delete the rows and count the terminal down, only if this call is the one that deleted META."""
        condition = ConnectionModel.pk.exists()
        if expired_by is not None:
            condition &= ConnectionModel.expires <= expired_by
        if connected_before is not None:
            condition &= ConnectionModel.connected_at < connected_before
        try:
            ConnectionModel(conn_pk(conn.connection_id), META_SK).delete(condition=condition)
        except DeleteError as exc:
            if _condition_failed(exc):
                # already removed by a racing kick / $disconnect / sweep, or not expired (or not old enough) after all
                return False
            raise
        ConnectionModel(user_pk(conn.sdkappid, conn.user), conn_sk(conn.connection_id)).delete()
        account = AccountOnlineModel(user_pk(conn.sdkappid, conn.user), ONLINE_SK)
        try:
            account.update(actions=[AccountOnlineModel.n.add(-1)], condition=AccountOnlineModel.n > 0)
            went_offline = int(account.n) == 0
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
            went_offline = False
        self._count(conn.sdkappid, conn.user, -1, -1 if went_offline else 0)
        return True

    def _count(self, sdkappid: int, user: str, connections: int, accounts: int, *, estimate: bool = False) -> Online:
        """ADD to the account's shard (one UpdateItem). With `estimate`, returns the app's totals as this container
        knows them: this shard as just written plus the others as last read (all re-read when that read is older
        than ONLINE_ESTIMATE_SECONDS). Exact when no other container changed another shard since that read."""
        shard = online_shard(user)
        total = AppOnlineModel(app_online_pk(sdkappid, shard), TOTAL_SK)
        actions: list[Action] = [AppOnlineModel.connections.add(connections)]
        if accounts:
            actions.append(AppOnlineModel.accounts.add(accounts))
        total.update(actions=actions)
        fresh = Online(int(total.connections or 0), int(total.accounts or 0))
        with self._shards_lock:
            known = self._shards.get(sdkappid)
            if known is not None:
                known[1][shard] = fresh
                if not estimate or self._now() - known[0] < ONLINE_ESTIMATE_SECONDS:
                    return _sum(known[1].values())
        return self.online(sdkappid) if estimate else fresh

    def page(self, sdkappid: int, after: str | None, limit: int) -> tuple[list[Connection], str | None]:
        """The app's live terminals, a page at a time (one gsi1 Query, ordered by expiry): the operator console's
        "online now". Returns the page and the cursor of the next one (None at the end). A terminal active while
        the pages are read moves later in the order, so it may appear twice; a listing, not a snapshot."""
        start = pad(int(self._now()) + 1)  # gsi1sk >= this <=> expires > now
        key = ConnectionModel.gsi1sk > after if after and after >= start else ConnectionModel.gsi1sk >= start
        rows = list(ConnectionModel.by_app.query(app_conn_pk(sdkappid), key, limit=limit))
        more = len(rows) == limit and rows[-1].gsi1sk is not None
        return [_to_conn(m) for m in rows], (rows[-1].gsi1sk if more else None)
