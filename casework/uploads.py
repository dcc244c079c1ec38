"""Checks an upload by what it is, not by what it is called."""

from __future__ import annotations

import hashlib
import io
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from casework.exceptions import TransitionRefused

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


def inspect(upload) -> tuple[str, int, str]:
    """Return (content_type, size, sha256) of an accepted upload, or raise UploadRefused."""
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
    digest = hashlib.sha256()
    upload.seek(0)
    data = io.BytesIO()
    for chunk in upload.chunks():
        digest.update(chunk)
        if content_type != "application/pdf":
            data.write(chunk)
    if content_type.startswith("image/"):
        try:
            with Image.open(io.BytesIO(data.getvalue())) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise UploadRefused(_("The image is damaged or not really an image.")) from exc
    upload.seek(0)
    return content_type, upload.size, digest.hexdigest()
