"""Decoding the messages table's stream records (Lambda's DynamoDB event shape) into stored messages.

Only INSERT records of message rows become messages: a C2C log entry (`{app}#C2C#...`, sort key `{time}#{seq}`,
kind `msg`) and a group message (`{app}#GM#{gid}#{inc}`, sort key = the zero-padded MsgSeq). Recalls, edits and
voids (`E...`), imported history (`...#i...`), the group's watermark and de-duplication claims, MODIFY records
(a recall or edit rewrites the row) and REMOVE records (TTL, deletions) are none.

The attribute names are the row models' (store/c2c.py MessageModel, store/group_messages.py GroupMsgModel); `o`
says where a row came from: absent for a send's own row, ORIGIN_COPY for a batchsendmsg's row of its 2nd, 3rd...
recipient, ORIGIN_IMPORT for importmsg / import_group_msg.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.domain.message_stream import C2C, GROUP, ORIGIN_COPY, ORIGIN_SEND, StreamedMessage


def _value(attr: Mapping[str, Any]) -> Any:
    if "S" in attr:
        return attr["S"]
    if "N" in attr:
        return int(attr["N"]) if attr["N"].lstrip("-").isdigit() else float(attr["N"])
    if "B" in attr:
        raw = attr["B"]
        return raw if isinstance(raw, bytes | bytearray) else base64.b64decode(raw)
    if "BOOL" in attr:
        return bool(attr["BOOL"])
    if "SS" in attr:
        return set(attr["SS"])
    if "NULL" in attr:
        return None
    return None  # lists and maps: no message field the stream reads is one


def image(record: Mapping[str, Any]) -> dict[str, Any]:
    new = (record.get("dynamodb") or {}).get("NewImage") or {}
    return {name: _value(attr) for name, attr in new.items()}


def _body(item: Mapping[str, Any]) -> list[Any]:
    packed = item.get("z")
    text = zlib.decompress(packed).decode("utf-8") if isinstance(packed, bytes | bytearray) else item.get("b")
    body = json.loads(text or "[]")
    return body if isinstance(body, list) else []


def _c2c(event_id: str, sdkappid: int, item: Mapping[str, Any]) -> StreamedMessage | None:
    sk = str(item["sk"])
    if not sk[:1].isdigit() or "#i" in sk or item.get("k") != "msg" or "s" not in item:
        return None
    origin = int(item.get("o") or 0)
    time, seq, random = int(item["m"]), int(item["q"]), int(item["r"])
    return StreamedMessage(
        event_id=event_id,
        sdkappid=sdkappid,
        chat=C2C,
        key=f"{item['pk']}|{sk}",
        sender=str(item["f"]),
        target=str(item["t"]),
        time=time,
        msg_seq=seq,
        msg_random=random,
        body=_body(item),
        cloud=item.get("c"),
        up=origin == ORIGIN_SEND,
        down=origin in (ORIGIN_SEND, ORIGIN_COPY),
        extra={"MsgKey": f"{seq}_{random}_{time}"},
    )


def _group(event_id: str, sdkappid: int, pk: str, item: Mapping[str, Any]) -> StreamedMessage | None:
    sk = str(item["sk"])
    if not sk.isdigit() or item.get("system") or "sender" not in item:
        return None
    group_id = pk.split("#GM#", 1)[1].rsplit("#", 1)[0]
    body = item.get("body")
    packed = item.get("z")
    text = zlib.decompress(packed).decode("utf-8") if isinstance(packed, bytes | bytearray) else body
    return StreamedMessage(
        event_id=event_id,
        sdkappid=sdkappid,
        chat=GROUP,
        key=f"{pk}|{sk}",
        sender=str(item["sender"]),
        target=group_id,
        time=int(item["time"]),
        msg_seq=int(item["seq"]),
        msg_random=int(item["random"]),
        body=json.loads(text or "[]"),
        cloud=item.get("ccd"),
        up=int(item.get("o") or 0) == ORIGIN_SEND,
        extra={"MsgPriority": str(item.get("priority") or "")},
    )


def decode(record: Mapping[str, Any]) -> StreamedMessage | None:
    """The stored message an INSERT record carries; None for every other record."""
    if record.get("eventName") != "INSERT":
        return None
    item = image(record)
    pk = str(item.get("pk") or "")
    head, _, rest = pk.partition("#")
    if not head.isdigit() or "sk" not in item:
        return None
    event_id = str(record.get("eventID") or "")
    if rest.startswith("C2C#"):
        return _c2c(event_id, int(head), item)
    if rest.startswith("GM#"):
        return _group(event_id, int(head), pk, item)
    return None


def decode_all(records: Iterable[Mapping[str, Any]]) -> list[StreamedMessage]:
    return [m for m in map(decode, records) if m is not None]
