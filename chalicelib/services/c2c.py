"""One-to-one messaging use cases: send (single, batch, import), deliver, history, unread/read, recall, edit, sync.

Both sides share one conversation log (store/c2c.py). A stored message costs three writes in two round trips:
the lower account's conversation row (takes the log position, records the retry token, that side's unread or
activity), then the message at that position and the other side's row at the same time; then the pushes, each
carrying the position. If the message cannot be stored, its position is voided, the token released (the client's
retry goes through) and the unread count the other row got taken back; once it is stored, a retry is answered
from the token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib.domain import callbacks as cb
from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.c2c import (
    C2C_MSG,
    C2C_READ,
    HISTORY_MAX_CNT,
    HOLE_SECONDS,
    IMPORT_HISTORY,
    KIND_MODIFY,
    KIND_MSG,
    KIND_WITHDRAW,
    HistoryPage,
    LogEntry,
    Message,
    Original,
    Outgoing,
    Position,
    RetryToken,
    RowChange,
    SyncMode,
    conversation_pair,
    history_page,
    message_time,
    msg_key,
    parse_msg_key,
    recall_refusal,
    send_refusal,
    signature,
    sync_page,
)
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import C2C, Conversation, MessageRef
from chalicelib.domain.ids import is_user_id
from chalicelib.domain.message_stream import ORIGIN_COPY, ORIGIN_IMPORT
from chalicelib.domain.messages import texts
from chalicelib.domain.mute import is_muted
from chalicelib.domain.profiles import IMAGE, NICK
from chalicelib.services import callbacks
from chalicelib.services.conversations import ConversationRepo, Description
from chalicelib.services.dirtywords import DirtyWordService
from chalicelib.services.notify import Notifier
from chalicelib.services.offline_push import OfflinePushService
from chalicelib.services.ports import (
    AccountRepo,
    MediaRefs,
    Metrics,
    NoReadAhead,
    ReadAhead,
    RelationCheck,
    TaskQueue,
)

log = logging.getLogger("yuntong.c2c")

INLINE_RECIPIENTS = 50  # batchsendmsg delivers this many in the request; larger batches go through the queue
BATCH_TASK = "c2c_batch"
CLEAR_TASK = "c2c_clear"


class MessageStore(Protocol):
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
    ) -> Position | Original: ...
    def release(
        self, sdkappid: int, lo: str, hi: str, token: RetryToken, position: Position, received: int
    ) -> None: ...
    def stored(self, sdkappid: int, position: Position, message: Message) -> str | None: ...
    def message_ref(self, sdkappid: int, lo: str, hi: str, position: Position) -> MessageRef: ...
    def put(self, sdkappid: int, kind: str, position: Position, message: Message) -> MessageRef: ...
    def void(self, sdkappid: int, position: Position, message: Message, *, event: bool = False) -> None: ...
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
    ) -> None: ...
    def touched(self, sdkappid: int, owner: str, peer: str, ref: MessageRef) -> bool: ...
    def log(self, sdkappid: int, a: str, b: str, after: Position | None, limit: int) -> tuple[list[LogEntry], bool]: ...
    def archive(self, sdkappid: int, message: Message) -> MessageRef | None: ...
    def history(
        self, sdkappid: int, a: str, b: str, min_time: int, max_time: int, before: tuple[int, str] | None, limit: int
    ) -> tuple[list[Message], bool]: ...
    def find(
        self, sdkappid: int, sender: str, recipient: str, key: str, msg_time: int
    ) -> list[tuple[MessageRef, Message]]: ...
    def rewrite(
        self, ref: MessageRef, message: Message, *, expect_flags: int, version: int, ordered: bool = True
    ) -> bool: ...
    def version(self, ref: MessageRef) -> int: ...
    def get_many(self, refs: Iterable[MessageRef]) -> dict[MessageRef, Message]: ...
    def latest(self, sdkappid: int, owner: str, peer: str) -> Message | None: ...
    def hide(self, sdkappid: int, operator: str, peer: str, upto: Position | None = None) -> int: ...
    def newest(self, sdkappid: int, a: str, b: str) -> Position | None: ...
    def count_from(self, sdkappid: int, sender: str, recipient: str, after_time: int) -> int: ...


@dataclass(frozen=True)
class Sent:
    key: str
    time: int
    failed: list[tuple[str, int]]  # (To_Account, ErrorCode) of recipients it was not sent to
    position: Position | None = None  # where it sits in the conversation log (the sending terminal is not pushed it)


@dataclass(frozen=True)
class Unread:
    total: int
    per_peer: list[tuple[str, int]]
    failed: list[tuple[str, int]]


@dataclass(frozen=True)
class SyncResult:
    events: list[LogEntry]
    cursor: Position | None
    complete: bool


@dataclass(frozen=True)
class ConversationState:
    """What `openim/sync_conversations` tells a terminal about one conversation."""

    peer: str
    head: Position | None  # the log's newest entry (None: nothing logged yet)
    unread: int
    read_time: int
    peer_read_time: int
    top: bool
    gone: bool


def encode_message(message: Message) -> dict[str, Any]:
    """A message as a task payload (JSON)."""
    return {
        "sender": message.sender,
        "recipient": message.recipient,
        "msg_seq": message.msg_seq,
        "msg_random": message.msg_random,
        "time": message.time,
        "body": message.body,
        "cloud": message.cloud,
        "nick": message.nick,
        "face": message.face,
        "expires": message.expires,
        "hidden_for": sorted(message.hidden_for),
        "no_unread": message.no_unread,
    }


def decode_message(data: Mapping[str, Any]) -> Message:
    fields = dict(data)
    fields["hidden_for"] = frozenset(fields.get("hidden_for") or ())
    return Message(**fields)


_pool: ThreadPoolExecutor | None = None


def _lookups() -> ThreadPoolExecutor:
    """Lookups and writes that run beside a send's writes (a few threads per container, made on first use)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="c2c-lookup")
    return _pool


