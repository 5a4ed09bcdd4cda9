"""The messages table's stream, as the statistics and the history export see it (pure rules, stdlib only).

A stored message arrives once per INSERT record of the stream (store/message_stream.py decodes the record);
this module says what it counts and what the export file holds:

- a C2C log entry (one per recipient) counts one C2CDownMsgNum; a send's own entry (not a batchsendmsg copy for
  its 2nd, 3rd... recipient, not an import) also one C2CUpMsgNum and marks its sender in C2CSendMsgUserNum;
- a group message a member or the admin sent (not a tip, not an import) counts one GroupUpMsgNum and marks its
  sender (GroupSendMsgUserNum) and its group (GroupSendMsgGroupNum). GroupDownMsgNum counts deliveries to online
  terminals, which no stored row shows: the fan-out keeps counting it (store/counters.py `later`);
- online-only messages are never stored, so they never reach the stream: the send path counts them (`later`).

Counts are per app per natural day in the app's timezone, of the message's own time (as the send path did).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.stats import day_of, zone

C2C = "C2C"
GROUP = "Group"
CHAT_TYPES = (C2C, GROUP)
# Where a stored message row came from (its `o` attribute; absent: a send's own row).
ORIGIN_SEND = 0
ORIGIN_COPY = 1  # batchsendmsg: the row of its 2nd, 3rd... recipient (one message up, one down per recipient)
ORIGIN_IMPORT = 2  # importmsg / import_group_msg: history, not traffic of the day


@dataclass(frozen=True)
class StreamedMessage:
    """One stored message from a stream record."""

    event_id: str  # the stream record's eventID (unique in the stream)
    sdkappid: int
    chat: str  # C2C or Group
    key: str  # the row's table key (pk + sk): the message's identity when an export de-duplicates
    sender: str
    target: str  # To_Account (C2C) or GroupId
    time: int  # MsgTimestamp (epoch s)
    msg_seq: int
    msg_random: int
    body: list[Any]
    cloud: str | None = None
    up: bool = True  # counts as an upstream message (a send's own row)
    down: bool = False  # counts as a downstream C2C message (one recipient's log entry)
    extra: Mapping[str, Any] = field(default_factory=dict)  # MsgKey (C2C), MsgPriority (group)

    def export(self) -> dict[str, Any]:
        """The message as one line of the hourly export file: Tencent's field names."""
        out: dict[str, Any] = {"ChatType": self.chat, "From_Account": self.sender}
        if self.chat == C2C:
            out["To_Account"] = self.target
        else:
            out["GroupId"] = self.target
        out |= {"MsgTimestamp": self.time, "MsgSeq": self.msg_seq, "MsgRandom": self.msg_random}
        out |= dict(self.extra)
        out["MsgBody"] = self.body
        if self.cloud:
            out["CloudCustomData"] = self.cloud
        return out


# The "once a day" sets the stream fills, by chat type: (metric, member of the message).
MARKS: dict[str, tuple[tuple[str, Callable[[StreamedMessage], str]], ...]] = {
    C2C: (("C2CSendMsgUserNum", lambda m: m.sender),),
    GROUP: (("GroupSendMsgUserNum", lambda m: m.sender), ("GroupSendMsgGroupNum", lambda m: m.target)),
}


@dataclass
class BatchCounts:
    """A stream batch's statistics: amounts per (app, day) and the first record naming each "once a day" member."""

    amounts: dict[tuple[int, str], Counter[str]] = field(default_factory=dict)
    # (app, day, metric, member) -> the eventID of the batch's first record that names it (the mark's owner)
    marks: dict[tuple[int, str, str, str], str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not any(self.amounts.values()) and not self.marks


def aggregate(messages: Iterable[StreamedMessage], timezone_of: Callable[[int], str]) -> BatchCounts:
    """Sum a batch's messages per app and day (records in stream order: the first naming a member owns its mark)."""
    out = BatchCounts()
    for m in messages:
        day = day_of(m.time, timezone_of(m.sdkappid))
        counts = out.amounts.setdefault((m.sdkappid, day), Counter())
        if m.chat == C2C:
            if m.down:
                counts["C2CDownMsgNum"] += 1
            if m.up:
                counts["C2CUpMsgNum"] += 1
        elif m.up:
            counts["GroupUpMsgNum"] += 1
        if m.up:
            for name, member in MARKS[m.chat]:
                out.marks.setdefault((m.sdkappid, day, name, member(m)), m.event_id)
    return out


def hour_of(ts: float, tz: str) -> str:
    """The hour (YYYYMMDDHH) of a timestamp in the app's timezone: get_history's MsgTime."""
    return datetime.fromtimestamp(ts, zone(tz)).strftime("%Y%m%d%H")


def hour_start(hour: str, tz: str) -> float:
    """The epoch second at which `hour` (YYYYMMDDHH, app timezone) begins; ValueError if malformed."""
    if len(hour) != 10 or not hour.isdigit():
        raise ValueError(f"not a YYYYMMDDHH hour: {hour!r}")
    return datetime.strptime(hour, "%Y%m%d%H").replace(tzinfo=zone(tz)).timestamp()


def by_hour(
    messages: Iterable[StreamedMessage], timezone_of: Callable[[int], str]
) -> dict[tuple[int, str, str], list[StreamedMessage]]:
    """A batch's messages per (app, chat type, hour): the chunks the export appends."""
    out: dict[tuple[int, str, str], list[StreamedMessage]] = {}
    for m in messages:
        out.setdefault((m.sdkappid, m.chat, hour_of(m.time, timezone_of(m.sdkappid))), []).append(m)
    return out
