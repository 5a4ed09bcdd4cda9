"""Media objects' rows in the `messages` table (TTL = the objects' S3 lifetime): `{app}#MEDIA#{sha256}` / `OBJ`.

A row is written pending by an upload request, made complete (conditionally, once) by the completion that checked
the bytes, and updated once more when an image's derived versions exist. A message send reads the rows it names in
one BatchGetItem.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.media import COMPLETE, PENDING, StoredObject
from chalicelib.store.base import BaseModel, TableMeta

SK = "OBJ"


def media_pk(sdkappid: int, sha256: str) -> str:
    return f"{sdkappid}#MEDIA#{sha256}"


class MediaModel(BaseModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    sdkappid = NumberAttribute()
    sha256 = UnicodeAttribute()
    size = NumberAttribute()
    kind = UnicodeAttribute()
    content_type = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    state = UnicodeAttribute()
    expires = NumberAttribute()
    width = NumberAttribute(default=0)
    height = NumberAttribute(default=0)
    image_format = NumberAttribute(default=0)
    derived = BooleanAttribute(default=False)
    large_size = NumberAttribute(default=0)
    thumb_size = NumberAttribute(default=0)


def _object(m: MediaModel) -> StoredObject:
    return StoredObject(
        sdkappid=int(m.sdkappid),
        sha256=m.sha256,
        size=int(m.size),
        kind=m.kind,
        content_type=m.content_type,
        name=m.name,
        state=m.state,
        expires=int(m.expires),
        width=int(m.width),
        height=int(m.height),
        image_format=int(m.image_format),
        derived=bool(m.derived),
        large_size=int(m.large_size),
        thumb_size=int(m.thumb_size),
    )


class DynamoMediaRepo:
    def get(self, sdkappid: int, sha256: str, now: int) -> StoredObject | None:
        try:
            m = MediaModel.get(media_pk(sdkappid, sha256), SK, consistent_read=True)
        except MediaModel.DoesNotExist:
            return None
        return _object(m) if int(m.expires) > now else None

    def get_many(self, sdkappid: int, ids: Iterable[str], now: int) -> dict[str, StoredObject]:
        """One BatchGetItem (PynamoDB pages it by 100)."""
        keys = [(media_pk(sdkappid, i), SK) for i in dict.fromkeys(ids)]
        found = {}
        for m in MediaModel.batch_get(keys):
            if int(m.expires) > now:
                found[m.sha256] = _object(m)
        return found

    def put_pending(self, obj: StoredObject, now: int) -> bool:
        """Write a pending row unless a live complete one is there (False: someone completed it first)."""
        m = MediaModel(
            media_pk(obj.sdkappid, obj.sha256),
            SK,
            sdkappid=obj.sdkappid,
            sha256=obj.sha256,
            size=obj.size,
            kind=obj.kind,
            content_type=obj.content_type,
            name=obj.name,
            state=PENDING,
            expires=obj.expires,
        )
        try:
            m.save(
                condition=MediaModel.pk.does_not_exist() | (MediaModel.state == PENDING) | (MediaModel.expires <= now)
            )
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def complete(self, obj: StoredObject) -> bool:
        """pending -> complete with what was read from the bytes; False when it was complete already."""
        m = MediaModel(media_pk(obj.sdkappid, obj.sha256), SK)
        try:
            m.update(
                actions=[
                    MediaModel.state.set(COMPLETE),
                    MediaModel.expires.set(obj.expires),
                    MediaModel.width.set(obj.width),
                    MediaModel.height.set(obj.height),
                    MediaModel.image_format.set(obj.image_format),
                ],
                condition=MediaModel.state == PENDING,
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def set_derived(self, sdkappid: int, sha256: str, large_size: int, thumb_size: int) -> None:
        m = MediaModel(media_pk(sdkappid, sha256), SK)
        try:
            m.update(
                actions=[
                    MediaModel.derived.set(True),
                    MediaModel.large_size.set(large_size),
                    MediaModel.thumb_size.set(thumb_size),
                ],
                condition=MediaModel.state == COMPLETE,
            )
        except UpdateError as exc:
            if not _conditional(exc):
                raise

    def extend(self, sdkappid: int, sha256: str, expires: int) -> None:
        """A reused object lives on (its S3 objects were copied onto themselves, restarting their lifecycle)."""
        MediaModel(media_pk(sdkappid, sha256), SK).update(
            actions=[MediaModel.expires.set(expires)], condition=MediaModel.state == COMPLETE
        )

    def delete(self, sdkappid: int, sha256: str) -> None:
        MediaModel(media_pk(sdkappid, sha256), SK).delete()


def _conditional(exc: PutError | UpdateError) -> bool:
    return bool(exc.cause_response_code == "ConditionalCheckFailedException")
