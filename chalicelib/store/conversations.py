"""Conversation rows (recent contacts) in the `entities` table, under the owner's account partition.

One row per conversation an account has: pk `{app}#U#{owner}`, sk `CONV#{Type}#{peer}` — Type 1 (C2C, peer =
the other account) or Type 2 (group, peer = GroupId). Another feature adds Type 2 rows by writing the same
attributes; get_list, delete and pinning treat every row alike:

| attribute   | meaning                                                                  |
|-------------|--------------------------------------------------------------------------|
| `type`      | 1 or 2                                                                   |
| `peer`      | To_Account or GroupId                                                    |
| `time`      | last activity, epoch s (orders the list; SessionItem.MsgTime)            |
| `last_pk/sk`| `messages`-table key of the last message (absent: an empty conversation) |
| `recv`      | messages received so far (ADD 1 per message; "last seq")                 |
| `read`      | `recv` when the owner last read (unread = recv - read)                   |
| `read_time` | the MsgReadTime of that read                                             |
| `top`       | 1 pinned, `top_time` when                                                |
| `gone`      | 1 after recentcontact/delete (counters kept); a new message clears it    |

A C2C conversation's two rows share its log (store/c2c.py); the row of the lower account also carries the log's
head — `cseq`/`ctime`, the position of its newest entry (written under "count unchanged", times never
decreasing) — the
position of its last message (`mseq`/`mtime`) and `dd`, the retry tokens of recent sends (a map, at most
DEDUP_KEEP entries of ~40 bytes, so the row stays within one write unit).

Rows live in the account partition, so deleting the account deletes them.

`recentcontact/get_list` reads a page through `gsi3`, a keys-only index of the C2C rows by activity:
`gsi3pk` = `{app}#U#{owner}#L` (listed) or `#T` (pinned; absent once deleted), `gsi3sk` = the activity time's hour
(`ACTIVITY_BUCKET`, zero-padded). A keys-only index is written only when a key changes, so a message costs the
index nothing unless it is its conversation's first in that hour on that side (then 2 index writes a side, the
old entry's removal and the new one's put); the rows' exact times order the hour's rows when they are read. A
page reads the keys of the rows above it (to count them) and the rows of its own hours; pinned rows (the `#T`
partition) and group rows (sk `CONV#2#`, timed by their groups' last messages when read) are read whole, as
few as the account pins or joins. An account with few rows (see services/conversations.py) is read in one Query
instead. Rows written before gsi3 existed get their entries on the account's first long list (`ensure_indexed`:
one full Query, once; a `CONVIDX` item marks it done). `list` still reads every row (sync_conversations, unread
totals).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.domain.c2c import conversation_pair
from chalicelib.domain.conversations import C2C, GROUP, Conversation, MessageRef
from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.keys import c2c_log_pk, c2c_log_sk, user_pk

PREFIX = "CONV#"
ACTIVITY_BUCKET = 3600  # seconds: gsi3's order key is the activity's hour
LISTED, PINNED = "L", "T"


def conversation_sk(type_: int, peer: str) -> str:
    return f"{PREFIX}{type_}#{peer}"


def list_pk(sdkappid: int, owner: str, part: str) -> str:
    return f"{user_pk(sdkappid, owner)}#{part}"


def bucket_sk(time: int) -> str:
    return f"{max(0, time) // ACTIVITY_BUCKET:08d}"


class Gsi3(GlobalSecondaryIndex[Any]):
    """Recent contacts by activity: keys only (see the module docstring)."""

    class Meta:
        index_name = "gsi3"
        projection = KeysOnlyProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class ConversationModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    gsi3 = Gsi3()
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)

    type = NumberAttribute()
    peer = UnicodeAttribute()
    time = NumberAttribute(null=True)
    last_pk = UnicodeAttribute(null=True)
    last_sk = UnicodeAttribute(null=True)
    recv = NumberAttribute(null=True)
    read = NumberAttribute(null=True)
    read_time = NumberAttribute(null=True)
    top = NumberAttribute(null=True)
    top_time = NumberAttribute(null=True)
    gone = NumberAttribute(null=True)
    cseq = NumberAttribute(null=True)
    ctime = NumberAttribute(null=True)
    mseq = NumberAttribute(null=True)
    mtime = NumberAttribute(null=True)
    rtime = NumberAttribute(null=True)  # C2C: MsgTime of the last message received
    dd = MapAttribute[str, Any](null=True)
    # C2C lower rows: the lower / higher account's receive option for the other is Discard (offline_push/
    # set_receive_opt): a send reads it with the row it takes its position from, so the option costs the send nothing
    xlo = NumberAttribute(null=True)
    xhi = NumberAttribute(null=True)


def _sdkappid(m: ConversationModel) -> int:
    return int(m.pk.split("#", 1)[0])


def _last(owner: str, m: ConversationModel) -> MessageRef | None:
    """The newer of the row's own last-message key and, on a C2C lower row, the log's last message position."""
    found = MessageRef(m.last_pk, m.last_sk) if m.last_pk and m.last_sk else None
    if m.mseq is not None and m.mtime is not None:
        lo, hi = conversation_pair(owner, m.peer)
        logged = MessageRef(c2c_log_pk(_sdkappid(m), lo, hi), c2c_log_sk(int(m.mtime), int(m.mseq)))
        if found is None or logged.sk > found.sk:
            found = logged
    return found


def _row(owner: str, m: ConversationModel) -> Conversation:
    last = _last(owner, m)
    return Conversation(
        owner=owner,
        type=int(m.type),
        peer=m.peer,
        time=int(m.time or 0),
        last=last,
        recv=int(m.recv or 0),
        read=int(m.read or 0),
        read_time=int(m.read_time or 0),
        top=bool(m.top),
        top_time=int(m.top_time or 0),
        gone=bool(m.gone),
        head_time=int(m.ctime or 0),
        head_seq=int(m.cseq or 0),
        received_time=int(m.rtime or 0),
    )


def _missing(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def activity_actions(sdkappid: int, owner: str, type_: int, time: int) -> list[Action]:
    """What new activity at `time` does to a row's gsi3 entry: its hour, and listed unless pinned (a row whose
    entry was removed, deleted from the list, comes back). Group rows have none (they are read whole)."""
    if type_ != C2C:
        return []
    m = ConversationModel
    return [m.gsi3sk.set(bucket_sk(time)), m.gsi3pk.set(m.gsi3pk | list_pk(sdkappid, owner, LISTED))]


class IndexedMark(BaseModel):
    """Marks an account whose C2C rows all have their gsi3 entries (rows written before gsi3 existed had none)."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass


