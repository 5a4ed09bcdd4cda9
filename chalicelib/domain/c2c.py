"""One-to-one (C2C) message rules: MsgKey, dedup signature, lifetimes, who may send to whom, recall, events, pages."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from chalicelib.domain import errors
from chalicelib.domain.messages import body_size

MAX_LIFETIME = 604_800  # reference: MsgLifeTime is at most 7 days
DEDUP_SECONDS = 120  # reference: a retried send within 120 s is the same message
BATCH_MAX = 500
UINT32_MAX = 4_294_967_295
RECALLED = 8  # MsgFlagBits of a recalled message (history keeps a placeholder)
HISTORY_MAX_BYTES = 13 * 1024  # reference: an admin_getroammsg answer holds at most 13 KB of messages
HISTORY_MAX_CNT = 100
# API Gateway closes a websocket whose frame exceeds 32 KB: a sync page stays well below with its envelope.
SYNC_MAX_BYTES = 24 * 1024
SYNC_MAX_CNT = 100
SEND_CONTROLS = ("NoUnread", "NoLastMsg", "WithMuteNotifications")
IMPORT_REALTIME = (1, 5)  # older docs: 1 realtime (counts unread); current docs: 5 realtime (pushed)
IMPORT_HISTORY = 2
IMPORT_MODES = (1, 2, 5)
CLOCK_SKEW_SECONDS = 300  # an explicit MsgTimeStamp may run this far ahead of the server clock

# Push events (frames {"event": NAME, "data": {...}}); message payloads use history's field names.
C2C_MSG = "c2c_msg"
MSG_WITHDRAW = "msg_withdraw"
MSG_MODIFY = "msg_modify"
C2C_READ = "c2c_read"

# Kinds of entries in a conversation's log, and the event each one replays as. A void entry fills a position
# whose message could not be stored (the send failed after taking it): sync passes over it.
KIND_MSG, KIND_WITHDRAW, KIND_MODIFY, KIND_VOID = "msg", "withdraw", "modify", "void"
EVENT_OF_KIND = {KIND_MSG: C2C_MSG, KIND_WITHDRAW: MSG_WITHDRAW, KIND_MODIFY: MSG_MODIFY}
# A position taken this long ago without its entry belongs to a writer that died (the API Lambda's timeout is
# 30 s): sync passes over such a hole; a younger hole may still be filled, so sync stops before it.
HOLE_SECONDS = 60
DEDUP_KEEP = 8  # retry tokens kept per conversation (the newest, each for DEDUP_SECONDS): bounds the row's size

_MSG_KEY = re.compile(r"([0-9]{1,10})_([0-9]{1,10})_([0-9]{1,10})")
_CURSOR = re.compile(r"([0-9]{1,10})\.([0-9]{1,12})")


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry sits in its conversation's log: (time, seq). Seqs count entries from 1 without gaps and
    times never decrease along them, so (time, seq) order is log order and doubles as the storage key."""

    time: int
    seq: int
    # set by the store when the recipient's receive option for the sender is Discard (not part of the identity)
    discarded: bool = field(default=False, compare=False)

    @property
    def cursor(self) -> str:
        return f"{self.time}.{self.seq}"


def parse_cursor(value: object) -> Position | None:
    """A sync `Cursor` ("" or absent = the start of the conversation) → Position; anything else is 90001."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not (m := _CURSOR.fullmatch(value)):
        raise errors.error(90001, 'Cursor must be "" or a cursor this server gave ("{time}.{seq}")')
    return Position(int(m.group(1)), int(m.group(2)))


class SyncMode(Enum):
    """What the sender's side keeps of a message (SyncOtherMachine)."""

    ECHO = "echo"  # 1: in the sender's history and sync, and pushed to its other terminals
    ROAM = "roam"  # omitted by the admin: in the sender's history only (reference: "stored in roaming")
    NONE = "none"  # 2: not in the sender's history at all


def sync_mode(value: int | None, *, as_self: bool) -> SyncMode:
    """SyncOtherMachine → mode; an account sending as itself defaults to 1 (its other terminals see it)."""
    if value is None:
        return SyncMode.ECHO if as_self else SyncMode.ROAM
    if value == 1:
        return SyncMode.ECHO
    if value == 2:
        return SyncMode.NONE
    raise errors.error(90031, "SyncOtherMachine must be 1 (sync to the sender) or 2 (do not)")


