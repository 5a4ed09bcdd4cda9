"""Media objects' rows in the `messages` table (TTL = the objects' S3 lifetime): `{app}#MEDIA#{sha256}` / `OBJ`.

A row is written pending by an upload request, made complete (conditionally, once) by the completion that checked
the bytes, and updated once more when an image's derived versions exist. A message send reads the rows it names in
one BatchGetItem.

References (issue 16 item 4), written only for messages that name objects: `{app}#MEDIA#{sha256}` / `REF#{side}`
(one per object and conversation side: `C#{len}#{owner}#{peer}` for what `owner` sees of a C2C conversation,
`G#{group}` for a group), each mirrored for a C2C side by `{app}#MREF#{owner}` / `C#{len}#{peer}#{sha256}` so a
ClearRamble or an account deletion finds what it releases with one Query. Both expire with the messages
(`expires`, filtered on read).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.domain.media import COMPLETE, PENDING, StoredObject
from chalicelib.store.base import BaseModel, TableMeta

SK = "OBJ"
REF = "REF#"


def owner_pk(sdkappid: int, owner: str) -> str:
    return f"{sdkappid}#MREF#{owner}"


def c2c_side(owner: str, peer: str) -> str:
    return f"C#{len(owner)}#{owner}#{peer}"


def peer_prefix(peer: str) -> str:
    return f"C#{len(peer)}#{peer}#"


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


class RefModel(BaseModel):
    """A reference (object partition) or its mirror under the owner (owner partition)."""

    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    sha256 = UnicodeAttribute(null=True)
    at = NumberAttribute()
    expires = NumberAttribute()


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

    # --- references -------------------------------------------------------------------------------------------------
    def add_refs(
        self,
        sdkappid: int,
        ids: Iterable[str],
        c2c: Iterable[tuple[str, str]],
        groups: Iterable[str],
        at: int,
        expires: int,
    ) -> None:
        """One BatchWriteItem: each object's reference per C2C side (owner, peer) and its mirror, and per group."""
        sides = list(c2c)
        group_list = list(groups)
        with RefModel.batch_write() as batch:
            for sha in dict.fromkeys(ids):
                for owner, peer in sides:
                    batch.save(RefModel(media_pk(sdkappid, sha), REF + c2c_side(owner, peer), at=at, expires=expires))
                    mirror = RefModel(owner_pk(sdkappid, owner), peer_prefix(peer) + sha, sha256=sha)
                    mirror.at, mirror.expires = at, expires
                    batch.save(mirror)
                for gid in group_list:
                    batch.save(RefModel(media_pk(sdkappid, sha), f"{REF}G#{gid}", at=at, expires=expires))

    def release(self, sdkappid: int, owner: str, peer: str | None, upto: int | None) -> list[str]:
        """Delete `owner`'s references to what it saw of `peer` (every peer if None) written at or before `upto`
        (always if None); returns the objects whose reference went."""
        prefix = peer_prefix(peer) if peer is not None else "C#"
        released: list[str] = []
        with RefModel.batch_write() as batch:
            for m in RefModel.query(owner_pk(sdkappid, owner), RefModel.sk.startswith(prefix)):
                if upto is not None and int(m.at) > upto:
                    continue  # a later message names it again: kept
                sha = str(m.sha256)
                side_peer = m.sk[: -len(sha)].split("#", 2)[2][:-1]
                batch.delete(RefModel(media_pk(sdkappid, sha), REF + c2c_side(owner, side_peer)))
                batch.delete(RefModel(m.pk, m.sk))
                released.append(sha)
        return released

    def referenced(self, sdkappid: int, sha256: str, now: int) -> bool:
        """Whether any live reference names the object (a consistent Query of its partition's references)."""
        for m in RefModel.query(media_pk(sdkappid, sha256), RefModel.sk.startswith(REF), consistent_read=True):
            if int(m.expires) > now:
                return True
        return False


def _conditional(exc: PutError | UpdateError) -> bool:
    return bool(exc.cause_response_code == "ConditionalCheckFailedException")
