"""The messages table's stream on moto: exact statistics (retries and bisected batches never double count) and the
hourly history export (chunks → one gzipped file per app, chat type and hour, listed by get_history)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from typing import Any

import boto3
import pytest

from chalicelib.domain.message_stream import hour_of
from chalicelib.domain.stats import day_of
from tests import group_builders as gb


@pytest.fixture
def tenant(svc: Any, clock: Any) -> Any:
    """An app of this module's own: a message another test's leftover thread stores late under the default app is
    not counted here (one such extra group message was seen once in CI under worksteal, and never reproduced alone)."""
    from tests.builders import make_tenant

    return make_tenant(svc, clock, sdkappid=1400000777)


def _c2c(api: Any, sender: str, to: str, i: int, text: str = "hi") -> None:
    api.ok("openim/sendmsg", {"From_Account": sender, "To_Account": to, "MsgRandom": i, "MsgBody": gb.text(text)})


def _figures(svc: Any, tenant: Any, clock: Any) -> dict[str, int]:
    app = svc.apps.get(tenant.sdkappid)
    figures: dict[str, int] = svc.metrics.day(tenant.sdkappid, day_of(clock.now(), app.config.timezone))
    return figures


# The check is "exact after 1,000 sends"; through the REST handler on moto that is ~2 minutes of the suite on
# two cores, so the suite sends a quarter of it in the same mix (several stream batches, every metric, replays):
# set YUNTONG_STREAM_SENDS=1000 to run the full count.
SENDS = int(os.environ.get("YUNTONG_STREAM_SENDS", "250"))
C2C_SENDS = SENDS * 7 // 10
GROUP_SENDS = SENDS - C2C_SENDS


@pytest.mark.timeout(max(120, SENDS // 2))
def test_counts_are_exact_after_many_sends_and_replays_count_nothing(api, svc, tenant, clock, stream):
    gb.accounts(api, "alice", "bob", "carol", "dave")
    gid = gb.create(api, "Public", "alice", ("bob", "carol"))
    for i in range(C2C_SENDS):
        _c2c(api, ("alice", "bob", "carol")[i % 3], "dave", i + 1)
        if i % 50 == 49:
            clock.advance(1)  # the app's REST rate limit is per second
    for i in range(GROUP_SENDS):
        gb.send(api, gid, f"g{i}", sender=("alice", "bob")[i % 2])
        if i % 30 == 29:
            clock.advance(1)  # and a group's 40 messages a second
    assert stream.drain() >= SENDS
    expected = {
        "C2CUpMsgNum": C2C_SENDS,
        "C2CDownMsgNum": C2C_SENDS,
        "C2CSendMsgUserNum": 3,
        "GroupUpMsgNum": GROUP_SENDS,
        "GroupSendMsgUserNum": 2,
        "GroupSendMsgGroupNum": 1,
    }
    figures = _figures(svc, tenant, clock)
    assert {k: figures.get(k) for k in expected} == expected

    # Lambda retries a failed batch as it was, or bisected: nothing is counted twice
    for batch in stream.batches:
        svc.message_stream.consume(batch)
        half = len(batch) // 2
        if half:
            svc.message_stream.consume(batch[:half])
            svc.message_stream.consume(batch[half:])
    figures = _figures(svc, tenant, clock)
    assert {k: figures.get(k) for k in expected} == expected

    # the daily job finalises the day; getappinfo serves it
    clock.advance(86400)
    svc.stats.run()
    fields = ["C2CUpMsgNum", "C2CDownMsgNum", "GroupUpMsgNum", "UpMsgNum", "SendMsgUserNum", "GroupSendMsgGroupNum"]
    [day] = api.ok("openconfigsvr/getappinfo", {"RequestField": fields})["Result"]
    assert {f: day[f] for f in fields} == {
        "C2CUpMsgNum": str(C2C_SENDS),
        "C2CDownMsgNum": str(C2C_SENDS),
        "GroupUpMsgNum": str(GROUP_SENDS),
        "UpMsgNum": str(SENDS),
        "SendMsgUserNum": "3",
        "GroupSendMsgGroupNum": "1",
    }


def test_a_batch_that_failed_before_counting_is_counted_once_by_its_halves(api, svc, tenant, clock, stream):
    gb.accounts(api, "alice", "bob", "carol")
    for i in range(10):
        _c2c(api, ("alice", "bob")[i % 2], "carol", i + 1)
    records: list[dict[str, Any]] = []
    stream.drain(records.extend)  # read, not consumed: as if the whole batch's invocation had failed
    svc.message_stream.consume(records[:5])  # Lambda bisects it: each half once
    svc.message_stream.consume(records[5:])
    svc.message_stream.consume(records[5:])  # a retry of the second half
    figures = _figures(svc, tenant, clock)
    assert (figures["C2CUpMsgNum"], figures["C2CDownMsgNum"], figures["C2CSendMsgUserNum"]) == (10, 10, 2)


def test_batch_copies_imports_and_online_only_messages(api, svc, tenant, clock, stream):
    gb.accounts(api, "alice", "bob", "carol")
    gid = gb.create(api, "Public", "alice", ("bob",))
    api.ok(
        "openim/batchsendmsg",
        {"From_Account": "alice", "To_Account": ["bob", "carol"], "MsgRandom": 1, "MsgBody": gb.text("all")},
    )
    api.ok(  # imported history is not the day's traffic
        "openim/importmsg",
        {
            "SyncFromOldSystem": 1,
            "From_Account": "bob",
            "To_Account": "carol",
            "MsgRandom": 2,
            "MsgTimeStamp": int(clock.now()) - 60,
            "MsgBody": gb.text("old"),
        },
    )
    _c2c(api, "carol", "alice", 3)
    api.ok(  # online-only: never stored, counted by the send path
        "openim/sendmsg",
        {"From_Account": "bob", "To_Account": "alice", "MsgRandom": 4, "MsgLifeTime": 0, "MsgBody": gb.text("x")},
    )
    gb.send(api, gid, "hello", sender="bob")
    gb.send(api, gid, "online", sender="alice", OnlineOnlyFlag=1)
    stream.drain()
    figures = _figures(svc, tenant, clock)
    assert (figures["C2CUpMsgNum"], figures["C2CDownMsgNum"], figures["C2CSendMsgUserNum"]) == (3, 4, 3)
    assert (figures["GroupUpMsgNum"], figures["GroupSendMsgUserNum"], figures["GroupSendMsgGroupNum"]) == (2, 2, 1)


def test_the_past_hours_export_is_listed_with_its_sizes_and_md5s(api, svc, tenant, clock, stream):
    gb.accounts(api, "alice", "bob")
    gid = gb.create(api, "Public", "alice", ("bob",))
    _c2c(api, "alice", "bob", 1, "你好 export")
    gb.send(api, gid, "group export", sender="bob")
    stream.drain()
    stream.drain()  # nothing new: no chunk, no count
    app = svc.apps.get(tenant.sdkappid)
    hour = hour_of(clock.now(), app.config.timezone)
    assert svc.history_export.run() == []  # the hour has not ended
    clock.advance(3600 + 600)
    files = svc.history_export.run()
    assert sorted((f.chat, f.hour, f.messages) for f in files) == [("C2C", hour, 1), ("Group", hour, 1)]

    out = api.ok("open_msg_svc/get_history", {"ChatType": "C2C", "MsgTime": hour})
    [listed] = out["File"]
    assert set(listed) == {"URL", "ExpireTime", "FileSize", "FileMD5", "GzipSize", "GzipMD5"}
    s3 = boto3.client("s3", region_name=svc.settings.region)
    [c2c] = [f for f in files if f.chat == "C2C"]
    packed = s3.get_object(Bucket=svc.settings.bucket, Key=c2c.key)["Body"].read()
    content = gzip.decompress(packed)
    assert (listed["GzipSize"], listed["GzipMD5"]) == (len(packed), hashlib.md5(packed).hexdigest())
    assert (listed["FileSize"], listed["FileMD5"]) == (len(content), hashlib.md5(content).hexdigest())
    [line] = [json.loads(text) for text in content.decode().splitlines()]
    assert line["From_Account"] == "alice" and line["To_Account"] == "bob" and line["MsgRandom"] == 1
    assert line["MsgBody"] == gb.text("你好 export") and line["ChatType"] == "C2C"
    group = api.ok("open_msg_svc/get_history", {"ChatType": "Group", "MsgTime": hour})["File"]
    assert len(group) == 1

    # a retried batch's chunk for an assembled hour is merged, not repeated
    for batch in stream.batches:
        svc.message_stream.consume(batch)
    again = svc.history_export.run()
    assert sorted((f.chat, f.messages) for f in again) == [("C2C", 1), ("Group", 1)]
    assert svc.history_export.run() == []  # nothing pending

    # an hour without messages lists no file
    assert (
        api.ok("open_msg_svc/get_history", {"ChatType": "C2C", "MsgTime": hour_of(clock.now(), "Asia/Shanghai")})[
            "File"
        ]
        == []
    )
