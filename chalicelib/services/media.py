"""Media use cases: upload (秒传 or a presigned upload), completion (the bytes checked), derived image versions,
download URLs (renewable), and the objects a message names (resolved, their fields filled from what is stored)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from chalicelib.domain import errors
from chalicelib.domain import media as m
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.messages import DOWNLOAD_FLAG
from chalicelib.services.ports import TaskQueue

DERIVE_TASK = "media_derive"
DAY = 86400
PENDING_SECONDS = DAY  # a pending row (and the upload lifecycle rule) outlives the presigned upload


class Head(Protocol):
    @property
    def size(self) -> int: ...
    @property
    def sha256_b64(self) -> str | None: ...


class Blobs(Protocol):
    def presign_post(self, key: str, size: int, content_type: str, seconds: int) -> dict[str, Any]: ...
    def presign_get(self, key: str, seconds: int, filename: str = "") -> str: ...
    def head(self, key: str) -> Head | None: ...
    def sha256(self, key: str) -> str: ...
    def read(self, key: str) -> bytes: ...
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def copy(self, source: str, target: str) -> None: ...
    def delete(self, key: str) -> None: ...
    def touch(self, key: str) -> None: ...


class Images(Protocol):
    def probe(self, data: bytes) -> tuple[int, int, str]: ...
    def scaled(self, data: bytes, side: int) -> bytes: ...


class MediaRepo(Protocol):
    def get(self, sdkappid: int, sha256: str, now: int) -> m.StoredObject | None: ...
    def get_many(self, sdkappid: int, ids: list[str], now: int) -> dict[str, m.StoredObject]: ...
    def put_pending(self, obj: m.StoredObject, now: int) -> bool: ...
    def complete(self, obj: m.StoredObject) -> bool: ...
    def set_derived(self, sdkappid: int, sha256: str, large_size: int, thumb_size: int) -> None: ...
    def extend(self, sdkappid: int, sha256: str, expires: int) -> None: ...
    def delete(self, sdkappid: int, sha256: str) -> None: ...
    def add_refs(
        self,
        sdkappid: int,
        ids: Iterable[str],
        c2c: Iterable[tuple[str, str]],
        groups: Iterable[str],
        at: int,
        expires: int,
    ) -> None: ...
    def release(self, sdkappid: int, owner: str, peer: str | None, upto: int | None) -> list[str]: ...
    def referenced(self, sdkappid: int, sha256: str, now: int) -> bool: ...


class MediaService:
    def __init__(self, repo: MediaRepo, blobs: Blobs, images: Images, tasks: TaskQueue, clock: Clock) -> None:
        self.repo = repo
        self.blobs = blobs
        self.images = images
        self.tasks = tasks
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock.now())

    # --- upload and completion ------------------------------------------------------------------------------------
    def upload(self, app: App, req: m.UploadRequest) -> dict[str, Any]:
        """Already stored in this app (秒传): the object. Else a presigned POST for exactly these bytes."""
        now = self._now()
        found = self.repo.get(app.sdkappid, req.sha256, now)
        if found is not None and found.complete:
            return {"Stored": 1, **self.describe(self._kept(app, found, now))}
        pending = m.StoredObject(
            sdkappid=app.sdkappid,
            sha256=req.sha256,
            size=req.size,
            kind=req.kind,
            content_type=req.content_type,
            name=req.name,
            state=m.PENDING,
            expires=now + PENDING_SECONDS,
        )
        if not self.repo.put_pending(pending, now):  # completed by another account meanwhile
            done = self.repo.get(app.sdkappid, req.sha256, now)
            if done is not None and done.complete:
                return {"Stored": 1, **self.describe(done)}
        upload_id = secrets.token_hex(8)
        key = m.upload_key(app.sdkappid, req.sha256, upload_id)
        post = self.blobs.presign_post(key, req.size, req.content_type, m.UPLOAD_SECONDS)
        return {
            "Stored": 0,
            "UUID": req.sha256,
            "UploadId": upload_id,
            "Upload": post,
            "ExpireTime": now + m.UPLOAD_SECONDS,
        }

    def complete(self, app: App, sha256: str, upload_id: str) -> dict[str, Any]:
        """The uploaded bytes are checked (size, SHA-256, an image's header) and only then become the object."""
        now = self._now()
        obj = self.repo.get(app.sdkappid, sha256, now)
        if obj is None:
            raise errors.error(m.UNKNOWN, "no upload of this object was requested in this app")
        if obj.complete:
            return self.describe(obj)
        key = m.upload_key(app.sdkappid, sha256, upload_id)
        head = self.blobs.head(key)
        if head is None:
            raise errors.error(m.INCOMPLETE, "nothing was uploaded for this UploadId")
        width = height = image_format = 0
        try:
            if head.size != obj.size:
                raise errors.error(m.MISMATCH, f"{head.size} bytes were uploaded, {obj.size} were declared")
            # an image (≤ 28 MB) is read once, for its hash and its header; other kinds are hashed as a stream
            data = self.blobs.read(key) if obj.kind == m.IMAGE else b""
            if head.sha256_b64 is not None:
                digest = base64.b64decode(head.sha256_b64).hex()
            elif obj.kind == m.IMAGE:
                digest = hashlib.sha256(data).hexdigest()
            else:
                digest = self.blobs.sha256(key)
            if digest != sha256:
                raise errors.error(m.MISMATCH, "the uploaded bytes do not have the declared SHA-256")
            if obj.kind == m.IMAGE:
                width, height, pillow_format = self.images.probe(data)
                image_format = m.image_format(pillow_format)
        except errors.DomainError:
            self.blobs.delete(key)  # nothing usable is left behind
            raise
        self.blobs.copy(key, m.object_key(app.sdkappid, sha256))  # clients never write the object's own key
        self.blobs.delete(key)
        done = replace(
            obj,
            state=m.COMPLETE,
            expires=now + m.object_days(app.config.roaming_days) * DAY,
            width=width,
            height=height,
            image_format=image_format,
        )
        if self.repo.complete(done) and obj.kind == m.IMAGE:
            self.tasks.enqueue(DERIVE_TASK, {"SdkAppId": app.sdkappid, "UUID": sha256})
        return self.describe(done)  # the derived versions' Size is 0 until the task ran (get_urls tells)

    def _kept(self, app: App, obj: m.StoredObject, now: int) -> m.StoredObject:
        """A reused object that would expire within the app's roaming period (plus the margin) is copied onto
        itself, so S3's lifecycle and the row count its life from now: a message sent with it stays viewable."""
        keep = m.object_days(app.config.roaming_days) * DAY
        if obj.expires - now >= keep - DAY:  # at most one refresh a day
            return obj
        variants = ("", "large", "thumb") if obj.derived else ("",)
        for variant in variants:
            self.blobs.touch(m.object_key(obj.sdkappid, obj.sha256, variant))
        self.repo.extend(obj.sdkappid, obj.sha256, now + keep)
        return replace(obj, expires=now + keep)

    def derive(self, sdkappid: int, sha256: str) -> bool:
        """Make an image's large and thumbnail versions, once (a redelivered task finds them made)."""
        obj = self.repo.get(sdkappid, sha256, self._now())
        if obj is None or not obj.complete or obj.kind != m.IMAGE or obj.derived:
            return False
        data = self.blobs.read(m.object_key(sdkappid, sha256))
        large = self.images.scaled(data, m.LARGE_SIDE)
        thumb = self.images.scaled(data, m.THUMB_SIDE)
        self.blobs.put(m.object_key(sdkappid, sha256, "large"), large, "image/jpeg")
        self.blobs.put(m.object_key(sdkappid, sha256, "thumb"), thumb, "image/jpeg")
        self.repo.set_derived(sdkappid, sha256, len(large), len(thumb))
        return True

    # --- download URLs ----------------------------------------------------------------------------------------------
    def url(self, obj: m.StoredObject, variant: str = "") -> str:
        key = m.object_key(obj.sdkappid, obj.sha256, variant)
        name = obj.name if obj.kind == m.FILE and not variant else ""
        return self.blobs.presign_get(key, m.URL_SECONDS, name)

    def describe(self, obj: m.StoredObject) -> dict[str, Any]:
        """The object as the upload, completion and get_urls answers give it, with fresh URLs."""
        out: dict[str, Any] = {
            "UUID": obj.sha256,
            "Type": obj.kind,
            "Size": obj.size,
            "ContentType": obj.content_type,
            "Name": obj.name,
            "URL": self.url(obj),
            "URLExpireTime": self._now() + m.URL_SECONDS,
        }
        if obj.kind == m.IMAGE:
            out["ImageFormat"] = obj.image_format
            out["ImageInfoArray"] = self.image_infos(obj)
        return out

    def image_infos(self, obj: m.StoredObject) -> list[dict[str, Any]]:
        """Original, large (720) and thumbnail (198): sizes from the stored image; the derived URLs answer once
        the derive task ran (seconds after completion); their Size is 0 until then."""
        infos = [{"Type": m.ORIGINAL, "Size": obj.size, "Width": obj.width, "Height": obj.height, "URL": self.url(obj)}]
        for kind, side, variant, size in (
            (m.LARGE, m.LARGE_SIDE, "large", obj.large_size),
            (m.THUMB, m.THUMB_SIDE, "thumb", obj.thumb_size),
        ):
            width, height = m.fit(obj.width, obj.height, side)
            url = self.url(obj, variant)
            infos.append({"Type": kind, "Size": size, "Width": width, "Height": height, "URL": url})
        return infos

    def get_urls(self, app: App, ids: list[str]) -> dict[str, Any]:
        """Fresh URLs for objects (a message in history stays viewable after its URLs expired)."""
        found = self.repo.get_many(app.sdkappid, ids, self._now())
        items, errs = [], []
        for i in ids:
            obj = found.get(i)
            if obj is None or not obj.complete:
                errs.append({"UUID": i, "ErrorCode": m.UNKNOWN if obj is None else m.INCOMPLETE})
            else:
                items.append(self.describe(obj))
        return {"MediaList": items, "ErrorList": errs}

    # --- messages ---------------------------------------------------------------------------------------------------
    def resolve_body(self, app: App, body: list[dict[str, Any]], code: int) -> list[dict[str, Any]]:
        """The body with each media element's object checked (complete, of this app) and its stored fields filled
        in (sizes, dimensions, format, URLs: never the client's). No media element: no read at all; else one
        BatchGetItem for the objects named. Unknown, incomplete (or another app's) objects: `code`."""
        named = m.media_ids(body)
        if not named:
            return body
        for oid in named:
            m.check_object_id(oid, code)
        found = self.repo.get_many(app.sdkappid, list(named), self._now())
        for oid in named:
            obj = found.get(oid)
            if obj is None:
                raise errors.error(code, f"object {oid} is not stored in this app")
            if not obj.complete:
                raise errors.error(code, f"object {oid} is not completely uploaded")
        return [self._filled(elem, found) for elem in body]

    def _filled(self, elem: Mapping[str, Any], found: Mapping[str, m.StoredObject]) -> dict[str, Any]:
        msg_type, content = elem["MsgType"], dict(elem["MsgContent"])
        if msg_type == "TIMImageElem":
            obj = found[content["UUID"]]
            content["ImageFormat"] = obj.image_format or content["ImageFormat"]
            content["ImageInfoArray"] = self.image_infos(obj)
        elif msg_type == "TIMFileElem" and content.get("UUID"):
            obj = found[content["UUID"]]
            content.update(Url=self.url(obj), FileSize=obj.size, Download_Flag=DOWNLOAD_FLAG)
        elif msg_type == "TIMSoundElem":
            obj = found[content["UUID"]]
            content.update(Url=self.url(obj), Size=obj.size)
        elif msg_type == "TIMVideoFileElem":
            if content.get("VideoUUID"):
                video = found[content["VideoUUID"]]
                content.update(VideoUrl=self.url(video), VideoSize=video.size)
            if content.get("ThumbUUID"):
                thumb = found[content["ThumbUUID"]]
                content.update(ThumbUrl=self.url(thumb), ThumbSize=thumb.size)
                if thumb.kind == m.IMAGE:
                    content.update(ThumbWidth=thumb.width, ThumbHeight=thumb.height)
        return {"MsgType": msg_type, "MsgContent": content}

    # --- references (issue 16 item 4: nothing readable stays that no message references) -----------------------------
    def reference(
        self, app: App, body: list[dict[str, Any]], *, sender: str = "", to: Sequence[str] = (), group: str = ""
    ) -> None:
        """A message naming objects is about to be stored: each object is referenced by both sides of each C2C
        conversation (`sender` with each of `to`) or by the group, until the app's roaming period (plus the margin)
        is over. Written before the message (a send that then fails leaves a reference: the object is kept longer,
        never deleted early). A body without media costs nothing."""
        ids = [i for i in m.media_ids(body) if _object_id(i)]  # imports are not resolved: only well-formed ids
        if not ids:
            return
        sides = [side for peer in to for side in ((sender, peer), (peer, sender))] if sender else []
        now = self._now()
        expires = now + m.object_days(app.config.roaming_days) * DAY
        self.repo.add_refs(app.sdkappid, ids, sides, [group] if group else [], now, expires)

    def release(self, sdkappid: int, owner: str, peer: str | None = None, upto: int | None = None) -> list[str]:
        """`owner` no longer sees its messages with `peer` up to `upto` (ClearRamble), or any (account deletion):
        its references go, and an object nothing references any more is deleted with its derived versions, so its
        URLs stop working. Returns the objects deleted."""
        deleted = []
        now = self._now()
        for sha in dict.fromkeys(self.repo.release(sdkappid, owner, peer, upto)):
            if self.repo.referenced(sdkappid, sha, now):
                continue
            for variant in ("", "large", "thumb"):
                self.blobs.delete(m.object_key(sdkappid, sha, variant))
            self.repo.delete(sdkappid, sha)
            deleted.append(sha)
        return deleted

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """Account deletion (AccountService hook): everything the account saw is released."""
        self.release(sdkappid, user)


def _object_id(value: str) -> bool:
    try:
        m.check_object_id(value)
    except errors.DomainError:
        return False
    return True