class C2CService:
    def __init__(
        self,
        store: MessageStore,
        conversations: ConversationRepo,
        accounts: AccountRepo,
        relations: RelationCheck,
        dirty_words: DirtyWordService,
        notifier: Notifier,
        metrics: Metrics,
        tasks: TaskQueue,
        clock: Clock,
        inline_recipients: int = INLINE_RECIPIENTS,
    ) -> None:
        self.inline_recipients = inline_recipients
        self._store = store
        self._conversations = conversations
        self._accounts = accounts
        self._relations = relations
        self._dirty_words = dirty_words
        self._notifier = notifier
        self._metrics = metrics
        self._tasks = tasks
        self._clock = clock
        self.offline_push: OfflinePushService | None = None  # set by wiring
        self.read_ahead: ReadAhead = NoReadAhead()  # set by wiring
        self.callbacks: callbacks.Callbacks = callbacks.NO_CALLBACKS  # set by wiring
        self.media_refs: MediaRefs | None = None  # set by wiring

    # --- sending --------------------------------------------------------------------------------
    def send(self, app: App, sender: str, out: Outgoing, *, by_admin: bool, exclude: str | None, batch: bool) -> Sent:
        """sendmsg (one recipient: any refusal raises) and batchsendmsg (refusals listed per recipient).

        Everything is checked before anything is written, so a refused send writes nothing. A send to one
        account reads what it needs by key in one request first (accounts, conversation row, relations).
        """
        if len(out.recipients) != 1 or out.online_only or not (is_user_id(sender) and is_user_id(out.recipients[0])):
            return self._send(app, sender, out, by_admin=by_admin, exclude=exclude, batch=batch)
        check = not by_admin
        ahead = self.read_ahead.c2c_send(
            app.sdkappid,
            sender,
            out.recipients[0],
            relations=check,
            friends=check and app.config.c2c_friend_check,
            terminals=exclude is not None and not by_admin and out.mode is SyncMode.ECHO,  # its own terminal
        )
        with ahead:
            return self._send(app, sender, out, by_admin=by_admin, exclude=exclude, batch=batch)

    def _send(self, app: App, sender: str, out: Outgoing, *, by_admin: bool, exclude: str | None, batch: bool) -> Sent:
        sdk = app.sdkappid
        now = self._clock.now()
        account = self._accounts.get_account(sdk, sender)
        if account is None:
            raise errors.error(90008, f"From_Account {sender!r} is not an imported account")
        if not by_admin and is_muted(account.c2c_mute_until, now):
            raise errors.error(20012, f"{sender!r} is muted and may not send one-to-one messages")
        self._dirty_words.check(app, texts(out.body), code=80001, what="MsgBody")
        time = message_time(out.time, now, app.config.roaming_days)
        failed = self._refusals(app, sender, out.recipients, by_admin=by_admin)
        if failed and not batch:
            code = failed[0][1]
            raise errors.error(code, f"cannot send to {out.recipients[0]!r}: {errors.CODES.get(code, 'refused')}")
        refused = {user for user, _ in failed}
        targets = [r for r in dict.fromkeys(out.recipients) if r not in refused]
        if not targets:
            return Sent(msg_key(out.msg_seq, out.msg_random, time), time, failed)
        if not batch:  # C2C.CallbackBeforeSendMsg: may refuse (raises), drop silently (None) or rewrite
            checked = callbacks.c2c_before(self.callbacks, app, sender, targets[0], out, time)
            if checked is None:
                return Sent(msg_key(out.msg_seq, out.msg_random, time), time, failed)
            out = checked
        if self.media_refs is not None and not out.online_only:  # checked and final: its objects stay referenced
            self.media_refs.reference(app, out.body, sender=sender, to=targets)
        message = Message(
            sender=sender,
            recipient=targets[0],
            msg_seq=out.msg_seq,
            msg_random=out.msg_random,
            time=time,
            body=out.body,
            cloud=out.cloud,
            nick=str(account.profile.get(NICK) or ""),
            face=str(account.profile.get(IMAGE) or ""),
            expires=int(now) + out.lifetime if out.lifetime else 0,
            hidden_for=frozenset({sender}) if out.mode is SyncMode.NONE else frozenset(),
            no_unread=out.no_unread,
        )
        crc = signature(out.body, out.cloud, out.lifetime)
        time, position = self._deliver(app, message, out, exclude, crc)
        self._deliver_rest(app, replace(message, time=time), out, targets[1:], exclude, crc)
        if position is not None or out.online_only:
            if out.online_only:  # a stored message is counted from the messages stream (jobs/streams.py)
                self._count(app, sender, len(targets))
            if not batch:  # C2C.CallbackAfterSendMsg, queued (a retry answered from the stored message: none)
                callbacks.c2c_after(self.callbacks, app, sender, targets[0], out, time)
        return Sent(msg_key(out.msg_seq, out.msg_random, time), time, failed, position)

    def _refusals(self, app: App, sender: str, recipients: Sequence[str], *, by_admin: bool) -> list[tuple[str, int]]:
        """(recipient, code) for every recipient this sender may not message; reads only."""
        sdk = app.sdkappid
        unique = list(dict.fromkeys(recipients))
        if len(unique) == 1:
            known = {unique[0]} if self._accounts.exists(sdk, unique[0]) else set()
        else:
            known = self._accounts.existing(sdk, unique)
        friend_check = app.config.c2c_friend_check
        failed: list[tuple[str, int]] = []
        for peer in unique:
            if peer == sender:
                failed.append((peer, 90003))  # a conversation needs two accounts: sending to oneself is refused
            elif peer not in known:
                failed.append((peer, 90012))
            elif not by_admin:
                code = send_refusal(
                    by_admin=False,
                    muted=False,  # checked once for the sender
                    blocked=self._relations.is_blocked(sdk, peer, sender),
                    friend_check=friend_check,
                    sender_lists_peer=friend_check and self._relations.is_friend(sdk, sender, peer),
                    peer_lists_sender=friend_check and self._relations.is_friend(sdk, peer, sender),
                )
                if code is not None:
                    failed.append((peer, code))
        return failed

    def _deliver_rest(
        self, app: App, message: Message, out: Outgoing, recipients: Sequence[str], exclude: str | None, crc: int
    ) -> None:
        """The other recipients of a batch: in the request when few, else through the queue in chunks."""
        chunk = self.inline_recipients
        if len(recipients) < chunk:
            for recipient in recipients:
                self._deliver(app, replace(message, recipient=recipient, origin=ORIGIN_COPY), out, exclude, crc)
            return
        for i in range(0, len(recipients), chunk):
            self._tasks.enqueue(BATCH_TASK, self._batch_payload(app, message, out, recipients[i : i + chunk]))

    def _deliver(
        self, app: App, message: Message, out: Outgoing, exclude: str | None, crc: int
    ) -> tuple[int, Position | None]:
        """Store (unless online-only) and push one recipient's message: (MsgTime, log position).

        A retry of a message already stored answers the original's MsgTime and no position (nothing is sent).
        """
        sdk, sender, recipient = app.sdkappid, message.sender, message.recipient
        if out.online_only:
            self._notifier.to_users(sdk, [recipient], C2C_MSG, message.push(None))
            if out.mode is SyncMode.ECHO:
                self._notifier.to_users(sdk, [sender], C2C_MSG, message.push(None), exclude=exclude)
            return message.time, None
        now = int(self._clock.now())
        lo, hi = conversation_pair(sender, recipient)
        shown_to_sender = out.mode is not SyncMode.NONE and not out.no_last
        sender_side = RowChange(time=now if shown_to_sender else None)
        recipient_side = RowChange(
            time=None if out.no_last else now, received=0 if out.no_unread else 1, recipient=True
        )
        lo_side, hi_side = (sender_side, recipient_side) if sender == lo else (recipient_side, sender_side)
        token = RetryToken.of(sender, recipient, message.msg_seq, message.msg_random, crc)
        supersede: Position | None = None
        counted = lo_side.received
        while True:
            got = self._store.allocate(
                sdk, lo, hi, at=message.time, token=token, change=lo_side, last=lo_side.time is not None,
                supersede=supersede, recipient=recipient,
            )  # fmt: skip
            if not isinstance(got, Original):
                break
            state = self._store.stored(sdk, got.position, replace(message, time=got.time))
            if state == KIND_MSG:  # a retry of a stored message: answered, not sent again
                # (a recipient that discards the sender's messages: its row was left alone, nothing to repair)
                self._finish(sdk, lo, hi, got, RowChange() if got.position.discarded and hi == recipient else hi_side)
                return got.time, None
            if state is None and got.taken > now - HOLE_SECONDS:
                raise errors.Internal("the first attempt of this message is still being stored: retry in a moment")
            if supersede is not None:
                raise errors.Internal("the first attempt of this message kept changing: retry")
            if state is None:  # its sender died after taking the position: void it, so sync need not wait for it
                self._store.void(sdk, got.position, message)
            supersede = got.position  # the first attempt stored nothing: this one takes over
            lo_side = replace(lo_side, received=0)  # the first attempt's count stands (its token was never released)
            # (`counted` keeps it: if this attempt fails too, releasing the token takes that count back)
        message = replace(message, time=got.time)
        # the recipient's receive option Discard (Tencent: 不接收, neither online nor offline; read with the row the
        # position came from): stored for the sender's history only, its row untouched, nothing posted or pushed
        discarded = got.discarded
        if discarded:
            message = replace(message, hidden_for=message.hidden_for | {recipient})
            counted = 0 if lo == recipient else counted
        # the recipient's terminals are looked up while the message and the other row are written (one round trip
        # less on the send's critical path); the push still goes only after both writes
        terminals = None if discarded else _lookups().submit(self._notifier.directory.of_users, sdk, [recipient])
        # the other side's row is written beside the message (one round trip, not two): a reader of that row whose
        # message is not stored yet (or never will be) shows the newest one there is (describe)
        ref = self._store.message_ref(sdk, lo, hi, got)
        touching = None
        # the rows sync lists conversations by (not the row of a recipient that discards the sender's messages)
        if (hi == recipient and not discarded) or (hi != recipient and out.mode is not SyncMode.NONE):
            last = ref if hi_side.time is not None else None
            touching = _lookups().submit(self._store.touch, sdk, hi, lo, hi_side, got.time, last)
        try:
            self._store.put(sdk, KIND_MSG, got, message)
        except Exception:
            if self._state(sdk, got, message) != KIND_MSG:  # a write that failed, not one whose answer was lost
                self._untouch(sdk, hi, lo, hi_side, got, touching)
                self._undo(sdk, got, message, lambda: self._store.release(sdk, lo, hi, token, got, counted))
                raise
        if touching is not None:
            touching.result()
        found = terminals.result() if terminals is not None else {}
        posted = self._notifier.to_connections((c for cs in found.values() for c in cs), C2C_MSG, message.push(got))
        if (
            self.offline_push is not None and not discarded
        ):  # none posted: the offline push task (one SQS send, no DynamoDB request)
            self.offline_push.after_c2c(
                app, sender=sender, recipient=recipient, nick=message.nick, body=message.body, info=out.push_info,
                online=posted,
            )  # fmt: skip
        # the echo to the sender's other terminals; none when the sending terminal is its only one (read ahead)
        if out.mode is SyncMode.ECHO and not (exclude is not None and self.read_ahead.terminals(sdk, sender) == 1):
            self._notifier.to_users(sdk, [sender], C2C_MSG, message.push(got), exclude=exclude)
        return got.time, got

    def _finish(self, sdkappid: int, lo: str, hi: str, first: Original, change: RowChange) -> None:
        """A retry answered from a stored first attempt: if that attempt stopped before the higher row, write
        it now. Its last-message key tells: below this message's, the first attempt's write is missing (or in
        flight: then 70500 while it is young). A NoLastMsg send leaves no such key; its row is not repaired."""
        if change.time is None:
            return
        ref = self._store.message_ref(sdkappid, lo, hi, first.position)
        if self._store.touched(sdkappid, hi, lo, ref):
            return
        if first.taken > self._clock.now() - HOLE_SECONDS:
            raise errors.Internal("the first attempt of this message is still being stored: retry in a moment")
        self._store.touch(sdkappid, hi, lo, change, first.time, ref, only_if_older=True)

    def _untouch(
        self, sdkappid: int, owner: str, peer: str, change: RowChange, at: Position, touching: Future[None] | None
    ) -> None:
        """The message could not be stored: take back the unread count its other row's write (made beside it)
        gave. Its activity time and last-message key may stay: describe shows the newest message there is."""
        if touching is None:
            return
        if touching.exception() is not None:
            return  # that write failed too: nothing to take back
        if change.received:
            try:
                self._store.touch(sdkappid, owner, peer, RowChange(received=-change.received), at.time, None)
            except Exception:
                log.exception("could not take back the unread count of a failed C2C write at %s", at)

    def _state(self, sdkappid: int, position: Position, message: Message) -> str | None:
        """What a failed write left at its position; None also when that cannot be read (treated as nothing)."""
        try:
            return self._store.stored(sdkappid, position, message)
        except Exception:
            log.exception("could not read back the C2C write at %s", position)
            return None

    def _applied(self, ref: MessageRef, position: Position) -> bool:
        try:
            return self._store.version(ref) == position.seq
        except Exception:
            log.exception("could not read back the C2C change at %s", position)
            return False

    def _undo(
        self, sdkappid: int, position: Position, message: Message, release: Callable[[], None], *, event: bool = False
    ) -> None:
        """A write failed after its position was taken: forget the retry token and the unread it counted (the
        client's retry must go through), then void the position (sync passes over it at once; if this fails
        too, its hole rule does)."""
        for step in (release, lambda: self._store.void(sdkappid, position, message, event=event)):
            try:
                step()
            except Exception:  # best effort: the caller re-raises the original failure
                log.exception("could not undo a failed C2C write at %s", position)

    def _batch_payload(self, app: App, message: Message, out: Outgoing, recipients: Sequence[str]) -> dict[str, Any]:
        return {
            "sdkappid": app.sdkappid,
            "message": encode_message(message),
            "recipients": list(recipients),
            "mode": out.mode.value,
            "lifetime": out.lifetime,
            "no_unread": out.no_unread,
            "no_last": out.no_last,
            "push_info": out.push_info,  # the request's OfflinePushInfo: a queued part is pushed like the inline one
        }

    def deliver_batch(self, app: App, payload: Mapping[str, Any]) -> None:
        """A queued part of a large batchsendmsg (checks were done in the request; accounts deleted since are
        skipped, so no row reappears in a deleted account's partition)."""
        message = decode_message(payload["message"])
        alive = self._accounts.existing(app.sdkappid, [message.sender, *payload["recipients"]])
        if message.sender not in alive:
            return
        out = Outgoing(
            recipients=tuple(payload["recipients"]),
            msg_seq=message.msg_seq,
            msg_random=message.msg_random,
            body=message.body,
            cloud=message.cloud,
            lifetime=int(payload["lifetime"]),
            mode=SyncMode(payload["mode"]),
            no_unread=bool(payload["no_unread"]),
            no_last=bool(payload["no_last"]),
            push_info=payload.get("push_info"),  # absent in parts queued before it was carried
        )
        crc = signature(out.body, out.cloud, out.lifetime)
        for recipient in out.recipients:
            if recipient in alive:
                self._deliver(app, replace(message, recipient=recipient, origin=ORIGIN_COPY), out, None, crc)

    def _count(self, app: App, sender: str, recipients: int) -> None:
        """Daily statistics (UpMsgNum, DownMsgNum and SendMsgUserNum are derived from these by the stats job),
        counted in the container and written in batches: no request of the send's own."""
        self._metrics.later(app, {"C2CUpMsgNum": 1, "C2CDownMsgNum": recipients}, [("C2CSendMsgUserNum", sender)])

    def import_message(
        self,
        app: App,
        sender: str,
        recipient: str,
        *,
        mode: int,
        msg_seq: int,
        msg_random: int,
        time: int,
        body: list[dict[str, Any]],
        cloud: str | None,
    ) -> None:
        """importmsg: SyncFromOldSystem 1/5 as if sent now (log, unread, pushes), 2 into history only."""
        sdk = app.sdkappid
        if sender == recipient:
            raise errors.error(90003, "To_Account must differ from From_Account")
        known = self._accounts.existing(sdk, [sender, recipient])
        if sender not in known:
            raise errors.error(90008, f"From_Account {sender!r} is not an imported account")
        if recipient not in known:
            raise errors.error(90012, f"To_Account {recipient!r} is not an imported account")
        self._dirty_words.check(app, texts(body), code=80001, what="MsgBody")
        now = self._clock.now()
        time = message_time(time, now, app.config.roaming_days)
        expires = time + app.config.roaming_days * 86400
        message = Message(
            sender, recipient, msg_seq, msg_random, time, body, cloud, expires=expires, origin=ORIGIN_IMPORT
        )
        if mode == IMPORT_HISTORY:
            ref = self._store.archive(
                sdk, replace(message, no_unread=True)
            )  # never counted as unread  # a conditional put: the same import twice is stored once
            if ref is not None:
                for owner, peer in ((recipient, sender), (sender, recipient)):
                    self._conversations.record(sdk, owner, C2C, peer, time=time, last=ref, only_if_older=True)
            return
        out = Outgoing((recipient,), msg_seq, msg_random, body, message.expires - int(now), SyncMode.ECHO, cloud)
        self._deliver(app, message, out, None, signature(body, cloud, mode))

    # --- reading --------------------------------------------------------------------------------
    def history(
        self,
        app: App,
        operator: str,
        peer: str,
        *,
        min_time: int,
        max_time: int,
        max_cnt: int,
        last_key: str | None,
    ) -> HistoryPage:
        """admin_getroammsg: one Query per page, newest first, answered oldest first (reference)."""
        if min_time > max_time:
            raise errors.error(90001, "MinTime must not be after MaxTime")
        self._known_pair(app, operator, peer)
        before = None
        if last_key is not None:
            before = (parse_msg_key(last_key)[2], last_key)
            if before[0] < min_time:
                return HistoryPage([], True, 0, "")
        limit = min(max_cnt, HISTORY_MAX_CNT)
        examined, more = self._store.history(app.sdkappid, operator, peer, min_time, max_time, before, limit)
        return history_page(examined, operator=operator, now=self._clock.now(), more=more, max_cnt=limit)

    def sync(self, app: App, user: str, peer: str, after: Position | None, max_cnt: int) -> SyncResult:
        """What follows `after` in the conversation's log, in order: two strongly consistent Queries per page."""
        self._known_pair(app, user, peer)
        examined, more = self._store.log(app.sdkappid, user, peer, after, max_cnt)
        events, cursor, complete = sync_page(
            examined, after=after, viewer=user, now=self._clock.now(), more=more, max_cnt=max_cnt
        )
        return SyncResult(events, cursor, complete)

    def conversation_states(
        self, app: App, user: str, after: str | None, limit: int
    ) -> tuple[list[ConversationState], bool]:
        """The account's C2C conversations after peer `after`, ordered by peer, each with its log head, unread,
        read marks and pin (one Query of its rows, BatchGets of the peers' rows: the lower account's row holds
        the head); and whether this page is the last."""
        sdk = app.sdkappid
        if not self._accounts.exists(sdk, user):
            raise errors.error(90008, f"From_Account {user!r} is not an imported account")
        every = sorted((r for r in self._conversations.list(sdk, user) if r.type == C2C), key=lambda r: r.peer)
        following = [r for r in every if after is None or r.peer > after]
        rows = following[:limit]
        mirrors = self._conversations.mirrors(sdk, user, [r.peer for r in rows])
        # A peer the account blacklisted sends it no read receipt (set_read), so its read mark is not shown either.
        blocked = self._relations.blocked_among(sdk, user, [r.peer for r in rows]) if rows else set()
        out = []
        for row in rows:
            mirror = mirrors.get(row.peer)
            lower = row if user < row.peer else mirror
            head = Position(lower.head_time, lower.head_seq) if lower is not None and lower.head_seq else None
            out.append(
                ConversationState(
                    row.peer,
                    head,
                    row.unread,
                    row.read_time,
                    mirror.read_time if mirror is not None and row.peer not in blocked else 0,
                    row.top,
                    row.gone,
                )
            )
        return out, len(following) <= limit

    def unread(self, app: App, user: str, peers: Sequence[str] | None) -> Unread:
        """get_c2c_unread_msg_num: the total over C2C conversations and, when asked, per peer."""
        sdk = app.sdkappid
        if not self._accounts.exists(sdk, user):
            raise errors.error(70107, f"To_Account {user!r} is not an imported account")
        rows = {r.peer: r for r in self._conversations.list(sdk, user) if r.type == C2C}
        total = sum(r.unread for r in rows.values())
        if not peers:
            return Unread(total, [], [])
        unique = list(dict.fromkeys(peers))
        known = self._accounts.existing(sdk, unique)
        per_peer = [(p, rows[p].unread if p in rows else 0) for p in unique if p in known]
        return Unread(total, per_peer, [(p, 70107) for p in unique if p not in known])

    # --- read receipts, recall, edit ------------------------------------------------------------
    def set_read(self, app: App, reader: str, peer: str, read_time: int | None, *, exclude: str | None) -> int:
        """admin_set_msg_read: messages from `peer` up to MsgReadTime are read; returns the unread left.

        The peer's terminals get `c2c_read` (a read receipt) and so do the reader's other terminals. A peer that
        blacklisted the reader gets nothing: a blacklist stops what the blocked account sends to the one that blocked
        it (20007 for messages), yet marking a message read is the reader's own bookkeeping, which must not fail
        (it may still receive that peer's messages), so the receipt is dropped silently, not refused.
        """
        sdk = app.sdkappid
        known = self._accounts.existing(sdk, [reader, peer])
        for user in (reader, peer):
            if user not in known:
                raise errors.error(20003, f"{user!r} is not an imported account")
        now = int(self._clock.now())
        when = now if read_time is None else read_time
        row = self._conversations.get(sdk, reader, C2C, [peer]).get(peer)
        left = 0
        if row is not None:
            newest = max(row.time, row.received_time)  # NoLastMsg messages move only the latter
            later = 0 if when >= newest else self._store.count_from(sdk, peer, reader, when)
            read = max(0, row.recv - later)
            if read > row.read:
                self._conversations.mark_read(sdk, reader, C2C, peer, read, when)
            left = max(0, row.recv - max(read, row.read))
        data = {"Report_Account": reader, "Peer_Account": peer, "MsgReadTime": when}
        if not self._relations.is_blocked(sdk, peer, reader):  # see the docstring
            self._notifier.to_users(sdk, [peer], C2C_READ, data)
        self._notifier.to_users(sdk, [reader], C2C_READ, {**data, "UnreadMsgNum": left}, exclude=exclude)
        callbacks.notify(
            self.callbacks, app, cb.C2C_AFTER_REPORT, Report_Account=reader, Peer_Account=peer,
            LastReadTime=when, UnreadMsgNum=left,
        )  # fmt: skip
        return left

    def _known_pair(self, app: App, user: str, peer: str) -> None:
        """Both accounts of a conversation exist: 90008 for the acting one, 90012 for the peer (as sendmsg)."""
        known = self._accounts.existing(app.sdkappid, [user, peer])
        if user not in known:  # a deleted account's conversations are not read or written again
            raise errors.error(90008, f"{user!r} is not an imported account")
        if peer not in known:
            raise errors.error(90012, f"{peer!r} is not an imported account")

    def _located(self, app: App, sender: str, recipient: str, key: str) -> list[tuple[MessageRef, Message]]:
        self._known_pair(app, sender, recipient)
        now = self._clock.now()
        found = [
            (ref, m)
            for ref, m in self._store.find(app.sdkappid, sender, recipient, key, parse_msg_key(key)[2])
            if m.expires > now  # an expired message is gone for recall and edit too (TTL deletes late)
        ]
        if not found:
            raise errors.error(20022, f"no message {key!r} from {sender!r} to {recipient!r}")
        return found

    def withdraw(self, app: App, sender: str, recipient: str, key: str, *, by_admin: bool) -> None:
        """admin_msgwithdraw: history keeps a placeholder (MsgFlagBits 8); both sides' terminals get `msg_withdraw`
        (the calling one too: the event takes the conversation's next seq, and a terminal keeps seqs contiguous)."""
        found = self._located(app, sender, recipient, key)
        now = self._clock.now()
        for _, message in found:
            code = recall_refusal(
                by_admin=by_admin,
                flags=message.flags,
                msg_time=message.time,
                now=now,
                limit_seconds=app.config.c2c_recall_seconds,
            )
            if code is not None:
                raise errors.error(code)
        for ref, message in found:
            recalled = message.as_recalled()
            self._change(app, KIND_WITHDRAW, ref, message.flags, recalled)
            if not message.no_unread:  # a recalled message the recipient had not read leaves its unread count
                self._conversations.unreceive(app.sdkappid, recipient, C2C, sender, message.time)
        if found:
            callbacks.notify(
                self.callbacks, app, cb.C2C_AFTER_WITHDRAW, From_Account=sender, To_Account=recipient,
                MsgKey=key, UnreadMsgNum=0,
            )  # fmt: skip

    def modify(
        self,
        app: App,
        sender: str,
        recipient: str,
        key: str,
        *,
        body: list[dict[str, Any]] | None,
        cloud: str | None,
        by_admin: bool,
    ) -> None:
        """modify_c2c_msg: new MsgBody and/or CloudCustomData; both sides' terminals get `msg_modify`.

        An edit is a send: a sender under a one-to-one global mute may not edit either (20012; the admin may)."""
        if not by_admin:
            account = self._accounts.get_account(app.sdkappid, sender)
            if account is not None and is_muted(account.c2c_mute_until, self._clock.now()):
                raise errors.error(20012, f"{sender!r} is muted and may not edit its one-to-one messages")
        if body is not None:
            self._dirty_words.check(app, texts(body), code=80001, what="MsgBody")
        for ref, message in self._located(app, sender, recipient, key):
            if message.recalled:
                raise errors.error(20023, "a recalled message cannot be modified")
            edited = replace(
                message,
                body=message.body if body is None else body,
                cloud=message.cloud if cloud is None else cloud,
            )
            self._change(app, KIND_MODIFY, ref, message.flags, edited)

    def _change(self, app: App, kind: str, ref: MessageRef, flags: int, message: Message) -> None:
        """Log a recall or edit in the conversation, then rewrite the stored message (at `ref`, if its flags are
        still `flags`) as `message`, then push it to both sides. Logged first, so a change that was applied is
        always in the log (reconnecting terminals replay it); one that could not be applied has its entry
        voided (20023 when the message was recalled meanwhile)."""
        sdk = app.sdkappid
        lo, hi = conversation_pair(message.sender, message.recipient)
        got = self._store.allocate(sdk, lo, hi, at=int(self._clock.now()))
        assert isinstance(got, Position)  # no retry token: never an Original
        try:
            self._store.put(sdk, kind, got, message)
            applied = self._store.rewrite(
                ref, message, expect_flags=flags, version=got.seq, ordered=kind != KIND_WITHDRAW
            )
        except Exception:
            if not self._applied(ref, got):  # a change applied whose answer was lost stands
                self._undo(sdk, got, message, lambda: None, event=True)
                raise
            applied = True
        if not applied:
            self._undo(sdk, got, message, lambda: None, event=True)
            raise errors.error(20023, "the message was recalled or changed again meanwhile")
        event = LogEntry(kind, got, message).frame()
        self._notifier.to_users(sdk, [message.recipient, message.sender], event["event"], event["data"])

    # --- conversation support (Type 1 rows of recent contacts) ----------------------------------
    def describe(self, sdkappid: int, owner: str, rows: Sequence[Conversation]) -> dict[str, Description]:
        """Last message (one BatchGet) and unread count of C2C conversation rows. A row whose last message is
        not there (its send failed after pointing the row at it) or no longer visible (expired, cleared) shows the
        newest message the owner can still see, found by one Query of that conversation."""
        found = self._store.get_many(r.last for r in rows if r.last is not None)
        now = self._clock.now()
        out: dict[str, Description] = {}
        for row in rows:
            last = found.get(row.last) if row.last is not None else None
            if row.last is not None and (last is None or not last.visible_to(owner, now)):
                last = self._store.latest(sdkappid, owner, row.peer)
            shown = last.history() if last is not None else None
            out[row.peer] = Description(shown, row.unread)
        return out

    def check_peer(self, sdkappid: int, owner: str, peer: str, *, pin: bool) -> None:
        """ConversationSource: the peer of a C2C conversation is an imported account (50001)."""
        if not self._accounts.exists(sdkappid, peer):
            raise errors.error(50001, f"account {peer!r} does not exist")

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """Account deletion: a re-imported UserID is a new account and must never see its predecessor's messages.

        Every entry of the account's C2C conversations leaves its history and sync (the ClearRamble marking, so
        peers keep theirs).
        """
        for row in self._conversations.list(sdkappid, user):
            if row.type == C2C:
                self._store.hide(sdkappid, user, row.peer)

    def clear_roaming(self, sdkappid: int, owner: str, peer: str) -> None:
        """recentcontact/delete with ClearRamble 1: the conversation, as it stands now, leaves the owner's history
        and sync. Through the queue (a long conversation is one write per entry); later messages stay."""
        upto = self._store.newest(sdkappid, owner, peer)
        payload: dict[str, Any] = {"sdkappid": sdkappid, "owner": owner, "peer": peer}
        if upto is not None:
            payload |= {"time": upto.time, "seq": upto.seq}
        self._tasks.enqueue(CLEAR_TASK, payload)

    def clear_queued(self, payload: Mapping[str, Any]) -> None:
        """The queued part of clear_roaming."""
        upto = Position(int(payload["time"]), int(payload["seq"])) if "seq" in payload else None
        self._store.hide(int(payload["sdkappid"]), str(payload["owner"]), str(payload["peer"]), upto)
