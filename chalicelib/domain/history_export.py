"""Hourly history exports (open_msg_svc/get_history): the file's content and figures, the request's rules.

An app's messages of one hour (app timezone; Asia/Shanghai, Tencent's Beijing time, by default) and one chat type
(C2C or Group) become one gzipped file of JSON lines, one message per line with Tencent's field names
(ChatType, From_Account, To_Account or GroupId, MsgTimestamp, MsgSeq, MsgRandom, MsgKey or MsgPriority, MsgBody,
CloudCustomData), in time order. Chunks appended by the stream consumer may repeat a message (a retried batch):
identical lines are one message. Files live 7 days after their hour, as Tencent keeps them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors
from chalicelib.domain.message_stream import CHAT_TYPES, hour_start

KEEP_SECONDS = 7 * 86400  # a file is listed (and kept) for 7 days after its hour ends
SETTLE_SECONDS = 300  # an hour is assembled this long after it ends (the stream's lag)
URL_SECONDS = 6 * 3600  # a listed URL is valid this long (never past the file's own deadline)


@dataclass(frozen=True)
class ExportFile:
    sdkappid: int
    chat: str
    hour: str  # YYYYMMDDHH, app timezone
    key: str  # S3 key of the gzipped file
    file_size: int  # bytes before gzip
    file_md5: str
    gzip_size: int
    gzip_md5: str
    messages: int
    expires: int  # epoch s: the file is deleted (and no longer listed) then


def line(message: dict[str, Any]) -> str:
    """One export line (compact JSON, UTF-8 kept): the same message always gives the same line."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def assemble(lines: Iterable[str]) -> tuple[bytes, bytes, int]:
    """(file content, its gzip, message count): duplicate lines dropped, ordered by MsgTimestamp, then text."""
    unique = {text for text in lines if text}

    def order(text: str) -> tuple[int, str]:
        try:
            return int(json.loads(text).get("MsgTimestamp", 0)), text
        except ValueError:
            return 0, text

    ordered = sorted(unique, key=order)
    content = "".join(f"{text}\n" for text in ordered).encode("utf-8")
    return content, gzip.compress(content, mtime=0), len(ordered)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def parse_request(chat_type: Any, msg_time: Any, tz: str, now: float) -> tuple[str, str]:
    """get_history's ChatType ("C2C"/"Group") and MsgTime ("YYYYMMDDHH", an hour within the last 7 days)."""
    if chat_type not in CHAT_TYPES:
        raise errors.InvalidParam(f"ChatType must be one of {', '.join(CHAT_TYPES)}")
    if not isinstance(msg_time, str):
        raise errors.InvalidParam("MsgTime must be a string YYYYMMDDHH")
    try:
        start = hour_start(msg_time, tz)
    except ValueError as exc:
        raise errors.InvalidParam(f"MsgTime must be an hour YYYYMMDDHH: {exc}") from None
    if start > now:
        raise errors.InvalidParam("MsgTime is in the future")
    if start + 3600 + KEEP_SECONDS <= now:
        raise errors.InvalidParam("MsgTime is more than 7 days ago: its file is deleted")
    return str(chat_type), msg_time


def finished(hour: str, tz: str, now: float) -> bool:
    """Whether `hour` has ended (and settled) so its file can be assembled."""
    return hour_start(hour, tz) + 3600 + SETTLE_SECONDS <= now
