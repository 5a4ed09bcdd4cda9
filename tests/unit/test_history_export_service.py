"""MessageStreamService and HistoryExportService on fakes: a batch writes one chunk per app, chat type and hour
before its counts (a failed count raises, so Lambda retries the batch and the chunk is rewritten under the same
key), the hourly job assembles only finished hours and merges late chunks, get_history lists the file."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from typing import Any

import pytest

from chalicelib.domain.apps import App
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.history_export import ExportFile
from chalicelib.domain.message_stream import C2C, GROUP, StreamedMessage
from chalicelib.services.apps import AppService
from chalicelib.services.history_export import HistoryExportService, MessageStreamService

T = 1_700_000_000  # 2023-11-15 06:13:20 Asia/Shanghai
APP = 1400000001


class Apps:
    def __init__(self) -> None:
        self.apps: dict[int, App] = {}

    def get(self, sdkappid: int) -> App | None:
        return self.apps.get(sdkappid)

    def create(self, app: App) -> None:
        self.apps[app.sdkappid] = app

    def save(self, app: App) -> None:
        self.apps[app.sdkappid] = app

    def list(self) -> list[App]:
        return list(self.apps.values())

    def purge(self, sdkappid: int) -> None:
        self.apps.pop(sdkappid, None)


class Blobs:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_chunk(self, sdkappid: int, chat: str, hour: str, event_id: str, text: str) -> None:
        self.objects[f"chunks/{sdkappid}/{chat}/{hour}/{event_id}"] = text.encode()

    def pending_hours(self, sdkappid: int, chat: str) -> list[str]:
        prefix = f"chunks/{sdkappid}/{chat}/"
        return sorted({k[len(prefix) :].split("/")[0] for k in self.objects if k.startswith(prefix)})

    def chunks(self, sdkappid: int, chat: str, hour: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(f"chunks/{sdkappid}/{chat}/{hour}/"))

    def read_text(self, key: str) -> str:
        return self.objects[key].decode()

    def read(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def file_key(self, sdkappid: int, chat: str, hour: str) -> str:
        return f"files/{sdkappid}/{chat}/{hour}.gz"

    def put_file(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    def url(self, key: str, seconds: int) -> str:
        return f"https://bucket/{key}?expires={seconds}"


class Repo:
    def __init__(self) -> None:
        self.files: dict[tuple[int, str, str], ExportFile] = {}

    def get(self, sdkappid: int, chat: str, hour: str) -> ExportFile | None:
        return self.files.get((sdkappid, chat, hour))

    def put(self, export: ExportFile) -> None:
        self.files[(export.sdkappid, export.chat, export.hour)] = export


class Counts:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.applied: list[tuple[str, str, dict[tuple[int, str], dict[str, int]]]] = []

    def apply(
        self,
        first: str,
        last: str,
        amounts: Mapping[tuple[int, str], Mapping[str, int]],
        marks: Mapping[tuple[int, str, str, str], str],
    ) -> bool:
        if self.fail:
            raise RuntimeError("throttled")
        self.applied.append((first, last, {k: dict(v) for k, v in amounts.items()}))
        return True


def _msg(record: Mapping[str, Any]) -> StreamedMessage:
    chat, sender, target, t = record["m"]
    return StreamedMessage(record["eventID"], APP, chat, f"{sender}{target}{t}", sender, target, t, 1, 2, ["x"])


def decode(records: Any) -> list[StreamedMessage]:
    return [_msg(r) for r in records if "m" in r]


def rec(event_id: str, chat: str = C2C, sender: str = "alice", target: str = "bob", t: int = T) -> dict[str, Any]:
    return {"eventID": event_id, "m": (chat, sender, target, t)}


@pytest.fixture
def world() -> tuple[FixedClock, AppService, Blobs, Repo]:
    clock = FixedClock(T)
    apps = AppService(Apps(), clock)
    apps.create(APP, "demo", ["admin"])
    return clock, apps, Blobs(), Repo()


def test_a_batch_writes_one_chunk_per_app_chat_and_hour_then_counts_once(world):
    _, apps, blobs, _ = world
    counts = Counts()
    svc = MessageStreamService(apps, decode, counts, blobs)
    done = svc.consume([rec("e1"), {"eventID": "e2"}, rec("e3", GROUP, target="g1"), rec("e4", t=T + 3600)])
    assert done == {"messages": 3, "chunks": 3, "counted": 1}
    assert sorted(blobs.objects) == [
        f"chunks/{APP}/C2C/2023111506/e1",
        f"chunks/{APP}/C2C/2023111507/e4",
        f"chunks/{APP}/Group/2023111506/e3",
    ]
    [(first, last, amounts)] = counts.applied
    assert (first, last) == ("e1", "e4")
    assert amounts == {(APP, "20231115"): {"C2CUpMsgNum": 2, "GroupUpMsgNum": 1}}


def test_a_failed_count_raises_and_the_retry_rewrites_the_same_chunk(world):
    _, apps, blobs, _ = world
    svc = MessageStreamService(apps, decode, Counts(fail=True), blobs)
    with pytest.raises(RuntimeError):
        svc.consume([rec("e1"), rec("e2", sender="carol")])
    svc._counts = Counts()  # the retry succeeds
    svc.consume([rec("e1"), rec("e2", sender="carol")])
    assert list(blobs.objects) == [f"chunks/{APP}/C2C/2023111506/e1"]


def test_the_job_assembles_finished_hours_merges_late_chunks_and_get_history_lists_the_file(world):
    clock, apps, blobs, repo = world
    stream = MessageStreamService(apps, decode, Counts(), blobs)
    job = HistoryExportService(apps, blobs, repo, clock)
    stream.consume([rec("e1"), rec("e2", sender="carol")])
    stream.consume([rec("e2", sender="carol")])  # a bisected retry: its line again, in another chunk
    assert job.run() == [] and job.run(unfinished=True) != []  # the hour is not over (the dev trigger takes it)
    clock.t = T + 3600
    stream.consume([rec("e9", sender="dave")])  # late for the assembled hour
    clock.t = T + 2 * 3600
    [export] = job.run()
    lines = [json.loads(line) for line in gzip.decompress(blobs.objects[export.key]).decode().splitlines()]
    assert sorted(m["From_Account"] for m in lines) == ["alice", "carol", "dave"] and export.messages == 3
    assert not blobs.chunks(APP, C2C, "2023111506") and job.run() == []
    app = apps.get(APP)
    [listed] = job.files(app, "C2C", "2023111506")
    assert listed["URL"].endswith(f"{export.key}?expires={6 * 3600}")
    assert (listed["FileSize"], listed["GzipSize"]) == (export.file_size, export.gzip_size)
    assert listed["ExpireTime"] == "2023-11-15 14:13:20"  # now + 6 h, in the app's timezone
    assert job.files(app, "Group", "2023111506") == []
