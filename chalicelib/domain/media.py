"""Media objects (images, files, sounds, videos): kinds and their size limits, content ids, upload rules, image sizes.

An object is named by the SHA-256 of its bytes (64 lowercase hex digits, the element's UUID) within one app: the
same bytes uploaded twice in an app are stored once (秒传), the same id in another app names nothing there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain import errors

IMAGE, FILE, SOUND, VIDEO = "image", "file", "sound", "video"
MB = 1024 * 1024
# Tencent's limits: image 28 MB, file 100 MB; sound and video as Tencent's SDKs (the reference names none).
MAX_BYTES: dict[str, int] = {IMAGE: 28 * MB, FILE: 100 * MB, SOUND: 28 * MB, VIDEO: 100 * MB}
KINDS = tuple(MAX_BYTES)

# Derived image sizes (long side, pixels), as Tencent's: large 720, thumbnail 198. ImageInfoArray Type codes.
LARGE_SIDE, THUMB_SIDE = 720, 198
ORIGINAL, LARGE, THUMB = 1, 2, 3
# Decoding more pixels than this is refused (a decompression bomb): 8192 x 8192.
MAX_IMAGE_PIXELS = 8192 * 8192
# Pillow format -> Tencent ImageFormat (JPG=1, GIF=2, PNG=3, BMP=4, other=255)
IMAGE_FORMATS: dict[str, int] = {"JPEG": 1, "GIF": 2, "PNG": 3, "BMP": 4}
OTHER_FORMAT = 255

# Codes (service yuntong_media; an element naming a bad object gets its message service's element code instead)
INVALID = 70402
TOO_LARGE = 91001
UNKNOWN = 91002
INCOMPLETE = 91003
MISMATCH = 91004
NOT_AN_IMAGE = 91005

# what an image, sound or video may be served as (a file is always served as a download: Content-Disposition)
_FAMILY = {IMAGE: "image/", SOUND: "audio/", VIDEO: "video/"}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
NAME_MAX_BYTES = 255
UPLOAD_SECONDS = 15 * 60  # a presigned upload is valid this long
URL_SECONDS = 24 * 3600  # a download URL is valid this long (renewed by yuntong_media/get_urls)
LIFECYCLE_MARGIN_DAYS = 7  # objects outlive the app's roaming period by this much
OBJECT_DAYS = 30 + LIFECYCLE_MARGIN_DAYS  # the bucket's lifecycle on objects/ (S3 counts from the last write)


def object_days(roaming_days: int) -> int:
    """How long an object row lives from its last write: the app's roaming period plus the margin, at most what the
    bucket's lifecycle keeps the bytes."""
    return min(roaming_days + LIFECYCLE_MARGIN_DAYS, OBJECT_DAYS)


def check_object_id(value: object, code: int = INVALID) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise errors.error(code, "an object id is the content's SHA-256 as 64 lowercase hex digits")
    return value


@dataclass(frozen=True)
class UploadRequest:
    """What a client declares before uploading: checked here, trusted only until the completion reads the bytes."""

    sha256: str
    size: int
    kind: str
    content_type: str
    name: str

    def __post_init__(self) -> None:
        check_object_id(self.sha256)
        if self.kind not in MAX_BYTES:
            raise errors.error(INVALID, f"Type must be one of {', '.join(KINDS)}")
        if self.size < 1:
            raise errors.error(INVALID, "Size must be at least 1 byte")
        if self.size > MAX_BYTES[self.kind]:
            raise errors.error(TOO_LARGE, f"Type {self.kind} holds at most {MAX_BYTES[self.kind]} bytes")
        if not _CONTENT_TYPE.match(self.content_type):
            raise errors.error(INVALID, "ContentType must be a MIME type such as image/png")
        family = _FAMILY.get(self.kind)
        if family and not self.content_type.startswith(family):
            raise errors.error(INVALID, f"a {self.kind}'s ContentType must be {family}*")
        if len(self.name.encode("utf-8")) > NAME_MAX_BYTES or any(c in self.name for c in '\r\n"\\'):
            raise errors.error(INVALID, f"Name must be at most {NAME_MAX_BYTES} bytes without quotes or newlines")


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size of an image scaled so its long side is at most `side` (never enlarged; at least 1 x 1)."""
    long_side = max(width, height)
    if long_side <= side:
        return width, height
    scale = side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


def check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise errors.error(NOT_AN_IMAGE, "the image has no pixels")
    if width * height > MAX_IMAGE_PIXELS:
        raise errors.error(NOT_AN_IMAGE, f"images over {MAX_IMAGE_PIXELS} pixels are refused")


def image_format(pillow_format: str | None) -> int:
    return IMAGE_FORMATS.get(pillow_format or "", OTHER_FORMAT)


def object_key(sdkappid: int, sha256: str, variant: str = "") -> str:
    """S3 key of a stored object (variant "large"/"thumb" for an image's derived versions). Lifecycle: objects/."""
    return f"objects/{sdkappid}/{sha256}" + (f".{variant}" if variant else "")


def upload_key(sdkappid: int, sha256: str, upload_id: str) -> str:
    """Where a client uploads before completion (never read by anyone else; lifecycle deletes it after a day)."""
    return f"uploads/{sdkappid}/{sha256}/{upload_id}"


def media_ids(body: list[dict[str, object]]) -> dict[str, str]:
    """Object ids a MsgBody names -> the element type naming it (UUID, VideoUUID, ThumbUUID of media elements)."""
    found: dict[str, str] = {}
    for elem in body:
        content = elem.get("MsgContent")
        if not isinstance(content, dict):
            continue
        for field in _ID_FIELDS.get(str(elem.get("MsgType")), ()):
            value = content.get(field)
            if isinstance(value, str) and value:
                found[value] = str(elem["MsgType"])
    return found


_ID_FIELDS: dict[str, tuple[str, ...]] = {
    "TIMImageElem": ("UUID",),
    "TIMFileElem": ("UUID",),
    "TIMSoundElem": ("UUID",),
    "TIMVideoFileElem": ("VideoUUID", "ThumbUUID"),
}


PENDING, COMPLETE = "pending", "complete"


@dataclass(frozen=True)
class StoredObject:
    """One object of an app. Width/height/format are read from the image at completion (0 for other kinds);
    `derived` says whether the large and thumbnail versions exist yet."""

    sdkappid: int
    sha256: str
    size: int
    kind: str
    content_type: str
    name: str
    state: str
    expires: int
    width: int = 0
    height: int = 0
    image_format: int = 0
    derived: bool = False
    large_size: int = 0
    thumb_size: int = 0

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE
