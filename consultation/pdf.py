"""Archival PDFs with WeasyPrint: PDF/A-3b, the record's data embedded as JSON, Chinese set
in an embedded Noto CJK font.

The renderer fetches nothing: the stylesheet is passed in as a string, user text is
escaped by the template (so ``<img src="file:///etc/passwd">`` prints as text), and the
URL fetcher refuses every URL it is asked for.
"""

from __future__ import annotations

import ctypes.util
import functools
import gc
import json
import logging
import subprocess
import threading
from pathlib import Path

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from casework.exceptions import CaseworkError

logger = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "pdf.css"


class PdfUnavailable(CaseworkError):
    """The machine cannot produce a correct archival PDF (e.g. no CJK font)."""


@functools.cache
def cjk_font_available() -> bool:
    """Whether fontconfig knows the Noto CJK font our PDFs embed."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return CJK_FAMILY in out


@functools.cache
def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


def _refuse_every_url(url, *args, **kwargs):
    logger.warning("PDF renderer refused to fetch %s", url[:200])
    raise ValueError(f"Linli's PDFs fetch nothing (refused {url[:80]})")


class _NoFetcher:
    """A URL fetcher that fetches nothing (WeasyPrint catches the error and goes on)."""

    def __init__(self):
        self.refused: list[str] = []

    def __call__(self, url, *args, **kwargs):
        self.refused.append(url)
        return _refuse_every_url(url)

    fetch = __call__


def html_to_pdf(
    html: str,
    *,
    title: str,
    attachment_name: str | None = None,
    data: dict | None = None,
    fetcher: _NoFetcher | None = None,
) -> bytes:
    """Render ``html`` (already escaped by its template) to PDF/A-3b bytes."""
    from weasyprint import CSS, HTML, Attachment

    if not cjk_font_available():
        raise PdfUnavailable(
            _(
                "The PDF cannot be made: the Noto CJK font is not installed on the server "
                "(Debian package fonts-noto-cjk; `make install` installs it)."
            )
        )
    fetcher = fetcher or _NoFetcher()
    attachments = []
    if data is not None:
        attachments.append(
            Attachment(
                string=json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode(),
                name=attachment_name or "data.json",
                description=title,
                relationship="Data",
            )
        )
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    try:
        return document.write_pdf(
            stylesheets=[CSS(string=STYLESHEET.read_text(), url_fetcher=fetcher)],
            pdf_variant="pdf/a-3b",
            attachments=attachments,
            custom_metadata=True,
        )
    finally:
        _collect_later()


# Layout builds large reference cycles. A full collection after each render keeps a
# long-running worker's memory flat; it costs ~15 ms, so in a request it runs once the
# response has been sent (request_finished), and immediately anywhere else.
_pending_collect = threading.local()


def _collect_later() -> None:
    if getattr(_pending_collect, "in_request", False):
        _pending_collect.due = True
    else:
        gc.collect()


def _request_started(**_kwargs) -> None:
    _pending_collect.in_request = True


def _request_finished(**_kwargs) -> None:
    _pending_collect.in_request = False
    if getattr(_pending_collect, "due", False):
        _pending_collect.due = False
        gc.collect()


request_started.connect(_request_started, dispatch_uid="linli-pdf-gc-start")
request_finished.connect(_request_finished, dispatch_uid="linli-pdf-gc-finish")


def minutes_pdf(snapshot: dict, *, fetcher: _NoFetcher | None = None) -> bytes:
    html = render_to_string("consultation/pdf/minutes.html", {"m": snapshot})
    return html_to_pdf(
        html,
        title=f"{snapshot['reference']} v{snapshot['minutes_version']}",
        attachment_name=f"minutes-{snapshot['reference']}-v{snapshot['minutes_version']}.json",
        data=snapshot,
        fetcher=fetcher,
    )
