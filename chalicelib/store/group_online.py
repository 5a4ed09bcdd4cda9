"""The groups' online-member index in the `connections` table (TTL): what fan-out reads instead of every member.

`{app}#GO#{gid}#{inc}#{shard}` / `{connection_id}#{user}`: one row per online terminal of a member, written on
login (for each of the account's groups) and on join, deleted on logout, quit and kick, and when a push finds the
connection gone. A group message reads these rows with one paged Query per shard, never a member's own rows.
Big rooms (AVChatRoom, Community) spread their rows over several shards (by CRC32 of the UserID) so that neither
one partition's read rate nor one fan-out task bounds them. Rows expire with the connection's longest possible life
(API Gateway closes every websocket within 2 hours), so a missed logout cannot leave one behind for long; every read
filters `expires > now`. Rows hold only their keys and `expires` (the sort key says who and where): fan-out reads
about 80 bytes per online terminal.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Sequence
from typing import ClassVar

from chalicelib.domain.clock import Clock
from chalicelib.domain.groups import GroupRef, OnlineTerminal
from chalicelib.store.base import ExpiringModel, TableMeta

# get_online_member_num reads every online row of the group (its cost grows with the room): a count that read at least
# COUNT_CACHE_ROWS rows is reused by this container for COUNT_CACHE_SECONDS, so a big room costs at most one full read
# per container per period however often it is asked. Smaller groups are counted afresh every time (exact).
COUNT_CACHE_ROWS = 1000
COUNT_CACHE_SECONDS = 10.0
COUNT_CACHE_GROUPS = 1000  # big rooms remembered per container (the memo is dropped when it is full)


def shard_of(user: str, shards: int) -> int:
    return zlib.crc32(user.encode("utf-8")) % shards if shards > 1 else 0


def online_pk(sdkappid: int, ref: GroupRef, shard: int) -> str:
    return f"{sdkappid}#GO#{ref.group_id}#{ref.incarnation}#{shard}"


class GroupOnlineModel(ExpiringModel):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass


def online_sk(t: OnlineTerminal) -> str:
    # API Gateway connection ids never contain "#"; UserIDs may, so the user goes last
    return f"{t.connection_id}#{t.user}"


def terminal_of(sk: str) -> OnlineTerminal:
    connection_id, user = sk.split("#", 1)
    return OnlineTerminal(user, connection_id)


class DynamoGroupOnlineIndex:
    def __init__(self, clock: Clock) -> None:
        self._now = clock.now
        self._counted: dict[tuple[int, str, str], tuple[float, int]] = {}  # big rooms: (when, distinct accounts)
        self._counted_lock = threading.Lock()

    def add(self, sdkappid: int, refs: Iterable[GroupRef], terminals: Sequence[OnlineTerminal], expires: int) -> None:
        with GroupOnlineModel.batch_write() as batch:
            for ref in refs:
                for t in terminals:
                    pk = online_pk(sdkappid, ref, shard_of(t.user, ref.shards))
                    batch.save(GroupOnlineModel(pk, online_sk(t), expires=expires))

    def remove(self, sdkappid: int, refs: Iterable[GroupRef], terminals: Sequence[OnlineTerminal]) -> None:
        with GroupOnlineModel.batch_write() as batch:
            for ref in refs:
                for t in terminals:
                    pk = online_pk(sdkappid, ref, shard_of(t.user, ref.shards))
                    batch.delete(GroupOnlineModel(pk, online_sk(t)))

    def page(
        self, sdkappid: int, ref: GroupRef, shard: int, cursor: str | None, limit: int
    ) -> tuple[list[OnlineTerminal], str | None]:
        """Up to `limit` live terminals of one shard after `cursor`; returns them and the next cursor (None: done)."""
        pk = online_pk(sdkappid, ref, shard)
        start = None if cursor is None else {"pk": {"S": pk}, "sk": {"S": cursor}}
        rows = GroupOnlineModel.query(
            pk,
            filter_condition=GroupOnlineModel.expires > self._now(),
            attributes_to_get=["pk", "sk"],
            page_size=limit,
            last_evaluated_key=start,
        )
        # Exactly one request: `limit` rows evaluated (expired ones are filtered out but still count), so a task's
        # work is bounded; the cursor is where DynamoDB stopped.
        page = next(rows.page_iter)
        found = [terminal_of(item["sk"]["S"]) for item in page.get("Items", [])]
        last = rows.page_iter.last_evaluated_key
        return found, (None if last is None else str(last["sk"]["S"]))

    def count_users(self, sdkappid: int, ref: GroupRef) -> int:
        """Distinct online accounts of a group (reads only keys; a big room's count may be COUNT_CACHE_SECONDS old)."""
        now = self._now()
        key = (sdkappid, ref.group_id, ref.incarnation)
        with self._counted_lock:
            known = self._counted.get(key)
        if known is not None and now - known[0] < COUNT_CACHE_SECONDS:
            return known[1]
        users: set[str] = set()
        rows_read = 0
        for shard in range(ref.shards):
            rows = GroupOnlineModel.query(
                online_pk(sdkappid, ref, shard),
                filter_condition=GroupOnlineModel.expires > now,
                attributes_to_get=["pk", "sk"],
            )
            for m in rows:
                rows_read += 1
                users.add(terminal_of(m.sk).user)
        with self._counted_lock:
            if rows_read >= COUNT_CACHE_ROWS:
                if len(self._counted) >= COUNT_CACHE_GROUPS:
                    self._counted.clear()
                self._counted[key] = (now, len(users))
            else:
                self._counted.pop(key, None)
        return len(users)