def lifetime(value: int | None, roaming_days: int, *, clamp: bool) -> int:
    """Seconds a message is kept: min(roaming period, MsgLifeTime); 0 = online only (no storage).

    Above 7 days sendmsg clamps (reference) while batchsendmsg answers 90026.
    """
    roaming = roaming_days * 86400
    if value is None:
        return roaming
    if value < 0:
        raise errors.error(90026, "MsgLifeTime must not be negative")
    if value > MAX_LIFETIME:
        if not clamp:
            raise errors.error(90026, f"MsgLifeTime is at most {MAX_LIFETIME} seconds (7 days)")
        value = MAX_LIFETIME
    return min(value, roaming)


def import_mode(value: int) -> int:
    """SyncFromOldSystem: 1 or 5 realtime (as if sent now), 2 history only."""
    if value not in IMPORT_MODES:
        raise errors.error(90030, "SyncFromOldSystem must be 1 or 5 (realtime) or 2 (history)")
    return value


def check_cloud(cloud: str | None, max_bytes: int) -> str | None:
    """CloudCustomData travels and is stored with the message: the app's message size limit applies to it too."""
    if cloud is not None and len(cloud.encode("utf-8")) > max_bytes:
        raise errors.MessageTooLong(f"CloudCustomData exceeds the app's limit of {max_bytes} bytes")
    return cloud


def send_controls(values: Sequence[object] | None) -> frozenset[str]:
    """SendMsgControl: NoUnread, NoLastMsg, WithMuteNotifications."""
    out = set()
    for i, value in enumerate(values or ()):
        if value not in SEND_CONTROLS:
            raise errors.error(90001, f"SendMsgControl[{i}] must be one of {', '.join(SEND_CONTROLS)}")
        out.add(str(value))
    return frozenset(out)


def msg_key(msg_seq: int, msg_random: int, msg_time: int) -> str:
    """The reference's MsgKey: `{MsgSeq}_{MsgRandom}_{MsgTime}`."""
    return f"{msg_seq}_{msg_random}_{msg_time}"


def parse_msg_key(key: object) -> tuple[int, int, int]:
    """(MsgSeq, MsgRandom, MsgTime) of a MsgKey; anything else is 90054."""
    if not isinstance(key, str) or not (m := _MSG_KEY.fullmatch(key)):
        raise errors.error(90054, "MsgKey must look like {MsgSeq}_{MsgRandom}_{MsgTime}")
    seq, rnd, when = (int(g) for g in m.groups())
    return seq, rnd, when


