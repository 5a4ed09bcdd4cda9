"""C2C messages in the `messages` table (TTL), per-account sync streams, dedup markers and the stream floor.

Items (every key starts with the SDKAppID; `{pair}` = `{len(lo)}#{lo}#{hi}` of the two accounts sorted, the length
prefix keeping ids that contain `#` apart):

- `{app}#S#{user}` / `{seq:020}` — an entry of `user`'s sync stream: a message copy (kind `msg`) or a later recall
  or edit of one (kind `withdraw` / `modify`). Seqs are allocated by a conditional put at head+1 after a strongly
  consistent read of the head, so a stream never has a hole and a reader never misses an entry it passed.
  The recipient's copy is the canonical message: it alone carries `gsi1` (`{app}#C2C#{pair}`,
  `{MsgTime:010}#{MsgKey}#{sender}`), the conversation's history index; recalls and edits rewrite it in place.
  The sender's copy (SyncOtherMachine 1) only replays to the sender's terminals, followed by any recall/edit entry.
- `{app}#H#{pair}` / `{MsgTime:010}#{MsgKey}#{sender}` — a message imported as history (SyncFromOldSystem 2):
  in the history index, in no stream.
- `{app}#D#{sender}` / `{MsgSeq}_{MsgRandom}#{scope}` — dedup marker (TTL 120 s): CRC32 of the content and the
  MsgKey/MsgTime the first send answered.
- entities `{app}#U#{user}` / `STREAM` — the floor a stream restarts from once every entry has expired (see
  `_restart`); durable, deleted with the account.

DynamoDB TTL (`expires`) never decreases along a stream, so the newest entry cannot be deleted while an older one
remains (which would let head+1 reuse a seq a terminal has seen); each entry's own deadline is `v`, and every
read filters it. Short attribute names keep a small message within one write unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain import errors
from chalicelib.domain.c2c import DEDUP_SECONDS, KIND_MSG, Message, StreamEvent, conversation_pair
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import MessageRef
from chalicelib.store.base import BaseModel, ExpiringModel, Gsi1, TableMeta, delete_partition
from chalicelib.store.keys import pad, user_pk

STREAM_SK = "STREAM"
APPEND_ATTEMPTS = 8
# Two writers restarting one stream at once agree on one floor; an older floor belongs to an earlier restart.
RESTART_AGREEMENT_SECONDS = 60


def _pair(a: str, b: str) -> str:
    lo, hi = conversation_pair(a, b)
    return f"{len(lo)}#{lo}#{hi}"


def stream_pk(sdkappid: int, user: str) -> str:
    return f"{sdkappid}#S#{user}"


def conversation_pk(sdkappid: int, a: str, b: str) -> str:
    return f"{sdkappid}#C2C#{_pair(a, b)}"


def archive_pk(sdkappid: int, a: str, b: str) -> str:
    return f"{sdkappid}#H#{_pair(a, b)}"


def index_sk(msg_time: int, key: str, sender: str) -> str:
    return f"{pad(msg_time, 10)}#{key}#{sender}"


def dedup_pk(sdkappid: int, sender: str) -> str:
    return f"{sdkappid}#D#{sender}"


def dedup_sk(msg_seq: int, msg_random: int, scope: str) -> str:
    return f"{msg_seq}_{msg_random}#{scope}"


class MessageModel(ExpiringModel):
    """A stream entry or a history-imported message (same attributes)."""

    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    kind = UnicodeAttribute(attr_name="k")
    sender = UnicodeAttribute(attr_name="f")
    recipient = UnicodeAttribute(attr_name="t")
    msg_seq = NumberAttribute(attr_name="q")
    msg_random = NumberAttribute(attr_name="r")
    msg_time = NumberAttribute(attr_name="m")
    body = UnicodeAttribute(attr_name="b")  # MsgBody as compact JSON (keeps numbers and nesting exactly)
    cloud = UnicodeAttribute(attr_name="c", null=True)
    flags = NumberAttribute(attr_name="g", null=True)
    nick = UnicodeAttribute(attr_name="n", null=True)
    face = UnicodeAttribute(attr_name="a", null=True)
    visible_until = NumberAttribute(attr_name="v")
    hidden = UnicodeSetAttribute(attr_name="h", null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_conversation = Gsi1()


class DedupModel(ExpiringModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    crc = NumberAttribute()
    msg_key = UnicodeAttribute()
    msg_time = NumberAttribute()


class StreamFloorModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    floor = NumberAttribute()
    at = NumberAttribute()


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _message(m: MessageModel) -> Message:
    return Message(
        sender=m.sender,
        recipient=m.recipient,
        msg_seq=int(m.msg_seq),
        msg_random=int(m.msg_random),
        time=int(m.msg_time),
        body=json.loads(m.body),
        cloud=m.cloud,
        flags=int(m.flags or 0),
        nick=m.nick or "",
        face=m.face or "",
        expires=int(m.visible_until),
        hidden_for=frozenset(m.hidden or ()),
    )


def _fields(message: Message) -> dict[str, Any]:
    return dict(
        sender=message.sender,
        recipient=message.recipient,
        msg_seq=message.msg_seq,
        msg_random=message.msg_random,
        msg_time=message.time,
        body=_dumps(message.body),
        cloud=message.cloud,
        flags=message.flags or None,
        nick=message.nick or None,
        face=message.face or None,
        visible_until=message.expires,
        hidden=set(message.hidden_for) or None,
    )


def _conditional_failed(exc: PutError | UpdateError | DeleteError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _one_page(results: Any) -> tuple[list[Any], bool]:
    """The items of exactly one Query request (PynamoDB would otherwise fetch on) and whether more follow."""
    page = next(results.page_iter)
    items = [MessageModel.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, page.get("LastEvaluatedKey") is not None


class DynamoMessageStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    # --- dedup ------------------------------------------------------------------------------------
    def claim(
        self, sdkappid: int, sender: str, scope: str, msg_seq: int, msg_random: int, crc: int, key: str, time: int
    ) -> tuple[str, int] | None:
        """Reserve a send; returns (MsgKey, MsgTime) of the original when this one is a retry of it."""
        now = int(self._clock.now())
        pk, sk = dedup_pk(sdkappid, sender), dedup_sk(msg_seq, msg_random, scope)
        marker = DedupModel(pk, sk, crc=crc, msg_key=key, msg_time=time, expires=now + DEDUP_SECONDS)
        seen = None
        for _ in range(2):  # a marker released between the failed put and the read: claim again
            try:
                marker.save(condition=DedupModel.pk.does_not_exist() | (DedupModel.expires <= now))
                return None
            except PutError as exc:
                if not _conditional_failed(exc):
                    raise
            try:
                seen = DedupModel.get(pk, sk, consistent_read=True)
                break
            except DedupModel.DoesNotExist:
                continue
        if seen is None:
            raise errors.Internal("the dedup marker kept changing, retry")
        if int(seen.crc) == crc:
            return seen.msg_key, int(seen.msg_time)
        if seen.msg_key == key:
            raise errors.error(
                90005, "a different message with this MsgSeq and MsgRandom was sent this second: use a new MsgRandom"
            )
        marker.save()  # another message reused MsgSeq/MsgRandom in an earlier second: this one is new
        return None

    def release(self, sdkappid: int, sender: str, scope: str, msg_seq: int, msg_random: int, crc: int) -> None:
        """Undo a claim whose send failed before anything was stored, so the client's retry goes through."""
        marker = DedupModel(dedup_pk(sdkappid, sender), dedup_sk(msg_seq, msg_random, scope))
        try:
            marker.delete(condition=DedupModel.crc == crc)
        except DeleteError as exc:
            if not _conditional_failed(exc):
                raise

    # --- streams ----------------------------------------------------------------------------------
    def append(
        self, sdkappid: int, owner: str, kind: str, message: Message, *, indexed: bool
    ) -> tuple[int, MessageRef]:
        """Add an entry to `owner`'s stream at the next seq; `indexed` puts it in the conversation's history."""
        pk = stream_pk(sdkappid, owner)
        extra: dict[str, Any] = {}
        if indexed:
            extra = dict(
                gsi1pk=conversation_pk(sdkappid, message.sender, message.recipient),
                gsi1sk=index_sk(message.time, message.key, message.sender),
            )
        for _ in range(APPEND_ATTEMPTS):
            now = self._clock.now()
            head = self._head(pk)
            if head is not None and head[1] > now:
                seq, expires = head[0] + 1, max(message.expires, head[1])
            else:
                seq, expires = self._restart(sdkappid, owner, head[0] if head else 0, now), message.expires
            item = MessageModel(pk, pad(seq), kind=kind, expires=expires, **_fields(message), **extra)
            try:
                item.save(condition=MessageModel.pk.does_not_exist())
                return seq, MessageRef(pk, pad(seq))
            except PutError as exc:
                if not _conditional_failed(exc):
                    raise
        raise errors.Internal(f"could not append to the stream of {owner!r}: too much contention, retry")

    def _head(self, pk: str) -> tuple[int, int] | None:
        """(seq, expires) of the newest entry, read strongly consistent (entries written before are all seen)."""
        rows = MessageModel.query(
            pk, scan_index_forward=False, limit=1, consistent_read=True, attributes_to_get=["pk", "sk", "expires"]
        )
        for row in rows:
            return int(row.sk), int(row.expires or 0)
        return None

    def _restart(self, sdkappid: int, owner: str, head_seq: int, now: float) -> int:
        """The first seq after every entry of a stream expired (or of a new stream).

        It must exceed every seq ever issued, including entries TTL already deleted: a stream restarts at the
        current time in milliseconds and then counts by one, and one partition takes at most 1,000 writes a
        second, so no stream outruns the millisecond clock. Concurrent restarts agree through the durable floor
        item (a conditional write), so both target one seq and the conditional put orders them.
        """
        proposal = max(head_seq + 1, int(now * 1000))
        floor = StreamFloorModel(user_pk(sdkappid, owner), STREAM_SK)
        fresh = (
            StreamFloorModel.floor.does_not_exist()
            | (StreamFloorModel.at < int(now) - RESTART_AGREEMENT_SECONDS)
            | (StreamFloorModel.floor <= head_seq)
        )
        try:
            floor.update(
                actions=[StreamFloorModel.floor.set(proposal), StreamFloorModel.at.set(int(now))], condition=fresh
            )
            return proposal
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise
        agreed = StreamFloorModel.get(user_pk(sdkappid, owner), STREAM_SK, consistent_read=True)
        return max(int(agreed.floor), head_seq + 1)

    def stream(self, sdkappid: int, user: str, after: int, limit: int) -> tuple[list[StreamEvent], bool]:
        """Entries after cursor `after`, oldest first: one strongly consistent Query."""
        results = MessageModel.query(
            stream_pk(sdkappid, user),
            MessageModel.sk > pad(after),
            consistent_read=True,
            page_size=limit,
        )
        items, more = _one_page(results)
        return [StreamEvent(m.kind, int(m.sk), _message(m)) for m in items], more

    def drop_stream(self, sdkappid: int, user: str) -> None:
        """Delete every entry of an account's stream (account deletion); pages through the partition."""
        delete_partition(MessageModel, stream_pk(sdkappid, user))

    # --- history ----------------------------------------------------------------------------------
    def archive(self, sdkappid: int, message: Message) -> MessageRef | None:
        """Store a history import (no stream); None when the same message was imported before."""
        sk = index_sk(message.time, message.key, message.sender)
        pk = archive_pk(sdkappid, message.sender, message.recipient)
        item = MessageModel(
            pk,
            sk,
            kind=KIND_MSG,
            expires=message.expires,
            gsi1pk=conversation_pk(sdkappid, message.sender, message.recipient),
            gsi1sk=sk,
            **_fields(message),
        )
        try:
            item.save(condition=MessageModel.pk.does_not_exist())
        except PutError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return MessageRef(pk, sk)

    def history(
        self, sdkappid: int, a: str, b: str, min_time: int, max_time: int, before: tuple[int, str] | None, limit: int
    ) -> tuple[list[Message], bool]:
        """Messages of the conversation in [min_time, max_time], newest first, before (MsgTime, MsgKey): one Query."""
        if before is None or before[0] > max_time:
            upper = f"{pad(max_time, 10)}#\x7f"
        else:  # index keys are `{time}#{key}#{sender}`: everything below `{time}#{key}` comes before that message
            upper = f"{pad(before[0], 10)}#{before[1]}"
        results = MessageModel.by_conversation.query(
            conversation_pk(sdkappid, a, b),
            MessageModel.gsi1sk.between(pad(min_time, 10), upper),
            scan_index_forward=False,
            page_size=limit,
        )
        items, more = _one_page(results)
        return [_message(m) for m in items], more

    def find(
        self, sdkappid: int, sender: str, recipient: str, key: str, msg_time: int
    ) -> list[tuple[MessageRef, Message]]:
        """The canonical copy (or copies, if a caller reused a MsgKey) of sender's message `key` to recipient."""
        found = MessageModel.by_conversation.query(
            conversation_pk(sdkappid, sender, recipient),
            MessageModel.gsi1sk == index_sk(msg_time, key, sender),
        )
        return [(MessageRef(m.pk, m.sk), _message(m)) for m in found if m.recipient == recipient]

    def rewrite(self, ref: MessageRef, message: Message, *, expect_flags: int) -> bool:
        """Replace body, CloudCustomData and flags if the stored flags are still `expect_flags` (recall/edit race)."""
        item = MessageModel(ref.pk, ref.sk)
        flags = MessageModel.flags
        unchanged = (flags.does_not_exist() | (flags == 0)) if expect_flags == 0 else flags == expect_flags
        actions: list[Action] = [
            MessageModel.body.set(_dumps(message.body)),
            flags.set(message.flags) if message.flags else flags.remove(),
            MessageModel.cloud.set(message.cloud) if message.cloud is not None else MessageModel.cloud.remove(),
        ]
        try:
            item.update(actions=actions, condition=MessageModel.pk.exists() & unchanged)
            return True
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def get_many(self, refs: Iterable[MessageRef]) -> dict[MessageRef, Message]:
        keys = list(dict.fromkeys((r.pk, r.sk) for r in refs))
        return {MessageRef(m.pk, m.sk): _message(m) for m in MessageModel.batch_get(keys)} if keys else {}

    def hide(self, sdkappid: int, operator: str, peer: str) -> int:
        """ClearRamble: take every message of the conversation out of `operator`'s history (paginated Query)."""
        hidden = 0
        for m in MessageModel.by_conversation.query(conversation_pk(sdkappid, operator, peer), page_size=100):
            MessageModel(m.pk, m.sk).update(
                actions=[MessageModel.hidden.add({operator})], condition=MessageModel.pk.exists()
            )
            hidden += 1
        return hidden

    def count_from(self, sdkappid: int, sender: str, recipient: str, after_time: int) -> int:
        """How many of sender's messages to recipient have MsgTime > after_time (a past MsgReadTime)."""
        condition: Condition = MessageModel.sender == sender
        results = MessageModel.by_conversation.query(
            conversation_pk(sdkappid, sender, recipient),
            MessageModel.gsi1sk > f"{pad(after_time, 10)}#\x7f",
            filter_condition=condition,
            attributes_to_get=["pk", "sk", "f", "v"],
        )
        now = self._clock.now()
        return sum(1 for m in results if int(m.visible_until) > now)
