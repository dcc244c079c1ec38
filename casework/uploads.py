"""Checks an upload by what it is, not by what it is called, and strips photos of their
metadata (GPS above all) before anything stores them."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.exceptions import TransitionRefused
from core.images import ImageRefused, strip_metadata

# Magic numbers of the types we accept, and the content type we then record.
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
]


class UploadRefused(TransitionRefused):
    pass


def clean_file_name(name: str) -> str:
    """The uploader's file name, or a refusal if it tries to point anywhere."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or any(ch in name for ch in "/\\\0") or name in {".", ".."} or ".." in name:
        raise UploadRefused(_("The file name is not acceptable; rename the file and try again."))
    if any(not ch.isprintable() for ch in name):
        raise UploadRefused(_("The file name is not acceptable; rename the file and try again."))
    return name[:200]


@dataclass(frozen=True)
class Inspected:
    """An accepted upload: what to store (``content``), its type, size and SHA-256 — the
    size and hash of the stored bytes, which for a photo are the cleaned ones."""

    content_type: str
    size: int
    sha256: str
    content: File


def inspect(upload) -> Inspected:
    """Check an upload and return what may be stored, or raise UploadRefused.

    Photos (JPEG, PNG) come back re-encoded without EXIF, XMP or comments and turned
    upright (``core.images``); PDFs come back as they are.
    """
    limit = settings.LINLI["MAX_UPLOAD_BYTES"]
    if upload.size > limit:
        raise UploadRefused(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if upload.size == 0:
        raise UploadRefused(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    content_type = next((ct for magic, ct in SIGNATURES if head.startswith(magic)), None)
    if content_type is None:
        raise UploadRefused(_("Only photos (JPEG, PNG) and PDF documents can be attached."))
    upload.seek(0)
    if content_type == "application/pdf":
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        return Inspected(content_type, upload.size, digest.hexdigest(), upload)
    try:
        clean = strip_metadata(
            b"".join(upload.chunks()), max_pixels=settings.LINLI["MAX_IMAGE_PIXELS"]
        )
    except ImageRefused as exc:
        if exc.reason == "too_large":
            limit = settings.LINLI["MAX_IMAGE_PIXELS"] // 1_000_000
            raise UploadRefused(
                _(
                    "The photo has too many pixels (the limit is %(limit)s megapixels). "
                    "Send a smaller copy of it."
                )
                % {"limit": limit}
            ) from exc
        raise UploadRefused(_("The image is damaged or not really an image.")) from exc
    upload.seek(0)
    return Inspected(
        clean.content_type,
        len(clean.data),
        hashlib.sha256(clean.data).hexdigest(),
        ContentFile(clean.data, name=getattr(upload, "name", None) or "photo"),
    )
