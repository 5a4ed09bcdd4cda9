"""Group messages in the `messages` table, one partition per group incarnation `{app}#GM#{gid}#{inc}`:

- sk = zero-padded MsgSeq: the message (TTL = roaming days). History is one Query over a seq range.
- sk = `SEQ`: the durable seq watermark `seq` and `ring`, the send times (ms) of the last 40 messages by seq % 40,
  from which the per-group rate is read without a write of its own.
- sk = `R#{sender}#{random}`: the Random de-duplication claim (TTL 5 minutes), holding the watermark seen when it
  was claimed so a duplicate can find the original's MsgSeq by a short Query.

How seqs stay contiguous from 1 with no gap or duplicate under concurrent senders: allocation IS the message write.
A sender reads the watermark w and puts the message at w+1 under `attribute_not_exists`; on conflict it reads the
true maximum (strongly consistent, descending, one item) and tries max+1. A message at n is only ever written after
n-1 was seen stored, so no hole can be left by a failure: a write that fails allocated nothing, and a crash between
the put and the watermark update only leaves the watermark behind, which the next sender corrects. No transaction
(which would double the write cost) is needed. Writes per message: message + watermark + dedup claim = 3 WCU; a body
from 512 bytes is stored zlib-compressed (`z`, as C2C bodies) when that saves a tenth, so a 1 KB text stays one unit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from pynamodb.attributes import BinaryAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain import errors
from chalicelib.domain.conversations import MessageRef
from chalicelib.domain.group_messages import DELETED, LIVE, RING_SIZE, GroupMessage
from chalicelib.store.background import later
from chalicelib.store.base import BaseModel, ExpiringModel, TableMeta, answered
from chalicelib.store.c2c import body_fields, load_body
from chalicelib.store.keys import bound, pad

log = logging.getLogger("yuntong.groups")

SEQ_SK = "SEQ"
SEQ_WIDTH = 10
MAX_ATTEMPTS = 64  # racing senders each move to the true maximum: 64 losses in a row means the group is jammed
CONDITION_FAILED = "ConditionalCheckFailedException"


def msg_pk(sdkappid: int, gid: str, inc: str) -> str:
    return f"{sdkappid}#GM#{gid}#{inc}"


def seq_sk(seq: int) -> str:
    return pad(seq, SEQ_WIDTH)


def dedup_sk(sender: str, random: int) -> str:
    return f"R#{sender}#{random}"


class GroupMsgModel(ExpiringModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    seq = NumberAttribute()
    random = NumberAttribute()
    time = NumberAttribute()
    sender = UnicodeAttribute()
    priority = UnicodeAttribute()
    body = UnicodeAttribute(null=True)  # JSON array of elements
    packed = BinaryAttribute(attr_name="z", null=True, legacy_encoding=False)  # or that JSON, compressed
    ccd = UnicodeAttribute(null=True)
    system = NumberAttribute(null=True)
    state = UnicodeAttribute(null=True)
    nick = UnicodeAttribute(attr_name="n", null=True)  # the sender's profile when it was sent
    face = UnicodeAttribute(attr_name="a", null=True)
    at = UnicodeAttribute(null=True)  # GroupAtInfo, JSON
    origin = NumberAttribute(attr_name="o", null=True)  # an import (the stream's statistics count sends only)


class SeqModel(BaseModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    seq = NumberAttribute()
    ring: ListAttribute[Any] = ListAttribute(of=NumberAttribute)  # type: ignore[arg-type]


class DedupModel(ExpiringModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    floor = NumberAttribute()


def _to_msg(m: GroupMsgModel) -> GroupMessage:
    return GroupMessage(
        seq=int(m.seq),
        random=int(m.random),
        time=int(m.time),
        sender=m.sender,
        priority=m.priority,
        body=load_body(m.body, m.packed),
        cloud_custom_data=m.ccd or "",
        is_system=bool(m.system),
        state=m.state or LIVE,
        expires=None if m.expires is None else int(m.expires),
        nick=m.nick or "",
        face=m.face or "",
        at_info=json.loads(m.at) if m.at else [],
    )


def _failed(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == CONDITION_FAILED


class DynamoGroupMessageRepo:
    def watermark(self, sdkappid: int, gid: str, inc: str) -> tuple[int, list[int]]:
        """The stored watermark and the send-time ring (0 and zeros for a group without messages)."""
        try:
            m = SeqModel.get(msg_pk(sdkappid, gid, inc), SEQ_SK, consistent_read=True)
        except DoesNotExist:
            return 0, [0] * RING_SIZE
        return int(m.seq), [int(t) for t in m.ring]

    def last_seq(self, sdkappid: int, gid: str, inc: str) -> int:
        """The highest stored seq: the watermark, or above it a message whose sender crashed before moving it."""
        seq, _ = self.watermark(sdkappid, gid, inc)
        return self._max_from(sdkappid, gid, inc, seq + 1) or seq

    def _max_from(self, sdkappid: int, gid: str, inc: str, low: int) -> int:
        rows = GroupMsgModel.query(
            msg_pk(sdkappid, gid, inc),
            GroupMsgModel.sk.between(seq_sk(low), seq_sk(10**SEQ_WIDTH - 1)),
            scan_index_forward=False,
            limit=1,
            consistent_read=True,
            attributes_to_get=["seq"],
        )
        for m in rows:
            return int(m.seq)
        return 0

    def append(self, sdkappid: int, gid: str, inc: str, msg: GroupMessage, watermark: int, now_ms: int) -> int:
        """Store `msg` at the next free seq (its `seq` field is ignored); returns that seq. Raises only when the
        message was not stored."""
        pk = msg_pk(sdkappid, gid, inc)
        seq = watermark + 1
        for _ in range(MAX_ATTEMPTS):
            item = GroupMsgModel(
                pk,
                seq_sk(seq),
                seq=seq,
                random=msg.random,
                time=msg.time,
                sender=msg.sender,
                priority=msg.priority,
                **body_fields(msg.body),
                ccd=msg.cloud_custom_data or None,
                system=1 if msg.is_system else None,
                expires=msg.expires,
                nick=msg.nick or None,
                face=msg.face or None,
                at=json.dumps(msg.at_info, ensure_ascii=False, separators=(",", ":")) if msg.at_info else None,
                origin=msg.origin or None,
            )
            try:
                item.save(condition=GroupMsgModel.pk.does_not_exist())
                break
            except PutError as exc:
                if not _failed(exc):
                    raise
            seq = max(seq, self._max_from(sdkappid, gid, inc, seq)) + 1
        else:
            raise errors.error(10002, "the group is too busy to take a message now; retry")

        def advance() -> None:
            try:
                self._advance(pk, seq, now_ms)
            except Exception:  # the message is stored; a lagging watermark is corrected by the next sender
                log.warning("seq watermark of %s not advanced to %s", pk, seq, exc_info=True)

        later(advance)  # during a send: beside its fan-out (store/background.py); else now
        return seq

    def _advance(self, pk: str, seq: int, now_ms: int) -> None:
        """Move the watermark to `seq` unless a racing sender already moved it further; record the send time."""
        item = SeqModel(pk, SEQ_SK)
        slot = SeqModel.ring[seq % RING_SIZE]  # type: ignore[index]
        try:
            item.update(
                actions=[SeqModel.seq.set(seq), slot.set(now_ms)],
                condition=SeqModel.pk.exists() & (SeqModel.seq < seq),
            )
            return
        except UpdateError as exc:
            if not _failed(exc):
                raise
        try:  # first message of the group: create the watermark with its ring
            ring = [0] * RING_SIZE
            ring[seq % RING_SIZE] = now_ms
            SeqModel(pk, SEQ_SK, seq=seq, ring=ring).save(condition=SeqModel.pk.does_not_exist())
            return
        except PutError as exc:
            if not _failed(exc):
                raise
        try:  # a later seq is already recorded: keep only this message's send time for the rate window
            item.update(actions=[slot.set(now_ms)], condition=SeqModel.seq < seq + RING_SIZE)
        except UpdateError as exc:
            if not _failed(exc):
                raise

    def range(self, sdkappid: int, gid: str, inc: str, low: int, high: int) -> list[GroupMessage]:
        """Messages with low ≤ seq ≤ high (strongly consistent: a message just sent is never taken for a gap)."""
        if high < low:
            return []
        rows = GroupMsgModel.query(
            msg_pk(sdkappid, gid, inc),
            GroupMsgModel.sk.between(bound(low, SEQ_WIDTH), bound(high, SEQ_WIDTH)),
            scan_index_forward=False,
            consistent_read=True,
        )
        return [_to_msg(m) for m in rows]

    def get(self, sdkappid: int, gid: str, inc: str, seq: int) -> GroupMessage | None:
        try:
            return _to_msg(GroupMsgModel.get(msg_pk(sdkappid, gid, inc), seq_sk(seq), consistent_read=True))
        except DoesNotExist:
            return None

    def set_state(self, sdkappid: int, gid: str, inc: str, seq: int, state: str) -> bool:
        """Recall or delete a live message, dropping its body; False if it was not live."""
        item = GroupMsgModel(msg_pk(sdkappid, gid, inc), seq_sk(seq))
        try:
            item.update(
                actions=[
                    GroupMsgModel.state.set(state),
                    GroupMsgModel.body.set("[]"),
                    GroupMsgModel.packed.remove(),
                    GroupMsgModel.ccd.remove(),
                ],
                condition=GroupMsgModel.pk.exists() & GroupMsgModel.state.does_not_exist(),
            )
        except UpdateError as exc:
            if _failed(exc):
                return False
            raise
        return True

    def rewrite(
        self, sdkappid: int, gid: str, inc: str, seq: int, body: list[dict[str, Any]] | None, ccd: str | None
    ) -> bool:
        """Edit a live member message (modify_group_msg): its body and/or CloudCustomData; False if it is not
        there, not live (recalled, deleted) or a tip."""
        actions: list[Any] = []
        if body is not None:
            stored = body_fields(body)
            actions.append(GroupMsgModel.body.set(stored["body"]) if stored["body"] else GroupMsgModel.body.remove())
            actions.append(
                GroupMsgModel.packed.set(stored["packed"]) if stored["packed"] else GroupMsgModel.packed.remove()
            )
        if ccd is not None:
            actions.append(GroupMsgModel.ccd.set(ccd) if ccd else GroupMsgModel.ccd.remove())
        item = GroupMsgModel(msg_pk(sdkappid, gid, inc), seq_sk(seq))
        try:
            item.update(
                actions=actions,
                condition=GroupMsgModel.pk.exists()
                & GroupMsgModel.state.does_not_exist()
                & GroupMsgModel.system.does_not_exist(),
            )
        except UpdateError as exc:
            if _failed(exc):
                return False
            raise
        return True

    def seqs_by_sender(self, sdkappid: int, gid: str, inc: str, sender: str) -> Iterator[int]:
        """Live message seqs of one sender within the roaming window (a filtered Query over the group's history)."""
        rows = GroupMsgModel.query(
            msg_pk(sdkappid, gid, inc),
            GroupMsgModel.sk.between(seq_sk(1), seq_sk(10**SEQ_WIDTH - 1)),
            filter_condition=(GroupMsgModel.sender == sender) & GroupMsgModel.state.does_not_exist(),
            attributes_to_get=["seq"],
        )
        for m in rows:
            yield int(m.seq)

    def claim_random(self, sdkappid: int, gid: str, inc: str, sender: str, random: int, floor: int, now: int) -> bool:
        """Claim (sender, Random) for 5 minutes; False if a live claim exists (an expired one is taken over)."""
        item = DedupModel(msg_pk(sdkappid, gid, inc), dedup_sk(sender, random), floor=floor, expires=now + 300)
        try:
            item.save(condition=DedupModel.pk.does_not_exist() | (DedupModel.expires <= now))
        except PutError as exc:
            if _failed(exc):
                return False
            raise
        return True

    def claimed(self, sdkappid: int, gid: str, inc: str, sender: str, random: int, now: int) -> bool:
        """Whether a live (sender, Random) claim was read ahead for this send (store/readahead.py); no request,
        so False also when it was not read ahead."""
        hit, item = answered.take(DedupModel.Meta.table_name, msg_pk(sdkappid, gid, inc), dedup_sk(sender, random))
        if not hit or item is None:
            return False
        claim = DedupModel.from_raw_data(item)
        return claim.expires is None or int(claim.expires) > now

    def release_random(self, sdkappid: int, gid: str, inc: str, sender: str, random: int) -> None:
        DedupModel(msg_pk(sdkappid, gid, inc), dedup_sk(sender, random)).delete()

    def find_random(self, sdkappid: int, gid: str, inc: str, sender: str, random: int) -> GroupMessage | None:
        """The message a live claim stands for: searched from the watermark seen when it was claimed."""
        try:
            claim = DedupModel.get(msg_pk(sdkappid, gid, inc), dedup_sk(sender, random), consistent_read=True)
        except DoesNotExist:
            return None
        rows = GroupMsgModel.query(
            msg_pk(sdkappid, gid, inc),
            GroupMsgModel.sk.between(seq_sk(int(claim.floor) + 1), seq_sk(10**SEQ_WIDTH - 1)),
            # a deleted copy is a concurrent duplicate's placeholder (or a message deleted since): not the original
            filter_condition=(GroupMsgModel.sender == sender)
            & (GroupMsgModel.random == random)
            & (GroupMsgModel.state.does_not_exist() | (GroupMsgModel.state != DELETED)),
            consistent_read=True,
        )
        for m in rows:
            return _to_msg(m)
        return None

    def last_times(self, sdkappid: int, streams: Sequence[tuple[str, str]]) -> dict[str, int]:
        """(GroupId, incarnation) → send time (s) of its last message, from the watermarks' rings: one BatchGet
        (per 100 groups) for a recent-contacts list, however many messages each group has."""
        keys = [(msg_pk(sdkappid, gid, inc), SEQ_SK) for gid, inc in streams]
        by_pk = {msg_pk(sdkappid, gid, inc): gid for gid, inc in streams}
        out: dict[str, int] = {}
        for i in range(0, len(keys), 100):
            for m in SeqModel.batch_get(keys[i : i + 100]):
                seq = int(m.seq)
                if seq:
                    out[by_pk[m.pk]] = int(m.ring[seq % RING_SIZE]) // 1000
        return out

    def stream_ref(self, sdkappid: int, gid: str, inc: str) -> MessageRef:
        """What a member's recent-contacts row points at: the group's stream (its watermark item), whose latest
        message is looked up when the list is read, so no member's row is written per message."""
        return MessageRef(msg_pk(sdkappid, gid, inc), SEQ_SK)

    def purge_watermark(self, sdkappid: int, gid: str, inc: str) -> None:
        SeqModel(msg_pk(sdkappid, gid, inc), SEQ_SK).delete()
