"""The messages stream's consumer (statistics and export chunks) and the hourly history export (get_history).

`MessageStreamService.consume` takes one batch of the messages table's stream (Lambda's DynamoDB event records,
in stream order): it appends each hour's new messages per app and chat type to a chunk in S3, then adds the
batch's message counts to the day's statistics exactly once (store/counters.py DynamoStreamCounts). A failure
raises: Lambda retries the batch (bisecting it), and neither the chunks (rewritten under the same key, or
de-duplicated when the hour is assembled) nor the counts (skipped when applied) double.

`HistoryExportService.run` (hourly) assembles every finished hour's chunks into one gzipped file with its sizes
and MD5s, records it, and deletes the chunks; chunks arriving late for an assembled hour are merged into its file
by a later run. `files` answers get_history with presigned URLs.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib import logs
from chalicelib.domain import history_export as rules
from chalicelib.domain.apps import DELETED, App
from chalicelib.domain.clock import Clock
from chalicelib.domain.history_export import ExportFile
from chalicelib.domain.message_stream import CHAT_TYPES, StreamedMessage, aggregate, by_hour, hour_start
from chalicelib.domain.stats import zone
from chalicelib.services.apps import AppService

log = logging.getLogger("yuntong.exports")

DEFAULT_TZ = "Asia/Shanghai"


class StreamCounts(Protocol):
    def apply(
        self,
        first: str,
        last: str,
        amounts: Mapping[tuple[int, str], Mapping[str, int]],
        marks: Mapping[tuple[int, str, str, str], str],
    ) -> bool: ...


class ExportBlobs(Protocol):
    def put_chunk(self, sdkappid: int, chat: str, hour: str, event_id: str, text: str) -> None: ...
    def pending_hours(self, sdkappid: int, chat: str) -> list[str]: ...
    def chunks(self, sdkappid: int, chat: str, hour: str) -> list[str]: ...
    def read_text(self, key: str) -> str: ...
    def read(self, key: str) -> bytes | None: ...
    def file_key(self, sdkappid: int, chat: str, hour: str) -> str: ...
    def put_file(self, key: str, data: bytes) -> None: ...
    def delete(self, keys: list[str]) -> None: ...
    def url(self, key: str, seconds: int) -> str: ...


class ExportRepo(Protocol):
    def get(self, sdkappid: int, chat: str, hour: str) -> ExportFile | None: ...
    def put(self, export: ExportFile) -> None: ...


Decoder = Callable[[Iterable[Mapping[str, Any]]], list[StreamedMessage]]


class _Zones:
    """Each app's timezone, looked up once per batch (a deleted or unknown app keeps the default)."""

    def __init__(self, apps: AppService) -> None:
        self._apps = apps
        self._known: dict[int, str] = {}

    def __call__(self, sdkappid: int) -> str:
        if sdkappid not in self._known:
            try:
                self._known[sdkappid] = self._apps.get(sdkappid).config.timezone
            except Exception:  # noqa: BLE001 — a message of an app gone since still counts and exports
                self._known[sdkappid] = DEFAULT_TZ
        return self._known[sdkappid]


class MessageStreamService:
    def __init__(
        self, apps: AppService, decode: Decoder, counts: StreamCounts, blobs: ExportBlobs, *, exports: bool = True
    ) -> None:
        self._apps = apps
        self._decode = decode
        self._counts = counts
        self._blobs = blobs
        self.exports = exports  # chunks for the hourly export (off where the stack has no bucket)

    def consume(self, records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """One stream batch; returns what it did (messages, chunks written, counted: 1 or 0)."""
        messages = self._decode(records)
        if not messages:
            return {"messages": 0, "chunks": 0, "counted": 0}
        zones = _Zones(self._apps)
        chunks = 0
        if self.exports:
            for (sdkappid, chat, hour), found in sorted(by_hour(messages, zones).items()):
                text = "".join(rules.line(m.export()) + "\n" for m in found)
                self._blobs.put_chunk(sdkappid, chat, hour, found[0].event_id, text)
                chunks += 1
        counts = aggregate(messages, zones)
        first, last = str(records[0].get("eventID")), str(records[-1].get("eventID"))
        counted = self._counts.apply(first, last, counts.amounts, counts.marks) if not counts.empty() else False
        return {"messages": len(messages), "chunks": chunks, "counted": int(counted)}


class HistoryExportService:
    def __init__(self, apps: AppService, blobs: ExportBlobs, repo: ExportRepo, clock: Clock) -> None:
        self._apps = apps
        self._blobs = blobs
        self._repo = repo
        self._clock = clock

    def assemble(self, app: App, chat: str, hour: str) -> ExportFile | None:
        """Merge the hour's chunks (and its file, if assembled before) into its file; None if it has no chunks."""
        keys = self._blobs.chunks(app.sdkappid, chat, hour)
        if not keys:
            return None
        lines: list[str] = []
        previous = self._repo.get(app.sdkappid, chat, hour)
        if previous is not None:
            old = self._blobs.read(previous.key)
            if old is not None:
                lines.extend(gzip.decompress(old).decode("utf-8").splitlines())
        for key in keys:
            lines.extend(self._blobs.read_text(key).splitlines())
        content, packed, count = rules.assemble(lines)
        key = self._blobs.file_key(app.sdkappid, chat, hour)
        self._blobs.put_file(key, packed)
        end = int(hour_start(hour, app.config.timezone)) + 3600
        export = ExportFile(
            sdkappid=app.sdkappid,
            chat=chat,
            hour=hour,
            key=key,
            file_size=len(content),
            file_md5=rules.md5(content),
            gzip_size=len(packed),
            gzip_md5=rules.md5(packed),
            messages=count,
            expires=end + rules.KEEP_SECONDS,
        )
        self._repo.put(export)
        self._blobs.delete(keys)  # only the chunks read: one written meanwhile is merged by the next run
        return export

    def run(self, *, unfinished: bool = False) -> list[ExportFile]:
        """The hourly job: every app's finished hours with chunks (`unfinished`: the current hour too, for the
        local stack's `yuntong history-export run --now`)."""
        now = self._clock.now()
        done: list[ExportFile] = []
        for app in self._apps.all():
            if app.status == DELETED:
                continue
            for chat in CHAT_TYPES:
                for hour in self._blobs.pending_hours(app.sdkappid, chat):
                    if not unfinished and not rules.finished(hour, app.config.timezone, now):
                        continue
                    export = self.assemble(app, chat, hour)
                    if export is not None:
                        done.append(export)
                        logs.event(
                            log,
                            logging.INFO,
                            "history export assembled",
                            app_log_level=app.config.log_level,
                            sdkappid=app.sdkappid,
                            chat=chat,
                            hour=hour,
                            messages=export.messages,
                        )
        return done

    def files(self, app: App, chat_type: Any, msg_time: Any) -> list[dict[str, Any]]:
        """get_history: the hour's file (none yet, or no message that hour: an empty list)."""
        now = self._clock.now()
        chat, hour = rules.parse_request(chat_type, msg_time, app.config.timezone, now)
        export = self._repo.get(app.sdkappid, chat, hour)
        if export is None:
            return []
        seconds = max(1, min(rules.URL_SECONDS, int(export.expires - now)))
        expire = datetime.fromtimestamp(int(now) + seconds, zone(app.config.timezone)).strftime("%Y-%m-%d %H:%M:%S")
        return [
            {
                "URL": self._blobs.url(export.key, seconds),
                "ExpireTime": expire,
                "FileSize": export.file_size,
                "FileMD5": export.file_md5,
                "GzipSize": export.gzip_size,
                "GzipMD5": export.gzip_md5,
            }
        ]