def signature(*parts: Any) -> int:
    """CRC32 of the content (the dedup key's last part); canonical JSON so key order does not matter."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return zlib.crc32(text.encode("utf-8"))


def message_time(explicit: int | None, now: float, roaming_days: int) -> int:
    """MsgTime: the caller's MsgTimeStamp when given (within the roaming period), else now. One up to
    CLOCK_SKEW_SECONDS ahead is the caller's clock running fast and is taken as now (a conversation's times never
    decrease, so a future time would drag every later message of it into the future); further ahead is 90006."""
    if explicit is None:
        return int(now)
    if explicit > now + CLOCK_SKEW_SECONDS:
        raise errors.error(90006, "MsgTimeStamp is in the future")
    if explicit <= now - roaming_days * 86400:
        raise errors.error(90006, f"MsgTimeStamp is older than the app's roaming period ({roaming_days} days)")
    return min(explicit, int(now))


def send_refusal(
    *,
    by_admin: bool,
    muted: bool,
    blocked: bool,
    friend_check: bool,
    sender_lists_peer: bool,
    peer_lists_sender: bool,
) -> int | None:
    """Why an account may not message a peer (Tencent code), or None. The decision table:

    | sender            | condition                                              | code  |
    |-------------------|--------------------------------------------------------|-------|
    | App admin (REST)  | anything (reference: sendmsg checks no relation/mute)  | —     |
    | account as itself | globally muted (setnospeaking)                         | 20012 |
    |                   | the peer blacklisted the sender                        | 20007 |
    |                   | friend check on, neither lists the other               | 20009 |
    |                   | friend check on, the sender is not in the peer's list  | 20010 |
    |                   | friend check on, the peer is not in the sender's list  | 20011 |
    """
    if by_admin:
        return None
    if muted:
        return 20012
    if blocked:
        return 20007
    if friend_check:
        if not sender_lists_peer and not peer_lists_sender:
            return 20009
        if not peer_lists_sender:
            return 20010
        if not sender_lists_peer:
            return 20011
    return None


def recall_refusal(*, by_admin: bool, flags: int, msg_time: int, now: float, limit_seconds: int) -> int | None:
    """20023 already recalled; 20016 an account's own message older than the app's recall window (admin: none)."""
    if flags & RECALLED:
        return 20023
    if not by_admin and now - msg_time > limit_seconds:
        return 20016
    return None


def conversation_pair(a: str, b: str) -> tuple[str, str]:
    """Both sides of a conversation name it the same way."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Message:
    """One stored (or online-only) C2C message, as history and pushes show it."""

    sender: str
    recipient: str
    msg_seq: int
    msg_random: int
    time: int
    body: list[dict[str, Any]]
    cloud: str | None = None
    flags: int = 0
    nick: str = ""  # sender's profile when it was sent (FAQ: messages carry the sender's nick and avatar)
    face: str = ""
    expires: int = 0  # epoch s after which no read returns it; 0 = online only, never stored
    hidden_for: frozenset[str] = field(default_factory=frozenset)  # accounts whose history omits it
    no_unread: bool = False  # sent with SendMsgControl NoUnread: never counted in the recipient's unread
    origin: int = 0  # stored rows: a send's own, a batch copy, an import (domain/message_stream.py ORIGIN_*)

    @property
    def key(self) -> str:
        return msg_key(self.msg_seq, self.msg_random, self.time)

    @property
    def recalled(self) -> bool:
        return bool(self.flags & RECALLED)

    def visible_to(self, user: str, now: float) -> bool:
        return self.expires > now and user not in self.hidden_for

    def as_recalled(self) -> Message:
        """The placeholder history keeps: same identity, MsgFlagBits 8, no content."""
        return replace(self, flags=self.flags | RECALLED, body=[], cloud=None)

    def history(self) -> dict[str, Any]:
        """An admin_getroammsg MsgList item (also LastMsg in recent contacts and the log's entries): with the
        sender's nick and avatar as they were when it was sent (the FAQ's "message sender profile")."""
        out: dict[str, Any] = {
            "From_Account": self.sender,
            "To_Account": self.recipient,
            "MsgSeq": self.msg_seq,
            "MsgRandom": self.msg_random,
            "MsgTimeStamp": self.time,
            "MsgFlagBits": self.flags,
            "MsgKey": self.key,
            "MsgBody": self.body,
            "SenderProfile": {"Nick": self.nick, "FaceUrl": self.face},
        }
        if self.cloud is not None:
            out["CloudCustomData"] = self.cloud
        return out

    def push(self, position: Position | None) -> dict[str, Any]:
        """c2c_msg data: history's fields, the sender's profile at send time, and the log position.

        Online-only messages carry `OnlineOnlyFlag: 1` and no position (they are not in the conversation's log).
        """
        out = self.history()
        if position is None:
            out["OnlineOnlyFlag"] = 1
        else:
            out["Seq"], out["Cursor"] = position.seq, position.cursor
        return out


@dataclass(frozen=True)
class LogEntry:
    """An entry of a conversation's log: a message, or a later recall/edit of one (a copy of it as it became)."""

    kind: str
    position: Position
    message: Message
    written: int = 0  # epoch s the entry was written (its position was taken just before): the hole rule's clock

    def frame(self) -> dict[str, Any]:
        """The push frame this entry was (or would have been) delivered as."""
        if self.kind == KIND_MSG:
            data = self.message.push(self.position)
        else:
            data = self.message.history()
            data["Seq"], data["Cursor"] = self.position.seq, self.position.cursor
        return {"event": EVENT_OF_KIND[self.kind], "data": data}


@dataclass(frozen=True)
class RowChange:
    """What one message does to one side's conversation row: new activity time (orders recent contacts; None
    leaves it), how many more messages that side received (its unread count), and whether that side is the
    recipient (its row then records the message's stored MsgTime: a read mark at or after it reads everything)."""

    time: int | None = None
    received: int = 0
    recipient: bool = False


