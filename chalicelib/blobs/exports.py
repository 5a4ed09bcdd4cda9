"""History export objects in the media bucket, under `exports/` (S3's lifecycle deletes them after 8 days):

- `exports/chunks/{app}/{C2C|Group}/{YYYYMMDDHH}/{eventID}.jsonl`: what one stream batch appended to an hour (its
  key is the batch's first record for that hour, so a retried batch rewrites its own chunk);
- `exports/files/{app}/{C2C|Group}/{YYYYMMDDHH}.gz`: the hour's assembled file.
"""

from __future__ import annotations

from typing import Any

from chalicelib.blobs.s3 import S3Blobs

PREFIX = "exports/"


def chunk_prefix(sdkappid: int, chat: str, hour: str | None = None) -> str:
    base = f"{PREFIX}chunks/{sdkappid}/{chat}/"
    return base if hour is None else f"{base}{hour}/"


def chunk_key(sdkappid: int, chat: str, hour: str, event_id: str) -> str:
    return f"{chunk_prefix(sdkappid, chat, hour)}{event_id}.jsonl"


def file_key(sdkappid: int, chat: str, hour: str) -> str:
    return f"{PREFIX}files/{sdkappid}/{chat}/{hour}.gz"


class S3Exports:
    """Chunks and files of the hourly exports (the same bucket and client as the media)."""

    def __init__(self, blobs: S3Blobs) -> None:
        self._blobs = blobs

    @property
    def _client(self) -> Any:
        return self._blobs.client

    def put_chunk(self, sdkappid: int, chat: str, hour: str, event_id: str, text: str) -> None:
        self._blobs.put(chunk_key(sdkappid, chat, hour, event_id), text.encode("utf-8"), "application/x-ndjson")

    def pending_hours(self, sdkappid: int, chat: str) -> list[str]:
        """Hours with chunks not yet assembled (one ListObjectsV2 page per 1,000 hours)."""
        prefix = chunk_prefix(sdkappid, chat)
        hours: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._blobs.bucket, Prefix=prefix, Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                hours.append(common["Prefix"][len(prefix) :].rstrip("/"))
        return sorted(hours)

    def chunks(self, sdkappid: int, chat: str, hour: str) -> list[str]:
        keys: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._blobs.bucket, Prefix=chunk_prefix(sdkappid, chat, hour)
        )
        for page in pages:
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def read_text(self, key: str) -> str:
        return self._blobs.read(key).decode("utf-8")

    def read(self, key: str) -> bytes | None:
        if self._blobs.head(key) is None:
            return None
        return self._blobs.read(key)

    def file_key(self, sdkappid: int, chat: str, hour: str) -> str:
        return file_key(sdkappid, chat, hour)

    def put_file(self, key: str, data: bytes) -> None:
        self._blobs.put(key, data, "application/gzip")

    def delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            objects = [{"Key": k} for k in keys[i : i + 1000]]
            self._client.delete_objects(Bucket=self._blobs.bucket, Delete={"Objects": objects, "Quiet": True})

    def url(self, key: str, seconds: int) -> str:
        return self._blobs.presign_get(key, seconds)
