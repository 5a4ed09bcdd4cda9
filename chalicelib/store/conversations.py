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

Rows live in the account partition, so deleting the account deletes them. Listing is a paginated Query of the
partition's `CONV#` rows (no index to maintain on every message: each message costs one write per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.c2c import conversation_pair
from chalicelib.domain.conversations import C2C, Conversation, MessageRef
from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.keys import c2c_log_pk, c2c_log_sk, user_pk

PREFIX = "CONV#"


def conversation_sk(type_: int, peer: str) -> str:
    return f"{PREFIX}{type_}#{peer}"


class ConversationModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

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
            actions += [m.time.set(time), m.gone.remove()]
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
        actions: list[Action] = [m.gone.set(1), m.read.set(m.recv | 0), m.top.remove(), m.top_time.remove()]
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
