"""Pillow: what an image is (format, width, height: read from its bytes, never from the client) and its smaller
versions. Decompression bombs are refused before any pixel is decoded."""

from __future__ import annotations

import io
import warnings

from chalicelib.domain import errors
from chalicelib.domain.media import MAX_IMAGE_PIXELS, NOT_AN_IMAGE, check_dimensions, fit


def _open(data: bytes) -> object:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS  # over it: DecompressionBombWarning; twice over: the error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise errors.error(NOT_AN_IMAGE, f"image refused as a decompression bomb: {exc}") from exc
    except Exception as exc:  # PIL.UnidentifiedImageError, truncated headers...
        raise errors.error(NOT_AN_IMAGE, "the bytes are not an image Pillow can read") from exc


class PillowImages:
    def probe(self, data: bytes) -> tuple[int, int, str]:
        """(width, height, Pillow format) from the header; refuses non-images and too many pixels."""
        image = _open(data)
        width, height = image.size  # type: ignore[attr-defined]
        check_dimensions(width, height)
        return width, height, str(image.format or "")  # type: ignore[attr-defined]

    def scaled(self, data: bytes, side: int) -> bytes:
        """A JPEG whose long side is at most `side` (the first frame of an animation; transparency on white)."""
        from PIL import Image

        image = _open(data)
        width, height = image.size  # type: ignore[attr-defined]
        check_dimensions(width, height)
        # a JPEG (most photos) is decoded at the smallest power-of-two scale still at least twice the target: a
        # 50-megapixel photo then needs a few MB of memory, not 200 (the queue consumer has 512 MB)
        image.draft("RGB", (2 * side, 2 * side))  # type: ignore[attr-defined]
        try:
            if "A" in image.getbands() or image.mode == "P":  # type: ignore[attr-defined]
                frame = image.convert("RGBA")  # type: ignore[attr-defined]
                flat = Image.new("RGB", frame.size, (255, 255, 255))  # transparency on white
                flat.paste(frame, mask=frame.split()[3])
            else:
                flat = image.convert("RGB")  # type: ignore[attr-defined]
        except Exception as exc:
            raise errors.error(NOT_AN_IMAGE, "the image could not be decoded") from exc
        out = io.BytesIO()
        flat.resize(fit(width, height, side), Image.Resampling.LANCZOS).save(out, "JPEG", quality=85)
        return out.getvalue()
