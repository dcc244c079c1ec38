"""The PDF pipeline: archival PDFs with WeasyPrint, PDF/A-3b (3a, tagged, by setting), the
record's data embedded as JSON, Chinese set in an embedded Noto CJK font. Minutes,
agreements, dossiers, ballot results and the monthly report all print through ``render``.

The renderer fetches nothing: the stylesheet is passed in as a string, user text is
escaped by the template (so ``<img src="file:///etc/passwd">`` prints as text), and the
URL fetcher refuses every URL it is asked for.
"""

from __future__ import annotations

import contextlib
import contextvars
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

from core import documents
from core.exceptions import ServiceError

logger = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
# PDF/A-3 level A ("accessible", ``LINLI_PDF_TAGGED=true``): WeasyPrint tags the
# document (structure tree, reading order, table and list structure, the page margins as
# artefacts, the language), so a screen reader reads it as laid out (#23). Checked here
# with qpdf --check, the XMP identification (part 3, conformance A) and the structure
# tree (tests/consultation/test_paper_notices.py); WeasyPrint's own CI validates its
# PDF/A variants with veraPDF, which is not installable here. Level B ("pdf/a-3b") stays
# the default: tagging costs ~5 % (one page) to ~18 % (ten pages of tables) more CPU.
TAGGED_VARIANT, UNTAGGED_VARIANT = "pdf/a-3a", "pdf/a-3b"


def pdf_variant() -> str:
    """The PDF/A variant archival PDFs are written in (settings ``LINLI["PDF_TAGGED"]``)."""
    return TAGGED_VARIANT if settings.LINLI.get("PDF_TAGGED") else UNTAGGED_VARIANT


STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "pdf.css"


class PdfUnavailable(ServiceError):
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


class NoFetcher:
    """A URL fetcher that fetches nothing (WeasyPrint catches the error and goes on)."""

    def __init__(self):
        self.refused: list[str] = []

    def __call__(self, url, *args, **kwargs):
        self.refused.append(url)
        return _refuse_every_url(url)

    fetch = __call__


def _check_font() -> None:
    if not cjk_font_available():
        raise PdfUnavailable(
            _(
                "The PDF cannot be made: the Noto CJK font is not installed on the server "
                "(Debian package fonts-noto-cjk; `make install` installs it)."
            )
        )


@functools.lru_cache(maxsize=64)
def stylesheet(text: str):
    """``text`` parsed once into WeasyPrint's ``CSS`` and kept (by its text, so an edited
    pdf.css is parsed again): parsing pdf.css and building its selector index cost ~50 ms
    of every render, more than the whole document frame adds (#23's 10 % budget,
    tests/perf/pdf_bench.py). A parsed sheet is only read while rendering, so renders
    share it. Our sheets name no URL; one that did would be refused, as in documents."""
    from weasyprint import CSS

    return CSS(string=text, url_fetcher=_refuse_every_url)


def layout(html: str, *, fetcher: NoFetcher | None = None, page_css: str = ""):
    """``html`` laid out in pages (WeasyPrint's ``Document``): ``len(layout(h).pages)``.
    ``page_css``: the document's own page rules (``core.documents.page_css``)."""
    from weasyprint import HTML

    _check_font()
    fetcher = fetcher or NoFetcher()
    stylesheets = [stylesheet(STYLESHEET.read_text())]
    if page_css:
        stylesheets.append(stylesheet(page_css))
    return HTML(string=html, base_url="about:blank", url_fetcher=fetcher).render(
        stylesheets=stylesheets
    )


def html_to_pdf(
    html: str,
    *,
    title: str,
    attachment_name: str | None = None,
    data: dict | None = None,
    fetcher: NoFetcher | None = None,
    page_css: str = "",
) -> bytes:
    """Render ``html`` (already escaped by its template) to PDF/A-3 bytes (``pdf_variant``)."""
    # Loaded on the first render, not at every start: WeasyPrint loads Pango and fonts.
    from weasyprint import Attachment

    fetcher = fetcher or NoFetcher()
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
    try:
        return layout(html, fetcher=fetcher, page_css=page_css).write_pdf(
            pdf_variant=pdf_variant(),
            attachments=attachments,
            custom_metadata=True,
        )
    finally:
        _collect_later()


# Set while an archived document renders: the frame reserves the box on its last page
# where the office's visible signature goes (templates/core/pdf/_seal_field.html;
# core.signing finds it by its anchor).
_signature_field = contextvars.ContextVar("linli_signature_field", default=False)


@contextlib.contextmanager
def signature_field():
    """Render the documents inside with room for the office's signature (#24)."""
    token = _signature_field.set(True)
    try:
        yield
    finally:
        _signature_field.reset(token)


def render(
    template_name: str,
    context: dict,
    *,
    title: str,
    attachment_name: str | None = None,
    data: dict | None = None,
    fetcher: NoFetcher | None = None,
) -> bytes:
    """``template_name`` rendered with ``context`` (in the active language) as PDF/A-3,
    with ``data`` embedded as JSON when given. Templates extend the frame
    ``core/pdf/base.html`` (``core.documents.frame`` builds its ``doc``); Chinese documents
    get Chinese punctuation in their text (``core.documents.fullwidth_html``). A page
    count in the body (an archival cover's 页数) needs no second pass: CSS
    ``target-counter()`` on an anchor at the document's end gives the last page's number."""
    if _signature_field.get():
        context = {**context, "signature_field": True}
    html = render_to_string(template_name, context)
    if documents.document_language() != "en":
        html = documents.fullwidth_html(html)
    return html_to_pdf(
        html,
        title=title,
        attachment_name=attachment_name,
        data=data,
        fetcher=fetcher,
        page_css=documents.page_css(context.get("doc")),
    )


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
