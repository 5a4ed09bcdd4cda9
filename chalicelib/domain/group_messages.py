"""Group messages: priorities and the per-group rate policy, history visibility, placeholders, tips and unread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import errors
from chalicelib.domain.groups import TypeRules

HIGH, NORMAL, LOW, LOWEST = "High", "Normal", "Low", "Lowest"
PRIORITIES: tuple[str, ...] = (HIGH, NORMAL, LOW, LOWEST)

# Tencent: at most 40 messages per second per group (doc 9346). Exact policy, over a rolling second:
# - High is never refused;
# - Normal is refused (10023, nothing stored) once 40 messages were stored in the last second;
# - Low and Lowest are refused once 30 were, so that they give way before Normal traffic is touched.
# Group tips are never refused. The window is read from the send times of the last 40 messages, which the seq
# counter keeps (no extra write per message); under concurrent senders it may let a few more through.
RATE_PER_SECOND = 40
LOW_PRIORITY_CEILING = 30
RING_SIZE = RATE_PER_SECOND

DEDUP_SECONDS = 300  # a Random seen again within 5 minutes is the same message (reference §3.7)
RECALL_SECONDS = 120  # [E] 10031: a member recalls its own message within 2 minutes
HISTORY_PAGE_MAX = 20
RECALL_BATCH_MAX = 10

LIVE, RECALLED, DELETED = "", "recalled", "deleted"
PLACE_DELETED, PLACE_RECALLED = 1, 2  # IsPlaceMsg: 1 deleted or expired, 2 recalled
FINISHED, MORE = 1, 0  # IsFinished

TIP_ELEM = "TIMGroupTipElem"
JOIN, QUIT, KICK, INFO_CHANGE, MEMBER_CHANGE = "Join", "Quit", "Kick", "ModifyGroupInfo", "ModifyMemberInfo"
MUTE, RECALL, DISMISS, CHANGE_OWNER = "Mute", "Recall", "Dismiss", "ChangeOwner"
TIP_OPS: tuple[str, ...] = (JOIN, QUIT, KICK, INFO_CHANGE, MEMBER_CHANGE, MUTE, RECALL, DISMISS, CHANGE_OWNER)


def check_priority(value: object) -> str:
    if value not in PRIORITIES:
        raise errors.error(10004, f"MsgPriority must be one of {', '.join(PRIORITIES)}")
    return str(value)


def sent_in_last_second(ring_ms: Iterable[int], now_ms: int) -> int:
    return sum(1 for t in ring_ms if now_ms - 1000 < t <= now_ms)


def admits(priority: str, recent: int) -> bool:
    """Whether a message of `priority` may be stored when `recent` messages were stored in the last second."""
    if priority == HIGH:
        return True
    if priority == NORMAL:
        return recent < RATE_PER_SECOND
    return recent < LOW_PRIORITY_CEILING


def visible_from(rules: TypeRules, last_seq: int) -> int:
    """The first seq a member joining now may read: all history in ChatRoom/AVChatRoom, else from its join on."""
    return 1 if rules.sees_history_before_join else last_seq + 1


def unread(rules: TypeRules, last_seq: int, read_seq: int, first_visible: int) -> int:
    """Unread = last seq - read seq (nothing is written per member per message); none before the member joined."""
    if not rules.counts_unread:
        return 0
    return max(0, last_seq - max(read_seq, first_visible - 1))


@dataclass(frozen=True)
class GroupMessage:
    seq: int
    random: int
    time: int
    sender: str
    priority: str
    body: list[dict[str, Any]]
    cloud_custom_data: str = ""
    is_system: bool = False
    state: str = LIVE
    expires: int | None = None
    nick: str = ""  # the sender's nick and avatar when it was sent (a member's message; the App admin's: none)
    face: str = ""
    at_info: list[dict[str, Any]] = field(default_factory=list)  # GroupAtInfo: whom it mentions (domain/mentions)
    origin: int = 0  # a send's own or an import (domain/message_stream.py ORIGIN_*): the stream counts sends only

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now


def tip_body(op: str, operator: str, details: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A group tip as a message element: OpType, Operator_Account and what changed."""
    if op not in TIP_OPS:
        raise ValueError(f"unknown tip {op}")
    return [{"MsgType": TIP_ELEM, "MsgContent": {"OpType": op, "Operator_Account": operator, **details}}]


def row(group_id: str, msg: GroupMessage) -> dict[str, Any]:
    """A message as history returns it and as it is pushed (the same field names everywhere)."""
    out: dict[str, Any] = {
        "GroupId": group_id,
        "From_Account": msg.sender,
        "MsgSeq": msg.seq,
        "MsgRandom": msg.random,
        "MsgTimeStamp": msg.time,
        "MsgPriority": msg.priority,
        "IsSystemMsg": 1 if msg.is_system else 0,
        "IsPlaceMsg": 0,
        "MsgBody": msg.body,
    }
    if msg.cloud_custom_data:
        out["CloudCustomData"] = msg.cloud_custom_data
    if not msg.is_system:  # the FAQ's "message sender profile": as it was when sent, in history and pushes alike
        out["SenderProfile"] = {"Nick": msg.nick, "FaceUrl": msg.face}
    if msg.at_info:
        out["GroupAtInfo"] = msg.at_info
    return out


def placeholder(group_id: str, seq: int, kind: int, msg: GroupMessage | None = None) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "From_Account": msg.sender if msg else "",
        "MsgSeq": seq,
        "MsgRandom": msg.random if msg else 0,
        "MsgTimeStamp": msg.time if msg else 0,
        "MsgPriority": msg.priority if msg else NORMAL,
        "IsSystemMsg": 1 if msg and msg.is_system else 0,
        "IsPlaceMsg": kind,
        "MsgBody": [],
    }


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]] = field(default_factory=list)
    finished: int = FINISHED


def page_range(top: int, first_visible: int, count: int) -> tuple[int, int]:
    """The seqs one history page covers: `count` seqs from `top` down, never below the first visible one."""
    return max(first_visible, top - count + 1), top


def history_page(
    group_id: str,
    stored: Sequence[GroupMessage],
    *,
    top: int,
    bottom: int,
    first_visible: int,
    now: float,
    with_recalled: bool,
) -> Page:
    """Seqs `top` down to `bottom`, newest first (the caller read exactly that range).

    Deleted and expired messages (and seqs whose item DynamoDB already removed) come back as IsPlaceMsg 1 so the
    client sees the sequence is whole; recalled ones as IsPlaceMsg 2 when asked for, else they are left out.
    """
    by_seq = {m.seq: m for m in stored}
    rows: list[dict[str, Any]] = []
    for seq in range(top, bottom - 1, -1):
        msg = by_seq.get(seq)
        if msg is None or msg.expired(now) or msg.state == DELETED:
            rows.append(placeholder(group_id, seq, PLACE_DELETED, msg if msg and msg.state == DELETED else None))
        elif msg.state == RECALLED:
            if with_recalled:
                rows.append(placeholder(group_id, seq, PLACE_RECALLED, msg))
        else:
            rows.append(row(group_id, msg))
    return Page(rows, FINISHED if bottom <= first_visible else MORE)