@dataclass(frozen=True)
class RetryToken:
    """A send's identity for retry de-duplication: direction, MsgSeq and MsgRandom name it; crc is its content."""

    name: str
    crc: int

    @property
    def facing(self) -> str:
        """The name the same MsgSeq and MsgRandom have in the other direction."""
        return ("b" if self.name[0] == "a" else "a") + self.name[1:]

    @staticmethod
    def of(sender: str, recipient: str, msg_seq: int, msg_random: int, crc: int) -> RetryToken:
        side = "a" if sender <= recipient else "b"
        return RetryToken(f"{side}{msg_seq}_{msg_random}", crc)


@dataclass(frozen=True)
class Original:
    """A send recognised as a retry of one recorded within DEDUP_SECONDS: its MsgTime, the position it took and
    when (epoch s). Whether it was stored is for the caller to check: the first attempt may still be writing,
    or may have died after taking its position."""

    time: int
    position: Position
    taken: int


@dataclass(frozen=True)
class Outgoing:
    """A send request after field-by-field validation (sendmsg, batchsendmsg)."""

    recipients: tuple[str, ...]
    msg_seq: int
    msg_random: int
    body: list[dict[str, Any]]
    lifetime: int  # seconds kept; 0 = online only
    mode: SyncMode
    cloud: str | None = None
    time: int | None = None  # explicit MsgTimeStamp
    no_unread: bool = False  # SendMsgControl NoUnread
    no_last: bool = False  # SendMsgControl NoLastMsg
    push_info: dict[str, Any] | None = None  # OfflinePushInfo (services/offline_push.py)

    @property
    def online_only(self) -> bool:
        return self.lifetime == 0


def fit(sizes: Iterable[int], max_bytes: int) -> int:
    """How many leading items fit in `max_bytes` (always at least one, so a page never stalls)."""
    used = count = 0
    for size in sizes:
        if count and used + size > max_bytes:
            break
        used += size
        count += 1
    return count


@dataclass(frozen=True)
class HistoryPage:
    messages: list[Message]  # oldest first, as the reference answers
    complete: bool
    last_time: int  # where the next page continues (MaxTime = LastMsgTime, LastMsgKey)
    last_key: str


def history_page(examined: Sequence[Message], *, operator: str, now: float, more: bool, max_cnt: int) -> HistoryPage:
    """Build one admin_getroammsg page from the messages one Query examined, newest first.

    Messages the operator may not see (expired, hidden by SyncOtherMachine 2 or ClearRamble) are skipped; the
    page stops at MaxCnt or 13 KB and continues after the last message it returned or, when it returned all it
    could see, after the last one the Query examined.
    """
    if not examined:
        return HistoryPage([], True, 0, "")
    visible = [m for m in examined if m.visible_to(operator, now)]
    taken = fit((body_size(m.history()) for m in visible[:max_cnt]), HISTORY_MAX_BYTES)
    page = visible[:taken]
    left_over = taken < len(visible)
    anchor = page[-1] if left_over else examined[-1]
    return HistoryPage(list(reversed(page)), not more and not left_over, anchor.time, anchor.key)


def sync_page(
    examined: Sequence[LogEntry],
    *,
    after: Position | None,
    viewer: str,
    now: float,
    more: bool,
    max_cnt: int,
) -> tuple[list[LogEntry], Position | None, bool]:
    """One sync page from a conversation's log entries after `after`, in log order: (events, cursor, complete).

    Entries the viewer may not see (expired, hidden by SyncOtherMachine 2 or ClearRamble, void) are passed over
    (the cursor moves past them). A seq missing before an entry written less than HOLE_SECONDS ago may still be
    written by a sender in flight (its position was taken earlier): the page stops before it, incomplete, and
    the next call finds it (or, once old enough, passes over it). From the start of a log the first entry is
    expected at seq 1 the same way (older ones may have expired: then it waits until that entry is old enough).
    The page stops at MaxCnt or the frame budget; the cursor is the last entry it returned or passed over.
    """
    page: list[LogEntry] = []
    used = 0
    cursor = after
    for entry in examined:
        pos = entry.position
        expected = cursor.seq + 1 if cursor is not None else 1
        if pos.seq > expected and entry.written > now - HOLE_SECONDS:
            return page, cursor, False
        if entry.kind != KIND_VOID and entry.message.visible_to(viewer, now):
            size = body_size(entry.frame())
            if len(page) == max_cnt or (page and used + size > SYNC_MAX_BYTES):
                return page, cursor, False
            page.append(entry)
            used += size
        cursor = pos
    return page, cursor, not more
