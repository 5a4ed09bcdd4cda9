"""C2C conversation logs in the `messages` table (TTL), and the log head on the conversation rows.

One partition per conversation, `{app}#C2C#{len(lo)}#{lo}#{hi}` (the two accounts sorted), shared by both sides:

- `{time:010}#{seq:012}` — a message at its log position (store/keys.c2c_log_sk). Seqs count the conversation's
  entries from 1; times never decrease along them, so the key order is the log order and the time order at once:
  a history page is one Query over a time range and a sync page one Query after a position.
- `E{time:010}#{seq:012}` — a later recall or edit of a message (a copy of it as it became), or a void entry
  filling a position whose message could not be stored. Outside every history range; sync merges it in.
- `{time:010}#i{MsgKey}#{sender}` — a message imported as history (SyncFromOldSystem 2): in history, not in the
  log's seq order (it keeps its old time), so sync never returns it.

Positions are allocated on the conversation row of the lower account (store/conversations.py): its count `cseq`
and head time `ctime` are read, then one UpdateItem writes count + 1 at max(time asked, head time) under "count
unchanged" (a writer that lost the race reads again), so seqs have no gap and times never decrease. The same
write carries that side's unread count and recent-contacts time and, for sends, the retry token (`dd`). A send
therefore writes that row, the message and the other side's row: 3 write units for a message under 1 KB, no
transaction, no index.

Every read filters `v` (the message's own deadline): TTL deletes late.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain import errors
from chalicelib.domain.c2c import (
    DEDUP_KEEP,
    DEDUP_SECONDS,
    KIND_MSG,
    KIND_VOID,
    RECALLED,
    LogEntry,
    Message,
    Original,
    Position,
    RetryToken,
    RowChange,
    conversation_pair,
)
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import C2C, MessageRef
from chalicelib.store.base import ExpiringModel, TableMeta
from chalicelib.store.conversations import ConversationModel, activity_actions, conversation_sk
from chalicelib.store.keys import bound, c2c_log_pk, c2c_log_sk, pad, user_pk

ALLOCATE_ATTEMPTS = 16
# A body this large is stored zlib-compressed when that saves a tenth: a write unit is 1 KB, and a 1 KB text
# compresses to about 60 %, so it stays one unit.
COMPRESS_FROM = 512
TOP = "9999999999#~"  # above every message key
ETOP = "E" + TOP


def log_pk(sdkappid: int, a: str, b: str) -> str:
    return c2c_log_pk(sdkappid, *conversation_pair(a, b))


def archive_sk(msg_time: int, key: str, sender: str) -> str:
    return f"{pad(msg_time, 10)}#i{key}#{sender}"


class MessageModel(ExpiringModel):
    """A log entry or an imported message (same attributes)."""

    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    kind = UnicodeAttribute(attr_name="k")
    seq = NumberAttribute(attr_name="s", null=True)  # log seq; absent on imported history
    written = NumberAttribute(attr_name="w", null=True)  # epoch s the log entry was written
    version = NumberAttribute(attr_name="x", null=True)  # log seq of the last recall/edit applied to a message
    sender = UnicodeAttribute(attr_name="f")
    recipient = UnicodeAttribute(attr_name="t")
    msg_seq = NumberAttribute(attr_name="q")
    msg_random = NumberAttribute(attr_name="r")
    msg_time = NumberAttribute(attr_name="m")
    body = UnicodeAttribute(attr_name="b", null=True)  # MsgBody as compact JSON (keeps numbers and nesting exactly)
    packed = BinaryAttribute(attr_name="z", null=True, legacy_encoding=False)  # or that JSON, compressed
    cloud = UnicodeAttribute(attr_name="c", null=True)
    flags = NumberAttribute(attr_name="g", null=True)
    nick = UnicodeAttribute(attr_name="n", null=True)
    face = UnicodeAttribute(attr_name="a", null=True)
    visible_until = NumberAttribute(attr_name="v")
    hidden = UnicodeSetAttribute(attr_name="h", null=True)
    no_unread = NumberAttribute(attr_name="u", null=True)
    origin = NumberAttribute(attr_name="o", null=True)  # a batch copy or an import (the stream's statistics)


def _dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def body_fields(body: Any) -> dict[str, Any]:
    """`body` (JSON text) or, when compressing saves a tenth of a large one, `packed`; the other is None (C2C and
    group messages alike)."""
    text = _dumps(body)
    raw = text.encode("utf-8")
    if len(raw) >= COMPRESS_FROM:
        packed = zlib.compress(raw, 6)
        if len(packed) * 10 < len(raw) * 9:
            return {"body": None, "packed": packed}
    return {"body": text, "packed": None}


def load_body(body: str | None, packed: bytes | None) -> Any:
    """The MsgBody stored by `body_fields`."""
    return json.loads(zlib.decompress(packed).decode("utf-8") if packed is not None else body or "[]")


def _body(m: MessageModel) -> Any:
    return load_body(m.body, m.packed)


def _message(m: MessageModel) -> Message:
    return Message(
        sender=m.sender,
        recipient=m.recipient,
        msg_seq=int(m.msg_seq),
        msg_random=int(m.msg_random),
        time=int(m.msg_time),
        body=_body(m),
        cloud=m.cloud,
        flags=int(m.flags or 0),
        nick=m.nick or "",
        face=m.face or "",
        expires=int(m.visible_until),
        hidden_for=frozenset(m.hidden or ()),
        no_unread=bool(m.no_unread),
    )


def _position(m: MessageModel) -> Position:
    return Position(int(m.sk.lstrip("E")[:10]), int(m.seq or 0))


def _entry(m: MessageModel) -> LogEntry:
    return LogEntry(m.kind, _position(m), _message(m), int(m.written or 0))


def _fields(message: Message) -> dict[str, Any]:
    return dict(
        sender=message.sender,
        recipient=message.recipient,
        msg_seq=message.msg_seq,
        msg_random=message.msg_random,
        msg_time=message.time,
        **body_fields(message.body),
        cloud=message.cloud,
        flags=message.flags or None,
        origin=message.origin or None,
        nick=message.nick or None,
        face=message.face or None,
        visible_until=message.expires,
        hidden=set(message.hidden_for) or None,
        no_unread=1 if message.no_unread else None,
    )


def _conditional_failed(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _one_page(results: Any) -> tuple[list[MessageModel], Any]:
    """The items of exactly one Query request (PynamoDB would otherwise fetch on) and its LastEvaluatedKey."""
    page = next(results.page_iter)
    return [MessageModel.from_raw_data(raw) for raw in page.get("Items", [])], page.get("LastEvaluatedKey")


def _side_actions(change: RowChange, at: int, sdkappid: int, owner: str) -> list[Action]:
    """What a message stored at time `at` does to `owner`'s row (see RowChange), its recent-contacts index entry
    included (store/conversations.py: a keys-only index, written only when the activity's hour changes)."""
    cm = ConversationModel
    actions: list[Action] = []
    if change.time is not None:
        actions += [cm.time.set(change.time), cm.gone.remove(), *activity_actions(sdkappid, owner, C2C, change.time)]
    if change.received:
        actions.append(cm.recv.add(change.received))
    if change.recipient:
        actions.append(cm.rtime.set(at))
    return actions


@dataclass(frozen=True)
class _Token:
    """A retry token's value on the row: content CRC, the position the send took, deadline, when it was taken."""

    crc: int
    position: Position
    expires: int
    taken: int

    @property
    def text(self) -> str:
        return f"{self.crc} {self.position.time} {self.position.seq} {self.expires} {self.taken}"

    @staticmethod
    def parse(value: str) -> _Token:
        crc, time, seq, expires, taken = (int(x) for x in value.split())
        return _Token(crc, Position(time, seq), expires, taken)


class DynamoMessageStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    # --- positions --------------------------------------------------------------------------------
    def allocate(
        self,
        sdkappid: int,
        lo: str,
        hi: str,
        *,
        at: int,
        token: RetryToken | None = None,
        change: RowChange | None = None,
        last: bool = False,
        supersede: Position | None = None,
        recipient: str | None = None,
    ) -> Position | Original:
        """Take the conversation's next log position, at time `at` or the head's if later: one UpdateItem on the
        lower account's row, conditional on the count it read (a writer that lost the race reads again), which
        also applies that side's `change` and, with `last`, points its recent contact at the new position.

        With a `token` the same write records the send for retry de-duplication: a send already recorded with
        the same content answers its Original instead (unless it is the `supersede`d one: its first attempt
        stored nothing); one with other content in the same second is 90005 (its MsgKey would be the same).

        With a `recipient`, the row tells whether it discards the other's messages (receive option Discard): then
        the recipient's side is left alone (no unread, no last message) and the position says `discarded`.
        """
        row_key = (user_pk(sdkappid, lo), conversation_sk(C2C, hi))
        cm = ConversationModel
        for _ in range(ALLOCATE_ATTEMPTS):
            now = int(self._clock.now())
            try:
                row = ConversationModel.get(*row_key, consistent_read=True)
                count, head, tokens = int(row.cseq or 0), row.ctime, row.dd
                discards = recipient is not None and bool(row.xlo if recipient == lo else row.xhi)
            except ConversationModel.DoesNotExist:
                count, head, tokens = 0, None, None
                discards = False
            condition: Condition = cm.cseq.does_not_exist() if not count else cm.cseq == count
            if not count:  # a new conversation, or its lower account was deleted (and its row): go on from the log
                newest = self._newest(sdkappid, lo, hi)
                if newest is not None:
                    count, head = newest.seq, newest.time
            t = at if head is None else max(at, int(head))
            seq = count + 1
            actions: list[Action] = [cm.type.set(C2C), cm.peer.set(hi), cm.cseq.set(seq), cm.ctime.set(t)]
            if discards and recipient == lo:  # the lower side is the recipient, and discards: its side stays
                change, last = None, False
            if last:
                actions += [cm.mseq.set(seq), cm.mtime.set(t)]
            if change is not None:
                actions += _side_actions(change, t, sdkappid, lo)
            if token is not None:
                held = {k: _Token.parse(v) for k, v in (tokens.attribute_values if tokens is not None else {}).items()}
                seen = held.get(token.name)
                if seen is not None and seen.expires > now and seen.position != supersede:
                    if seen.crc == token.crc:
                        return Original(seen.position.time, replace(seen.position, discarded=discards), seen.taken)
                    if seen.position.time == t:
                        raise errors.error(90005, "another message with this MsgSeq and MsgRandom was sent this second")
                facing = held.get(token.facing)  # the other direction's: one MsgKey names one message of the pair
                if facing is not None and facing.expires > now and facing.position.time == t:
                    raise errors.error(90005, "the peer sent a message with this MsgSeq and MsgRandom this second")
                value = _Token(token.crc, Position(t, seq), now + DEDUP_SECONDS, now).text
                if tokens is None:
                    actions.append(cm.dd.set({token.name: value}))
                else:
                    actions.append(cm.dd[token.name].set(value))
                    others = sorted(
                        ((tok.position.seq, k) for k, tok in held.items() if k != token.name), reverse=True
                    )  # newest first (seqs restart only after an account deletion)
                    stale = [k for _, k in others if held[k].expires <= now]
                    fresh = [k for _, k in others if held[k].expires > now]
                    actions += [cm.dd[k].remove() for k in stale + fresh[DEDUP_KEEP - 1 :]]
            item = ConversationModel(*row_key)
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as exc:
                if not _conditional_failed(exc):
                    raise
                continue  # another writer took a position first: read again
            return Position(t, seq, discarded=discards)
        raise errors.Internal("the conversation is too busy to take a position, retry")

    def release(self, sdkappid: int, lo: str, hi: str, token: RetryToken, position: Position, received: int) -> None:
        """Forget the retry token of a send that stored nothing (the client's retry must go through) and take
        back the unread count its position took on the lower row."""
        cm = ConversationModel
        item = ConversationModel(user_pk(sdkappid, lo), conversation_sk(C2C, hi))
        actions: list[Action] = [cm.dd[token.name].remove()]
        if received:
            actions.append(cm.recv.add(-received))
        try:
            item.update(
                actions=actions,
                condition=cm.dd[token.name].startswith(f"{token.crc} {position.time} {position.seq} "),
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def _newest(self, sdkappid: int, lo: str, hi: str) -> Position | None:
        """The position of the log's newest entry, read strongly consistent (one Query per range, newest first)."""
        pk = c2c_log_pk(sdkappid, lo, hi)
        found: list[Position] = []
        for low, high in (("0", TOP), ("E", ETOP)):
            for m in MessageModel.query(
                pk,
                MessageModel.sk.between(low, high),
                filter_condition=MessageModel.seq.exists(),
                scan_index_forward=False,
                consistent_read=True,
                limit=1,
                attributes_to_get=["pk", "sk", "s"],
            ):
                found.append(_position(m))
        return max(found) if found else None

    def message_ref(self, sdkappid: int, lo: str, hi: str, position: Position) -> MessageRef:
        return MessageRef(c2c_log_pk(sdkappid, lo, hi), c2c_log_sk(position.time, position.seq))

    def stored(self, sdkappid: int, position: Position, message: Message) -> str | None:
        """What sits at `message`'s position: KIND_MSG (this message: same sender, MsgSeq and MsgRandom),
        KIND_VOID, or None (not written, yet or ever)."""
        pk = log_pk(sdkappid, message.sender, message.recipient)
        for sk in (c2c_log_sk(position.time, position.seq), c2c_log_sk(position.time, position.seq, event=True)):
            try:
                m = MessageModel.get(pk, sk, consistent_read=True, attributes_to_get=["pk", "k", "f", "q", "r"])
            except MessageModel.DoesNotExist:
                continue
            if m.kind == KIND_VOID:
                return KIND_VOID
            if (m.sender, int(m.msg_seq), int(m.msg_random)) == (message.sender, message.msg_seq, message.msg_random):
                return str(m.kind)
        return None

    # --- entries ----------------------------------------------------------------------------------
    def put(self, sdkappid: int, kind: str, position: Position, message: Message) -> MessageRef:
        """Write the entry at its (freshly allocated) position."""
        pk = log_pk(sdkappid, message.sender, message.recipient)
        sk = c2c_log_sk(position.time, position.seq, event=kind != KIND_MSG)
        written = int(self._clock.now())
        item = MessageModel(
            pk, sk, kind=kind, seq=position.seq, written=written, expires=message.expires, **_fields(message)
        )
        item.save(condition=MessageModel.pk.does_not_exist())
        return MessageRef(pk, sk)

    def void(self, sdkappid: int, position: Position, message: Message, *, event: bool = False) -> None:
        """Fill a position whose entry must not stand, so sync passes over it at once. It goes in the `E` range:
        a message's void never replaces the message (if that was stored after all, sync returns it), an event's
        void replaces the event (its change did not happen)."""
        blank = Message(message.sender, message.recipient, 0, 0, 0, [], expires=message.expires)
        pk, sk = (
            log_pk(sdkappid, message.sender, message.recipient),
            c2c_log_sk(position.time, position.seq, event=True),
        )
        void = MessageModel(
            pk,
            sk,
            kind=KIND_VOID,
            seq=position.seq,
            written=int(self._clock.now()),
            expires=message.expires,
            **_fields(blank),
        )
        try:
            void.save(condition=None if event else MessageModel.pk.does_not_exist())
        except PutError as exc:
            if not _conditional_failed(exc):
                raise

    def touch(
        self,
        sdkappid: int,
        owner: str,
        peer: str,
        change: RowChange,
        at: int,
        last: MessageRef | None,
        *,
        only_if_older: bool = False,
    ) -> None:
        """The other side's row (one UpdateItem) for a message stored at time `at`: activity, unread and, unless
        a newer one got there first, the last message. `only_if_older` (repairing a first attempt that stopped
        before this write) writes nothing at all unless the row's last message is older than `last`."""
        cm = ConversationModel
        item = ConversationModel(user_pk(sdkappid, owner), conversation_sk(C2C, peer))
        actions: list[Action] = [cm.type.set(C2C), cm.peer.set(peer), *_side_actions(change, at, sdkappid, owner)]
        if last is not None:
            try:
                item.update(
                    actions=[*actions, cm.last_pk.set(last.pk), cm.last_sk.set(last.sk)],
                    condition=cm.last_sk.does_not_exist() | (cm.last_sk < last.sk),
                )
                return
            except UpdateError as exc:
                if not _conditional_failed(exc):
                    raise
                if only_if_older:
                    return  # already written (or a later message got there): nothing to repair
        item.update(actions=actions)

    def touched(self, sdkappid: int, owner: str, peer: str, ref: MessageRef) -> bool:
        """Whether `owner`'s row already points at `ref` or a later message (read strongly consistent)."""
        try:
            row = ConversationModel.get(
                user_pk(sdkappid, owner),
                conversation_sk(C2C, peer),
                consistent_read=True,
                attributes_to_get=["last_sk"],
            )
        except ConversationModel.DoesNotExist:
            return False
        return row.last_sk is not None and row.last_sk >= ref.sk

    def log(self, sdkappid: int, a: str, b: str, after: Position | None, limit: int) -> tuple[list[LogEntry], bool]:
        """The log's entries after `after`, in order, from two strongly consistent Queries (messages and the
        `E` range) merged up to where both are known; and whether more follow."""
        pk = log_pk(sdkappid, a, b)
        start = c2c_log_sk(after.time, after.seq + 1) if after is not None else ""
        parts = []
        for low, high in ((start or "0", TOP), ("E" + start, ETOP)):
            results = MessageModel.query(
                pk,
                MessageModel.sk.between(low, high),
                filter_condition=MessageModel.seq.exists(),  # imported history has no place in the log
                consistent_read=True,
                limit=limit,
                page_size=limit,
            )
            entries = [_entry(m) for m in results]
            parts.append((entries, results.last_evaluated_key is not None))
        bound: Position | None = None
        for entries, more in parts:
            if more and entries and (bound is None or entries[-1].position < bound):
                bound = entries[-1].position
        merged = sorted((e for entries, _ in parts for e in entries), key=lambda e: e.position)
        if bound is not None:
            return [e for e in merged if e.position <= bound], True
        return merged, False

    # --- history ----------------------------------------------------------------------------------
    def archive(self, sdkappid: int, message: Message) -> MessageRef | None:
        """Store a history import; None when the same message was imported before."""
        pk = log_pk(sdkappid, message.sender, message.recipient)
        sk = archive_sk(message.time, message.key, message.sender)
        item = MessageModel(pk, sk, kind=KIND_MSG, expires=message.expires, **_fields(message))
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
        """Messages of the conversation in [min_time, max_time], newest first, after (MsgTime, MsgKey) of the
        previous page's last message: one Query (the keys of that message's second are read again and skipped)."""
        top = max_time if before is None else min(before[0], max_time)
        skip = before if before is not None and before[0] <= max_time else None
        results = MessageModel.query(
            log_pk(sdkappid, a, b),
            MessageModel.sk.between(bound(min_time, 10), f"{bound(top, 10)}#~"),
            scan_index_forward=False,
            page_size=limit + 1,
        )
        pages = results.page_iter
        kept: list[Message] = []
        while True:  # one Query, unless many messages of that second must be skipped first
            page = next(pages)
            for raw in page.get("Items", []):
                message = _message(MessageModel.from_raw_data(raw))
                if skip is not None and message.key == skip[1] and message.time == skip[0]:
                    kept, skip = [], None  # the previous page ended here: what came before it was returned
                    continue
                if skip is not None and message.time < skip[0]:
                    skip = None  # that message is gone (expired): nothing of its second is skipped
                kept.append(message)
            more = page.get("LastEvaluatedKey") is not None
            if not more or (len(kept) >= limit and skip is None):
                break
        return kept[:limit], more or len(kept) > limit

    def find(
        self, sdkappid: int, sender: str, recipient: str, key: str, msg_time: int
    ) -> list[tuple[MessageRef, Message]]:
        """Sender's message `key` to recipient (one Query over the keys of its second)."""
        found = MessageModel.query(
            log_pk(sdkappid, sender, recipient), MessageModel.sk.startswith(f"{bound(msg_time, 10)}#")
        )
        return [
            (MessageRef(m.pk, m.sk), _message(m))
            for m in found
            if m.kind == KIND_MSG and m.sender == sender and m.recipient == recipient and _message(m).key == key
        ]

    def rewrite(
        self, ref: MessageRef, message: Message, *, expect_flags: int, version: int, ordered: bool = True
    ) -> bool:
        """Replace body, CloudCustomData and flags if the stored flags are still `expect_flags` (a recall got
        there first otherwise) and, when `ordered`, no later change was applied (`version`, the seq of the
        change's log entry, must be above the stored one: of two racing edits the later-logged one stands, as
        the log says). A recall is not ordered: it is final, whatever edit got there first."""
        item = MessageModel(ref.pk, ref.sk)
        flags = MessageModel.flags
        unchanged = (flags.does_not_exist() | (flags == 0)) if expect_flags == 0 else flags == expect_flags
        if ordered:
            unchanged &= MessageModel.version.does_not_exist() | (MessageModel.version < version)
        body = body_fields(message.body)
        actions: list[Action] = [
            MessageModel.body.set(body["body"]) if body["body"] is not None else MessageModel.body.remove(),
            MessageModel.packed.set(body["packed"]) if body["packed"] is not None else MessageModel.packed.remove(),
            flags.set(message.flags) if message.flags else flags.remove(),
            MessageModel.cloud.set(message.cloud) if message.cloud is not None else MessageModel.cloud.remove(),
            MessageModel.version.set(version),
        ]
        try:
            item.update(actions=actions, condition=MessageModel.pk.exists() & unchanged)
            return True
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def version(self, ref: MessageRef) -> int:
        """The log seq of the last change applied to the message at `ref` (0: none), read strongly consistent."""
        try:
            m = MessageModel.get(ref.pk, ref.sk, consistent_read=True, attributes_to_get=["pk", "x"])
        except MessageModel.DoesNotExist:
            return 0
        return int(m.version or 0)

    def latest(self, sdkappid: int, owner: str, peer: str) -> Message | None:
        """The newest message of the conversation `owner` can see (one Query page, newest first)."""
        results = MessageModel.query(
            log_pk(sdkappid, owner, peer), MessageModel.sk.between("0", TOP), scan_index_forward=False, page_size=20
        )
        items, _ = _one_page(results)
        now = self._clock.now()
        return next((m for m in map(_message, items) if m.visible_to(owner, now)), None)

    def get_many(self, refs: Iterable[MessageRef]) -> dict[MessageRef, Message]:
        keys = list(dict.fromkeys((r.pk, r.sk) for r in refs))
        return {MessageRef(m.pk, m.sk): _message(m) for m in MessageModel.batch_get(keys)} if keys else {}

    def hide(self, sdkappid: int, operator: str, peer: str, upto: Position | None = None) -> int:
        """ClearRamble: take the conversation's log entries up to position `upto` (else all) and all its imported
        history out of `operator`'s history and sync (paginated Queries, one UpdateItem per entry)."""
        hidden = 0
        for low, high in (("0", TOP), ("E", ETOP)):
            for m in MessageModel.query(
                log_pk(sdkappid, operator, peer),
                MessageModel.sk.between(low, high),
                page_size=100,
                attributes_to_get=["pk", "sk", "s"],
            ):
                if upto is not None and m.seq is not None and _position(m) > upto:
                    continue  # logged after the clear: stays
                MessageModel(m.pk, m.sk).update(
                    actions=[MessageModel.hidden.add({operator})], condition=MessageModel.pk.exists()
                )
                hidden += 1
        return hidden

    def newest(self, sdkappid: int, a: str, b: str) -> Position | None:
        return self._newest(sdkappid, *conversation_pair(a, b))

    def count_from(self, sdkappid: int, sender: str, recipient: str, after_time: int) -> int:
        """How many of sender's messages to recipient with MsgTime > after_time (a past MsgReadTime) count as
        unread: not recalled, not sent with NoUnread."""
        results = MessageModel.query(
            log_pk(sdkappid, sender, recipient),
            MessageModel.sk.between(f"{bound(after_time, 10)}#~", TOP),
            filter_condition=MessageModel.sender == sender,
            attributes_to_get=["pk", "sk", "f", "v", "k", "g", "u"],
        )
        now = self._clock.now()
        return sum(
            1
            for m in results
            if m.kind == KIND_MSG
            and int(m.visible_until) > now
            and not (int(m.flags or 0) & RECALLED)
            and not m.no_unread
        )