INDEXED_SK = "CONVIDX"  # not under PREFIX: never listed with the rows


class DynamoConversationRepo:
    def record(
        self,
        sdkappid: int,
        owner: str,
        type_: int,
        peer: str,
        *,
        time: int | None,
        last: MessageRef | None,
        received: int = 0,
        only_if_older: bool = False,
    ) -> bool:
        """One UpdateItem: a new last message (unless `last` is None) and `received` more messages.

        `only_if_older` leaves a row alone whose activity is newer than `time` (history imports); False then.
        """
        m = ConversationModel
        actions: list[Action] = [m.type.set(type_), m.peer.set(peer)]
        if time is not None:
            actions += [m.time.set(time), m.gone.remove(), *activity_actions(sdkappid, owner, type_, time)]
        if last is not None:
            actions += [m.last_pk.set(last.pk), m.last_sk.set(last.sk)]
        if received:
            actions.append(m.recv.add(received))
        condition = (m.time.does_not_exist() | (m.time <= time)) if only_if_older and time is not None else None
        try:
            ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer)).update(
                actions=actions, condition=condition
            )
        except UpdateError as exc:
            if condition is not None and _missing(exc):
                return False
            raise
        return True

    def first(self, sdkappid: int, owner: str, limit: int) -> tuple[list[Conversation], bool]:
        """Up to `limit` of the owner's rows (one Query of one more) and whether that is all of them."""
        found = ConversationModel.query(
            user_pk(sdkappid, owner), ConversationModel.sk.startswith(PREFIX), limit=limit + 1, page_size=limit + 1
        )
        rows = [_row(owner, m) for m in found]
        return rows[:limit], len(rows) <= limit

    def ensure_indexed(self, sdkappid: int, owner: str) -> None:
        """Give every C2C row of the account that predates gsi3 its entry, once per account (a marker item says it
        was done: one GetItem afterwards). Entries written meanwhile are kept (if_not_exists)."""
        pk = user_pk(sdkappid, owner)
        try:
            IndexedMark.get(pk, INDEXED_SK)
            return
        except IndexedMark.DoesNotExist:
            pass
        m = ConversationModel
        for row in ConversationModel.query(pk, m.sk.startswith(f"{PREFIX}{C2C}#")):
            if row.gsi3pk is not None or row.gone or (row.time is None and not row.top):
                continue
            part = PINNED if row.top else LISTED
            row.update(
                actions=[
                    m.gsi3pk.set(m.gsi3pk | list_pk(sdkappid, owner, part)),
                    m.gsi3sk.set(m.gsi3sk | bucket_sk(int(row.time or 0))),
                ],
                condition=m.pk.exists(),
            )
        IndexedMark(pk, INDEXED_SK).save()

    def pinned(self, sdkappid: int, owner: str) -> list[Conversation]:
        """The owner's pinned C2C rows (gsi3's pinned part, then their rows)."""
        keys = [(m.pk, m.sk) for m in ConversationModel.gsi3.query(list_pk(sdkappid, owner, PINNED))]
        return self._rows(owner, keys)

    def groups(self, sdkappid: int, owner: str) -> list[Conversation]:
        """The owner's group rows (one Query of their sort keys)."""
        prefix = f"{PREFIX}{GROUP}#"
        rows = ConversationModel.query(user_pk(sdkappid, owner), ConversationModel.sk.startswith(prefix))
        return [_row(owner, m) for m in rows]

    def count_listed_after(self, sdkappid: int, owner: str, time: int, cap: int) -> int:
        """How many listed C2C rows have activity in an hour after `time`'s (keys only; counting stops at `cap`)."""
        found = ConversationModel.gsi3.query(
            list_pk(sdkappid, owner, LISTED),
            ConversationModel.gsi3sk > bucket_sk(time),
            limit=cap,
            page_size=cap,
        )
        return sum(1 for _ in found)

    def listed(self, sdkappid: int, owner: str, until: int | None, count: int) -> tuple[list[Conversation], int | None]:
        """Listed C2C rows, newest hours first, from `until`'s hour down (None: from the newest): whole hours until
        at least `count` rows with activity at or before `until` are in, and the time from which the answer holds
        every such row (None: all of them, the index was read to its end)."""
        top = None if until is None else ConversationModel.gsi3sk <= bucket_sk(until)
        entries = iter(
            ConversationModel.gsi3.query(
                list_pk(sdkappid, owner, LISTED), top, scan_index_forward=False, page_size=max(10, count + 1)
            )
        )
        rows: list[Conversation] = []
        keys: list[tuple[str, str]] = []
        kept = 0
        hour: str | None = None
        for entry in entries:
            if entry.gsi3sk != hour and keys and kept + len(keys) >= count:  # an hour ends: is it enough?
                fetched = self._rows(owner, keys)
                rows += fetched
                kept += sum(1 for r in fetched if until is None or r.time <= until)
                keys = []
                if kept >= count:
                    return rows, int(hour or "0") * ACTIVITY_BUCKET
            hour = entry.gsi3sk
            keys.append((entry.pk, entry.sk))
        rows += self._rows(owner, keys)
        return rows, None

    def _rows(self, owner: str, keys: Sequence[tuple[str, str]]) -> list[Conversation]:
        out: list[Conversation] = []
        for i in range(0, len(keys), 100):
            out += [_row(owner, m) for m in ConversationModel.batch_get(list(keys[i : i + 100]))]
        return out

    def list(self, sdkappid: int, owner: str) -> list[Conversation]:
        rows = ConversationModel.query(user_pk(sdkappid, owner), ConversationModel.sk.startswith(PREFIX), page_size=500)
        return [_row(owner, m) for m in rows]

    def get(self, sdkappid: int, owner: str, type_: int, peers: Sequence[str]) -> dict[str, Conversation]:
        keys = [(user_pk(sdkappid, owner), conversation_sk(type_, p)) for p in dict.fromkeys(peers)]
        return {m.peer: _row(owner, m) for m in ConversationModel.batch_get(keys)} if keys else {}

    def mirrors(self, sdkappid: int, owner: str, peers: Sequence[str]) -> dict[str, Conversation]:
        """Each peer's C2C row about `owner` (its side of the conversation), by peer: BatchGets of 100."""
        keys = [(user_pk(sdkappid, p), conversation_sk(C2C, owner)) for p in dict.fromkeys(peers)]
        found: dict[str, Conversation] = {}
        for m in ConversationModel.batch_get(keys) if keys else ():
            peer = m.pk.split("#U#", 1)[1]
            found[peer] = _row(peer, m)
        return found

    def unreceive(self, sdkappid: int, owner: str, type_: int, peer: str, sent_at: int) -> bool:
        """A message sent at `sent_at` was recalled: one fewer received, if the owner had not read it yet."""
        m = ConversationModel
        unread = (m.read.does_not_exist() & (m.recv > 0)) | (m.recv > m.read)
        not_read = m.read_time.does_not_exist() | (m.read_time < sent_at)
        try:
            ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer)).update(
                actions=[m.recv.add(-1)], condition=m.pk.exists() & unread & not_read
            )
        except UpdateError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def mark_read(self, sdkappid: int, owner: str, type_: int, peer: str, read: int, read_time: int) -> bool:
        """Move the read mark forward only (a stale report never raises the unread count); False if no row."""
        m = ConversationModel
        try:
            ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer)).update(
                actions=[m.read.set(read), m.read_time.set(read_time)],
                condition=m.pk.exists() & (m.read.does_not_exist() | (m.read <= read)),
            )
        except UpdateError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def delete(self, sdkappid: int, owner: str, type_: int, peer: str, now: int | None = None) -> bool:
        """Take the conversation off the list. A C2C row stays, as it may carry the conversation log's counters
        (store/c2c.py): marked gone, its unread read (as of `now`, when given) and unpinned. Other rows go."""
        if type_ != C2C:
            try:
                ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer)).delete(
                    condition=ConversationModel.pk.exists()
                )
            except DeleteError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    return False
                raise
            return True
        m = ConversationModel
        actions: list[Action] = [
            m.gone.set(1),
            m.read.set(m.recv | 0),
            m.top.remove(),
            m.top_time.remove(),
            m.gsi3pk.remove(),  # off the list until the next message
        ]
        if now is not None:
            actions.append(m.read_time.set(now))
        try:
            ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer)).update(
                actions=actions,
                condition=m.pk.exists(),
            )
        except UpdateError as exc:
            if _missing(exc):
                return False
            raise
        return True

    def set_top(self, sdkappid: int, owner: str, type_: int, peer: str, top: bool, now: int) -> None:
        """Pin or unpin; pinning a conversation without messages creates an empty row (shown with AssistFlags 2)."""
        m = ConversationModel
        actions: list[Action] = [m.type.set(type_), m.peer.set(peer)]
        if top:
            actions += [m.top.set(1), m.top_time.set(now), m.gone.remove()]
        else:
            actions += [m.top.remove(), m.top_time.remove()]
        if type_ == C2C:  # between the pinned and the listed part of gsi3 (a row without activity sorts last)
            part = PINNED if top else LISTED
            actions += [m.gsi3pk.set(list_pk(sdkappid, owner, part)), m.gsi3sk.set(m.gsi3sk | bucket_sk(0))]
        row = ConversationModel(user_pk(sdkappid, owner), conversation_sk(type_, peer))
        try:
            # unpinning a conversation that has no row must not create an empty one
            row.update(actions=actions, condition=None if top else m.pk.exists())
        except UpdateError as exc:
            if top or not _missing(exc):
                raise

    def exists(self, sdkappid: int, owner: str, type_: int, peer: str) -> bool:
        try:
            ConversationModel.get(user_pk(sdkappid, owner), conversation_sk(type_, peer), attributes_to_get=["pk"])
        except ConversationModel.DoesNotExist:
            return False
        return True
