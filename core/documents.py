"""The frame of every official paper Linli prints: who issues it (the letterhead), its
document number, its date line, the page footer, the draft mark, and Chinese punctuation.

The layout rules follow GB/T 9704-2012 《党政机关公文格式》 as far as a street office's
working papers use them: the issuing organisation's full name as the letterhead (版头), the
document number as 机关代字〔年份〕序号 (7.2.4: the year in hexagonal brackets 〔〕, the
serial with no leading zeros and no "第"), and the date written with Arabic numerals,
year in full, month and day without leading zeros (7.3.5: 2026年12月3日).

The kernel knows no app: the issuing organisation is a name the caller resolves (from the
place tree, see ``casework.selectors.issuing_organisation``); this module only falls back to
the ``LINLI["ISSUER_NAME"]`` setting and never to a product name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.utils import timezone, translation

from core.sequences import next_number

# Document kinds and their 机关代字 (the short code before the year). One numbering per kind
# and year in core.YearSequence ("doc:minutes" 2026 → 12).
DOCUMENT_CODES = {
    "minutes": "纪要",
    "ballot_result": "表决",
    "notice": "通知",
    "publicity": "公示",
}


def issuer_fallback() -> str:
    """The organisation named in the settings (``LINLI_ISSUER_NAME``), or "" when none."""
    return (settings.LINLI.get("ISSUER_NAME") or "").strip()


def format_document_number(code: str, year: int, serial: int) -> str:
    """``纪要〔2026〕12号`` (GB/T 9704-2012 7.2.4: 〔〕 around the year, serial without
    leading zeros or 第)."""
    return f"{code}〔{year}〕{int(serial)}号"


def issue_document_number(kind: str, *, year: int | None = None) -> str:
    """Draw the next number of document kind ``kind`` for ``year`` (this year by default).
    Call inside the transaction that stores it on the record, so a re-render prints the
    same number and a rolled-back action gives its number back."""
    year = year or timezone.localdate().year
    serial = next_number(f"doc:{kind}", year)
    return format_document_number(DOCUMENT_CODES[kind], year, serial)


def _as_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def document_date(value, *, language: str | None = None) -> str:
    """The date line: ``2026年12月3日`` in Chinese (GB/T 9704-2012 7.3.5.4: Arabic numerals,
    the year in full, no leading zeros), ``3 December 2026`` in English; "" for no date.
    Accepts a date, a datetime (local time) or an ISO string."""
    day = _as_date(value)
    if day is None:
        return ""
    language = language or translation.get_language() or "zh-hans"
    if language.lower().startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def document_language() -> str:
    """The language a document prints in: the active one, as an HTML ``lang`` value."""
    language = (translation.get_language() or "zh-hans").lower()
    return "zh-Hans" if language.startswith("zh") else "en"


# ------------------------------------------------------------------ punctuation


def _cjk(ch: str) -> bool:
    if not ch:
        return False
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA")) or ch in "，。、；：！？）（》《」「"


_CJK_CLASS = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_PARENS = re.compile(r"([ \t]*)\(([^()\n]*)\)")
_COLON = re.compile(rf"(?<={_CJK_CLASS})\s*:\s*")
_COMMA = re.compile(rf"(?<={_CJK_CLASS})\s*,\s*(?={_CJK_CLASS})")
_SEMICOLON = re.compile(rf"(?<={_CJK_CLASS})\s*;\s*(?={_CJK_CLASS})")


def fullwidth(text: str) -> str:
    """Chinese text with Chinese punctuation (GB/T 15834-2011 《标点符号用法》): an ASCII
    colon after a Chinese character becomes ``：``, a comma or semicolon between Chinese
    characters ``，`` / ``；``, and parentheses around or next to Chinese text ``（）``.
    Latin text, numbers and times (``19:00``, ``(2/3)``, ``A, B``) are left alone."""
    if not text:
        return text

    def parens(match: re.Match) -> str:
        space, inner = match.group(1), match.group(2)
        before = match.string[match.start() - 1] if match.start() else ""
        if _cjk(before):  # 面积 (m²) → 面积（m²）: no space before a full-width bracket
            return f"（{inner}）"
        if re.search(_CJK_CLASS, inner):
            return f"{space}（{inner}）"
        return match.group(0)

    text = _PARENS.sub(parens, text)
    text = _COLON.sub("：", text)
    text = _COMMA.sub("，", text)
    return _SEMICOLON.sub("；", text)


_TEXT_NODE = re.compile(r">([^<>]+)<")
_SKIP = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)


def fullwidth_html(html: str) -> str:
    """``fullwidth`` applied to every text node of rendered HTML (not to tags, attributes
    or ``<style>``): the safety net that catches translated labels joined with ASCII
    punctuation in the templates."""

    def text_nodes(part: str) -> str:
        return _TEXT_NODE.sub(lambda m: f">{fullwidth(m.group(1))}<", part)

    pieces, last = [], 0
    for skip in _SKIP.finditer(html):
        pieces += [text_nodes(html[last : skip.start()]), skip.group(0)]
        last = skip.end()
    pieces.append(text_nodes(html[last:]))
    return "".join(pieces)


# ------------------------------------------------------------------ the frame


def frame(
    *,
    issuer: str,
    number: str = "",
    date=None,
    draft: bool = False,
    title: str = "",
) -> dict:
    """The context every PDF template's frame (``core/pdf/base.html``) prints: the
    letterhead (the issuing organisation, or the settings' one), the document number, the
    date line in the document's language, the draft mark and the document's language."""
    return {
        "issuer": (issuer or "").strip() or issuer_fallback(),
        "number": number or "",
        "date": document_date(date) if date else "",
        "draft": draft,
        "title": title,
        "lang": document_language(),
    }


def page_css(doc: dict | None) -> str:
    """The page rules that depend on the document (a stylesheet passed beside pdf.css, as
    templates may carry no inline style): the footer "第 1 页 共 2 页" or "Page 1 of 2" in
    the document's language only, and the draft mark at the top of every page."""
    doc = doc or {}
    if doc.get("lang") == "en":
        footer = 'content: "Page " counter(page) " of " counter(pages);'
    else:
        footer = 'content: "第 " counter(page) " 页 共 " counter(pages) " 页";'
    css = f"@page {{ @bottom-center {{ {footer} }} }}"
    if doc.get("draft"):
        mark = translation.gettext("DRAFT").replace('"', "")
        css += f' @page {{ @top-center {{ content: "{mark}"; color: #c00; font-weight: bold; }} }}'
    return css


# ------------------------------------------------------------------ report titles


def report_title(first: dt.date, last: dt.date) -> str:
    """The report's title from the range it covers (months ``first``..``last``, both the
    first day of their month): one month 月度报表, a calendar quarter 季度报表, a calendar
    year 年度报表, anything else 自定义期间报表 (English in English)."""
    from django.utils.translation import gettext as _

    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months == 1:
        return _("Monthly report")
    if months == 3 and first.month in (1, 4, 7, 10) and first.year == last.year:
        return _("Quarterly report")
    if months == 12 and first.month == 1:
        return _("Annual report")
    return _("Report for a custom period")
