"""The messages stream's rules, pure: which records are messages, what a batch counts, how an hour's export file is
assembled (duplicates dropped, time order, sizes and MD5s), get_history's request rules."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib
from typing import Any

import pytest

from chalicelib.domain import errors
from chalicelib.domain import history_export as rules
from chalicelib.domain.message_stream import C2C, GROUP, StreamedMessage, aggregate, by_hour, hour_of, hour_start
from chalicelib.store.message_stream import decode, decode_all

T = 1_700_000_000  # 2023-11-15 06:13:20 in Asia/Shanghai


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _n(v: int) -> dict[str, str]:
    return {"N": str(v)}


def record(image: dict[str, Any], event: str = "INSERT", event_id: str = "e1") -> dict[str, Any]:
    return {"eventID": event_id, "eventName": event, "dynamodb": {"NewImage": image, "SequenceNumber": "1"}}


def c2c_row(
    sender: str = "alice", to: str = "bob", origin: int = 0, sk: str | None = None, **extra: Any
) -> dict[str, Any]:
    row = {
        "pk": _s("1400000001#C2C#5#alice#bob"),
        "sk": _s(sk or f"{T:010}#{1:012}"),
        "k": _s("msg"),
        "s": _n(1),
        "f": _s(sender),
        "t": _s(to),
        "q": _n(7),
        "r": _n(99),
        "m": _n(T),
        "b": _s('[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]'),
        **extra,
    }
    if origin:
        row["o"] = _n(origin)
    return row


def group_row(seq: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "pk": _s("1400000001#GM#@TGS#abc#inc1"),
        "sk": _s(f"{seq:010}"),
        "seq": _n(seq),
        "random": _n(5),
        "time": _n(T),
        "sender": _s("alice"),
        "priority": _s("Normal"),
        "body": _s('[{"MsgType":"TIMTextElem","MsgContent":{"Text":"g"}}]'),
        **extra,
    }


def test_a_c2c_send_is_one_message_up_and_down_with_tencents_export_fields():
    m = decode(record(c2c_row()))
    assert m is not None and (m.chat, m.up, m.down, m.sdkappid) == (C2C, True, True, 1400000001)
    assert m.export() == {
        "ChatType": "C2C",
        "From_Account": "alice",
        "To_Account": "bob",
        "MsgTimestamp": T,
        "MsgSeq": 7,
        "MsgRandom": 99,
        "MsgKey": f"7_99_{T}",
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
    }


def test_batch_copies_count_down_only_and_imports_nothing():
    copy, imported = decode(record(c2c_row(origin=1))), decode(record(c2c_row(origin=2)))
    assert copy is not None and (copy.up, copy.down) == (False, True)
    assert imported is not None and (imported.up, imported.down) == (False, False)


def test_a_compressed_body_and_a_group_message_decode():
    text = json.dumps([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 600}}])
    packed = base64.b64encode(zlib.compress(text.encode())).decode()  # Lambda's JSON carries binary as base64
    m = decode(record(c2c_row(b={"NULL": True}, z={"B": packed})))
    assert m is not None and m.body[0]["MsgContent"]["Text"] == "x" * 600
    g = decode(record(group_row()))
    assert g is not None and (g.chat, g.target, g.msg_seq, g.up) == (GROUP, "@TGS#abc", 3, True)
    assert g.export()["GroupId"] == "@TGS#abc" and g.export()["MsgPriority"] == "Normal"


@pytest.mark.parametrize(
    "rec",
    [
        record(c2c_row(), event="MODIFY"),  # a recall or edit rewrites the row
        record(c2c_row(), event="REMOVE"),
        record(c2c_row(sk=f"E{T:010}#{2:012}")),  # the recall/edit entry
        record(c2c_row(sk=f"{T:010}#i7_99_{T}#alice")),  # imported history
        record(c2c_row(k=_s("void"))),
        record(group_row(system=_n(1))),  # a tip
        record(group_row() | {"sk": _s("SEQ")}),  # the watermark
        record(group_row() | {"sk": _s("R#alice#5")}),  # a de-duplication claim
        record({"pk": _s("1400000001#DAY#20231115"), "sk": _s("STATS")}),
    ],
)
def test_records_that_are_not_stored_messages_decode_to_nothing(rec):
    assert decode(rec) is None


def _msg(chat: str, sender: str, target: str, t: int = T, up: bool = True, down: bool = True, eid: str = "e"):
    return StreamedMessage(eid, 1400000001, chat, f"{sender}{target}{t}", sender, target, t, 1, 1, [], up=up, down=down)


def test_a_batch_sums_per_app_day_and_the_first_record_naming_a_member_owns_its_mark():
    batch = [
        _msg(C2C, "alice", "bob", eid="e1"),
        _msg(C2C, "alice", "carol", up=False, eid="e2"),  # a batch copy
        _msg(C2C, "bob", "alice", eid="e3"),
        _msg(GROUP, "alice", "g1", down=False, eid="e4"),
        _msg(GROUP, "bob", "g1", down=False, eid="e5"),
        _msg(C2C, "alice", "bob", t=T + 86400, eid="e6"),  # the next day
    ]
    counts = aggregate(batch, lambda sdkappid: "Asia/Shanghai")
    today, tomorrow = (1400000001, "20231115"), (1400000001, "20231116")
    assert dict(counts.amounts[today]) == {"C2CDownMsgNum": 3, "C2CUpMsgNum": 2, "GroupUpMsgNum": 2}
    assert dict(counts.amounts[tomorrow]) == {"C2CDownMsgNum": 1, "C2CUpMsgNum": 1}
    assert counts.marks[(*today, "C2CSendMsgUserNum", "alice")] == "e1"
    assert counts.marks[(*today, "C2CSendMsgUserNum", "bob")] == "e3"
    assert counts.marks[(*today, "GroupSendMsgGroupNum", "g1")] == "e4"
    assert counts.marks[(*tomorrow, "C2CSendMsgUserNum", "alice")] == "e6"
    assert (*today, "C2CSendMsgUserNum", "carol") not in counts.marks


def test_messages_go_to_their_hour_in_the_apps_timezone():
    assert hour_of(T, "Asia/Shanghai") == "2023111506" and hour_of(T, "UTC") == "2023111422"
    assert hour_start("2023111506", "Asia/Shanghai") == T - 13 * 60 - 20
    hours = by_hour([_msg(C2C, "a", "b"), _msg(GROUP, "a", "g"), _msg(C2C, "a", "b", t=T + 3600)], lambda _: "UTC")
    assert sorted((chat, hour, len(ms)) for (_, chat, hour), ms in hours.items()) == [
        ("C2C", "2023111422", 1),
        ("C2C", "2023111423", 1),
        ("Group", "2023111422", 1),
    ]


def test_an_hours_file_drops_repeated_lines_orders_by_time_and_gives_its_sizes_and_md5s():
    late = rules.line({"MsgTimestamp": T + 5, "MsgBody": []})
    early = rules.line({"MsgTimestamp": T, "MsgBody": ["你好"]})
    content, packed, count = rules.assemble([late, early, late, ""])
    assert count == 2 and content == f"{early}\n{late}\n".encode()
    assert gzip.decompress(packed) == content
    assert rules.md5(packed) == hashlib.md5(packed).hexdigest()
    assert rules.assemble([late, early])[1] == packed  # no timestamp in the gzip header: the same bytes each time


@pytest.mark.parametrize(
    ("chat", "hour"),
    [("c2c", "2023111506"), (None, "2023111506"), ("C2C", 2023111506), ("C2C", "20231115"), ("C2C", "2023111525")],
)
def test_get_history_refuses_a_bad_chat_type_or_hour(chat, hour):
    with pytest.raises(errors.DomainError) as err:
        rules.parse_request(chat, hour, "Asia/Shanghai", T)
    assert err.value.error_code == 70402


def test_get_history_takes_the_last_7_days_only():
    assert rules.parse_request("Group", "2023111506", "Asia/Shanghai", T) == ("Group", "2023111506")
    assert rules.parse_request("C2C", "2023110807", "Asia/Shanghai", T)[1] == "2023110807"
    for hour in ("2023111507", "2023110805"):  # the future; more than 7 days ago
        with pytest.raises(errors.DomainError):
            rules.parse_request("C2C", hour, "Asia/Shanghai", T)
    assert not rules.finished("2023111506", "Asia/Shanghai", T)
    assert rules.finished("2023111505", "Asia/Shanghai", T)


def test_decode_all_keeps_stream_order():
    got = decode_all([record(c2c_row(), event_id="a"), record(group_row(), event_id="b"), record({}, event_id="c")])
    assert [m.event_id for m in got] == ["a", "b"]
