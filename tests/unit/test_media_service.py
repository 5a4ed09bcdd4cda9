"""MediaService with fakes (no AWS): 秒传 per app, completion checks, derive once, message bodies resolved."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from chalicelib.domain import errors
from chalicelib.domain import media as m
from chalicelib.domain.apps import App, AppConfig
from chalicelib.domain.clock import FixedClock
from chalicelib.services.media import DERIVE_TASK, MediaService


class InMemoryMediaRepo:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str], m.StoredObject] = {}
        self.refs: dict[tuple[int, str], list[tuple[str, str, int, int]]] = {}
        self.batch_gets = 0

    def get(self, sdkappid: int, sha256: str, now: int) -> m.StoredObject | None:
        row = self.rows.get((sdkappid, sha256))
        return row if row is not None and row.expires > now else None

    def get_many(self, sdkappid: int, ids: list[str], now: int) -> dict[str, m.StoredObject]:
        self.batch_gets += 1
        return {i: row for i in ids if (row := self.get(sdkappid, i, now)) is not None}

    def put_pending(self, obj: m.StoredObject, now: int) -> bool:
        old = self.get(obj.sdkappid, obj.sha256, now)
        if old is not None and old.complete:
            return False
        self.rows[(obj.sdkappid, obj.sha256)] = obj
        return True

    def complete(self, obj: m.StoredObject) -> bool:
        old = self.rows.get((obj.sdkappid, obj.sha256))
        if old is None or old.complete:
            return False
        self.rows[(obj.sdkappid, obj.sha256)] = obj
        return True

    def extend(self, sdkappid: int, sha256: str, expires: int) -> None:
        self.rows[(sdkappid, sha256)] = replace(self.rows[(sdkappid, sha256)], expires=expires)

    def set_derived(self, sdkappid: int, sha256: str, large_size: int, thumb_size: int) -> None:
        row = self.rows[(sdkappid, sha256)]
        self.rows[(sdkappid, sha256)] = replace(row, derived=True, large_size=large_size, thumb_size=thumb_size)

    def delete(self, sdkappid: int, sha256: str) -> None:
        self.rows.pop((sdkappid, sha256), None)

    # references: (sdkappid, sha) -> [(owner, peer, at, expires)] for C2C sides, (group, "", at, expires) for groups
    def add_refs(
        self,
        sdkappid: int,
        ids: Iterable[str],
        c2c: Iterable[tuple[str, str]],
        groups: Iterable[str],
        at: int,
        expires: int,
    ) -> None:
        sides, gids = list(c2c), list(groups)
        for sha in ids:
            refs = self.refs.setdefault((sdkappid, sha), [])
            refs += [(owner, peer, at, expires) for owner, peer in sides]
            refs += [(f"G#{g}", "", at, expires) for g in gids]

    def release(self, sdkappid: int, owner: str, peer: str | None, upto: int | None) -> list[str]:
        released = []
        for (app, sha), refs in self.refs.items():
            gone = [
                r
                for r in refs
                if app == sdkappid and r[0] == owner and peer in (None, r[1]) and (upto is None or r[2] <= upto)
            ]
            if gone:
                refs[:] = [r for r in refs if r not in gone]
                released.append(sha)
        return released

    def referenced(self, sdkappid: int, sha256: str, now: int) -> bool:
        return any(r[3] > now for r in self.refs.get((sdkappid, sha256), []))


@dataclass(frozen=True)
class FakeHead:
    size: int
    sha256_b64: str | None = None


class InMemoryBlobs:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.touched: list[str] = []

    def presign_post(self, key: str, size: int, content_type: str, seconds: int) -> dict[str, Any]:
        return {"URL": "https://s3/bucket", "Fields": {"key": key, "Content-Type": content_type}}

    def presign_get(self, key: str, seconds: int, filename: str = "") -> str:
        return f"https://s3/bucket/{key}?expires={seconds}"

    def head(self, key: str) -> FakeHead | None:
        return FakeHead(len(self.objects[key])) if key in self.objects else None

    def sha256(self, key: str) -> str:
        return hashlib.sha256(self.objects[key]).hexdigest()

    def read(self, key: str) -> bytes:
        return self.objects[key]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = data

    def copy(self, source: str, target: str) -> None:
        self.objects[target] = self.objects[source]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def touch(self, key: str) -> None:
        assert key in self.objects
        self.touched.append(key)


class FakeImages:
    def probe(self, data: bytes) -> tuple[int, int, str]:
        if not data.startswith(b"IMG"):
            raise errors.error(m.NOT_AN_IMAGE, "not an image")
        return 800, 600, "PNG"

    def scaled(self, data: bytes, side: int) -> bytes:
        return b"J" * side


class RecordingTasks:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, kind: str, payload: Any) -> None:
        self.enqueued.append((kind, dict(payload)))


def _app(sdkappid: int = 1400000001) -> App:
    return App(sdkappid=sdkappid, name="a", secret_key="k", admins=("admin",), config=AppConfig())


@pytest.fixture
def parts() -> tuple[MediaService, InMemoryMediaRepo, InMemoryBlobs, RecordingTasks]:
    repo, blobs, tasks = InMemoryMediaRepo(), InMemoryBlobs(), RecordingTasks()
    return MediaService(repo, blobs, FakeImages(), tasks, FixedClock(1_700_000_000.0)), repo, blobs, tasks


def _upload(svc: MediaService, blobs: InMemoryBlobs, app: App, data: bytes, kind: str = "image") -> dict[str, Any]:
    sha = hashlib.sha256(data).hexdigest()
    ctype = "image/png" if kind == "image" else "application/octet-stream"
    answer = svc.upload(app, m.UploadRequest(sha, len(data), kind, ctype, "n"))
    if answer["Stored"]:
        return answer
    blobs.objects[answer["Upload"]["Fields"]["key"]] = data
    return svc.complete(app, sha, answer["UploadId"])


def test_the_same_bytes_are_stored_once_per_app(parts: Any) -> None:
    svc, _repo, blobs, tasks = parts
    first = _upload(svc, blobs, _app(), b"IMG-1")
    again = svc.upload(_app(), m.UploadRequest(first["UUID"], 5, "image", "image/png", ""))
    assert again["Stored"] == 1 and again["ImageInfoArray"][0]["Width"] == 800
    other = svc.upload(_app(1400000002), m.UploadRequest(first["UUID"], 5, "image", "image/png", ""))
    assert other["Stored"] == 0
    assert tasks.enqueued == [(DERIVE_TASK, {"SdkAppId": 1400000001, "UUID": first["UUID"]})]
    assert not [k for k in blobs.objects if k.startswith("uploads/")]


def test_derive_makes_both_versions_once(parts: Any) -> None:
    svc, repo, blobs, _ = parts
    done = _upload(svc, blobs, _app(), b"IMG-2")
    assert svc.derive(1400000001, done["UUID"]) is True
    assert svc.derive(1400000001, done["UUID"]) is False  # a redelivered task
    assert len(blobs.objects[m.object_key(1400000001, done["UUID"], "thumb")]) == m.THUMB_SIDE
    infos = svc.describe(repo.get(1400000001, done["UUID"], 0))["ImageInfoArray"]
    assert [(i["Width"], i["Height"], i["Size"]) for i in infos] == [(800, 600, 5), (720, 540, 720), (198, 148, 198)]


def test_completion_deletes_bytes_that_do_not_match_and_keeps_the_object_unusable(parts: Any) -> None:
    svc, _repo, blobs, tasks = parts
    sha = hashlib.sha256(b"IMG-3").hexdigest()
    answer = svc.upload(_app(), m.UploadRequest(sha, 5, "image", "image/png", ""))
    blobs.objects[answer["Upload"]["Fields"]["key"]] = b"IMG-4"
    with pytest.raises(errors.DomainError) as refused:
        svc.complete(_app(), sha, answer["UploadId"])
    assert refused.value.error_code == m.MISMATCH
    assert blobs.objects == {} and tasks.enqueued == []
    with pytest.raises(errors.DomainError) as refused:
        svc.resolve_body(_app(), [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha}}], 90010)
    assert refused.value.error_code == 90010


def test_a_text_body_costs_no_read_and_a_media_body_one_batch_get(parts: Any) -> None:
    svc, repo, blobs, _ = parts
    text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
    assert svc.resolve_body(_app(), text, 90010) is text and repo.batch_gets == 0
    image = _upload(svc, blobs, _app(), b"IMG-5")
    file = _upload(svc, blobs, _app(), b"%PDF", kind="file")
    body = [
        {"MsgType": "TIMImageElem", "MsgContent": {"UUID": image["UUID"], "ImageFormat": 1}},
        {"MsgType": "TIMFileElem", "MsgContent": {"UUID": file["UUID"], "FileName": "f.pdf", "FileSize": 999}},
    ]
    out = svc.resolve_body(_app(), body, 90010)
    assert repo.batch_gets == 1
    assert out[0]["MsgContent"]["ImageFormat"] == 3 and len(out[0]["MsgContent"]["ImageInfoArray"]) == 3
    assert out[1]["MsgContent"]["FileSize"] == 4 and out[1]["MsgContent"]["Url"].startswith("https://s3/")


def test_a_reused_object_near_its_end_is_copied_onto_itself_so_it_outlives_the_new_message(parts: Any) -> None:
    svc, repo, blobs, _ = parts
    done = _upload(svc, blobs, _app(), b"IMG-6")
    svc.derive(1400000001, done["UUID"])
    request = m.UploadRequest(done["UUID"], 5, "image", "image/png", "")
    svc.clock.advance(86400 / 2)
    assert svc.upload(_app(), request)["Stored"] == 1 and blobs.touched == []  # fresh enough: nothing copied
    svc.clock.advance(3 * 86400)
    assert svc.upload(_app(), request)["Stored"] == 1
    assert sorted(blobs.touched) == sorted(m.object_key(1400000001, done["UUID"], v) for v in ("", "large", "thumb"))
    row = repo.get(1400000001, done["UUID"], 0)
    assert row.expires == int(svc.clock.now()) + m.object_days(7) * 86400
