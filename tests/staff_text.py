"""What a reader sees of a page, a PDF, an export or a mail, and two checks on it: Latin
words on a Chinese page (an untranslated string, an English choice, a ``verbose_name``)
and a Chinese name in Western order ("晓燕 张": given name, space, family name).

Used by the walker over the staff pages (tests/test_staff_language_walk.py) and by the
name-order tests of documents, exports and mail."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from html.parser import HTMLParser

# Proper nouns, units and format names a Chinese page writes in Latin letters.
ALLOWED_LATIN = {
    "Linli",  # the product's name, beside 邻里
    "PDF",
    "A",  # PDF/A
    "CSV",
    "XLSX",
    "JSON",  # the machine-readable copy of a resident's data (PIPL Art. 45)
    "ID",
    "QR",
    "ics",
    "iCalendar",
    "km",
    "m",  # m², metres
    "SMS",
    "API",
    "English",  # the language switch names each language in itself
    "TOTP",
    "SHA",  # SHA-256, the archive's checksum
    "KB",
    "MB",
    "Google",  # authenticator apps named on the two-factor page
    "Microsoft",
    "Authenticator",
    "FreeOTP",
}

# Family names (百家姓's commonest, single and compound): the second run of "晓燕 张".
FAMILY_NAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
) | {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐"}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_WESTERN_ORDER = re.compile(rf"([{_CJK}]{{1,2}})[ \u00a0]+([{_CJK}]{{1,2}})(?![{_CJK}])")
# A word: two or more letters not joined to digits (M2026-0012, LL-2026-0001, a checksum's
# hex are references, not words).
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z’']*[A-Za-z](?![A-Za-z0-9]|-\d)")
# Data, not words: addresses, paths (the security record's) and file names (a resident's
# upload keeps its name).
_NOT_WORDS = re.compile(
    r"https?://\S+|(?<!\w)/[\w./-]+|\S+\.(?:png|jpe?g|pdf|csv|xlsx|ics|heic)\b", re.I
)


class _Text(HTMLParser):
    """The text a reader sees, with the words of titles, placeholders, labels and buttons."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    HIDDEN = ("script", "style", "template", "code", "kbd")  # code: keys, checksums

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hiding: list[str] = []  # open elements whose text is not language

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN or attrs.get("translate") == "no":
            self._hiding.append(tag)
        for name in self.SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._hiding and self._hiding[-1] == tag:
            self._hiding.pop()

    def handle_data(self, data):
        if not self._hiding:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True, text=True
        ).stdout


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        f"{sheet.title}\n"
        + "\n".join(" | ".join(str(c) for c in row if c is not None) for row in sheet.values)
        for sheet in book.worksheets
    )


def latin_words(text: str, allowed=ALLOWED_LATIN) -> set[str]:
    """The Latin words of ``text`` not on the allow-list."""
    return {w for w in _LATIN_WORD.findall(_NOT_WORDS.sub(" ", text)) if w not in allowed}


def western_order_names(text: str) -> list[str]:
    """Every "名 姓" in ``text``: two short CJK runs split by a space, the second a family
    name (晓燕 张), as ``get_full_name()`` writes a Chinese name. Lines of PDF layout
    (``pdftotext -layout`` pads columns with several spaces) count only single spaces."""
    found = []
    for m in _WESTERN_ORDER.finditer(text):
        gap = m.group(0)[len(m.group(1)) : -len(m.group(2))]
        if len(gap) == 1 and m.group(2) in FAMILY_NAMES:
            found.append(m.group(0))
    return found
