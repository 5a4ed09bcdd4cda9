"""Media rules (domain) and the Pillow adapter: limits per type, ids, scaling, non-images and decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from chalicelib.blobs.images import PillowImages
from chalicelib.domain import errors
from chalicelib.domain import media as m

SHA = "ab" * 32


def request(**kw: object) -> m.UploadRequest:
    fields: dict[str, object] = {"sha256": SHA, "size": 10, "kind": "image", "content_type": "image/png", "name": ""}
    fields.update(kw)
    return m.UploadRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "limit"), [("image", 28 * m.MB), ("file", 100 * m.MB), ("sound", 28 * m.MB), ("video", 100 * m.MB)]
)
def test_each_type_has_tencents_size_limit(kind: str, limit: int) -> None:
    ctype = {"image": "image/png", "sound": "audio/aac", "video": "video/mp4"}.get(kind, "application/octet-stream")
    assert request(kind=kind, size=limit, content_type=ctype).size == limit
    with pytest.raises(errors.DomainError) as refused:
        request(kind=kind, size=limit + 1, content_type=ctype)
    assert refused.value.error_code == m.TOO_LARGE


@pytest.mark.parametrize(
    "bad",
    [
        {"sha256": "AB" * 32},
        {"sha256": "ab" * 31},
        {"size": 0},
        {"kind": "gif"},
        {"content_type": "text/plain"},
        {"content_type": "image"},
        {"kind": "sound", "content_type": "video/mp4"},
        {"kind": "video", "content_type": "text/html"},
        {"name": 'a"b'},
        {"name": "x" * 256},
    ],
)
def test_malformed_declarations_are_invalid(bad: dict[str, object]) -> None:
    with pytest.raises(errors.DomainError) as refused:
        request(**bad)
    assert refused.value.error_code == m.INVALID


def test_fit_scales_the_long_side_and_never_enlarges() -> None:
    assert m.fit(1000, 500, 720) == (720, 360)
    assert m.fit(500, 1000, 198) == (99, 198)
    assert m.fit(100, 50, 720) == (100, 50)
    assert m.fit(10000, 1, 198) == (198, 1)


def test_media_ids_are_the_uuids_of_media_elements_only() -> None:
    body: list[dict[str, object]] = [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi", "UUID": "x"}},
        {"MsgType": "TIMImageElem", "MsgContent": {"UUID": "a"}},
        {"MsgType": "TIMVideoFileElem", "MsgContent": {"VideoUUID": "v", "ThumbUUID": "t"}},
        {"MsgType": "TIMFileElem", "MsgContent": {"Url": "http://elsewhere"}},
    ]
    assert m.media_ids(body) == {"a": "TIMImageElem", "v": "TIMVideoFileElem", "t": "TIMVideoFileElem"}


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, "PNG")
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions (a bomb's header): refused before any pixel is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_pillow_reads_dimensions_and_format_from_the_bytes() -> None:
    assert PillowImages().probe(_png(30, 20)) == (30, 20, "PNG")


@pytest.mark.parametrize("data", [b"not an image", _png_header_only(50_000, 50_000), _png_header_only(9000, 9000)])
def test_non_images_and_decompression_bombs_are_refused(data: bytes) -> None:
    with pytest.raises(errors.DomainError) as refused:
        PillowImages().probe(data)
    assert refused.value.error_code == m.NOT_AN_IMAGE


def test_scaled_versions_are_jpegs_of_the_fitted_size() -> None:
    out = PillowImages().scaled(_png(1000, 400), m.THUMB_SIDE)
    image = Image.open(io.BytesIO(out))
    assert (image.format, image.size) == ("JPEG", (198, 79))
