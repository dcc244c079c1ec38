"""Photos are stored without what the camera wrote about them.

A phone photo carries EXIF: where it was taken (GPS, often the resident's own flat), when,
the phone's make and serial numbers, sometimes a thumbnail of the uncropped picture. XMP
and comments can carry the same. None of it is evidence a case needs, and all of it is
personal data (PIPL Art. 6: collect the minimum). So every image is decoded and encoded
again from its pixels alone: the rotation the camera recorded is applied first, so the
picture stays upright without the tag, and only the colour profile (ICC, which has no
personal data and keeps colours right) and PNG transparency are carried over.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

# JPEG re-encoding: visually lossless for photos of notices, cracks and parked bicycles,
# and about the size phones write themselves.
JPEG_QUALITY = 90


class ImageRefused(ValueError):
    """The bytes are not an image we can clean (damaged, or too many pixels to decode)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "damaged" or "too_large"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def strip_metadata(data: bytes, *, max_pixels: int) -> CleanImage:
    """The picture in ``data`` (JPEG or PNG) encoded again without EXIF, XMP, comments or
    text chunks, upright as the camera meant it. Raises ImageRefused."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; refuse instead of
            # decoding a few hundred megabytes of pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                if fmt not in ("JPEG", "MPO", "PNG"):
                    raise ImageRefused("damaged")
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageRefused("too_large")
                subsampling = JpegImagePlugin.get_sampling(image) if fmt in ("JPEG", "MPO") else -1
                icc_profile = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("too_large") from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise ImageRefused("damaged") from exc
    # exif_transpose copies image.info (EXIF with GPS included) onto its result; the
    # encoders read some keys from there (a JPEG comment, PNG transparency), so start empty.
    upright.info = {}
    out = io.BytesIO()
    if fmt in ("JPEG", "MPO"):  # MPO: a phone's JPEG with a depth map; keep the photo only
        options = {"quality": JPEG_QUALITY, "optimize": True}
        if subsampling in (0, 1, 2):
            options["subsampling"] = subsampling
        if icc_profile:
            options["icc_profile"] = icc_profile
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, format="JPEG", **options)
        content_type = "image/jpeg"
    else:
        options = {}
        if icc_profile:
            options["icc_profile"] = icc_profile
        if transparency is not None:
            options["transparency"] = transparency
        upright.save(out, format="PNG", **options)
        content_type = "image/png"
    return CleanImage(
        data=out.getvalue(),
        content_type=content_type,
        width=upright.width,
        height=upright.height,
    )
