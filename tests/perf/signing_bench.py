"""Signing an archived PDF (#24): how much time and size the office's signature adds to
a ~10-page minutes PDF, at each PAdES level — B-B (signature), B-T (+ RFC 3161 timestamp
from the local TSA, in-process) and B-LT (+ validation data). Targets (issue #24): under
0.3 s and 30 KB without LTV data (B-T). Validation time is printed too. Prints a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

RUNS = 7


def main() -> None:
    import django

    django.setup()
    from django.utils import translation

    from consultation.documents.minutes import minutes_pdf
    from core import pdf, signing
    from tests.perf.pdf_bench import pages_of, snapshot

    with translation.override("zh-hans"), pdf.signature_field():
        content = minutes_pdf(snapshot(100, 12))
    lines = [
        "中心街道办事处 电子签章",
        "签署人：张晓燕（档案员）",
        "签署时间：2026-12-03 10:00（北京时间）",
    ]
    creds = signing.credentials()
    signing.stamp_font()  # made once per machine (var/fonts), not part of a signature
    signing.sign_pdf(content, stamp_lines=lines)  # warm-up: imports, font parse caches

    def at(level):
        timestamper = None if level == signing.LEVEL_B else creds.timestamper
        fetch = level == signing.LEVEL_LT
        return signing.Credentials(creds.signer, timestamper, creds.trust_roots, fetch, "bench")

    print(f"minutes PDF: {pages_of(content)} pages, {len(content) / 1024:.0f} KB unsigned")
    print(f"{'level':6} {'median s':>9} {'max s':>7} {'added KB':>9} {'validate s':>11}")
    for level in (signing.LEVEL_B, signing.LEVEL_T, signing.LEVEL_LT):
        times, added, checks = [], 0, []
        original = signing.credentials
        signing.credentials = lambda level=level: at(level)
        try:
            for _ in range(RUNS):
                started = time.perf_counter()
                signed = _sign(signing, content, lines, level)
                times.append(time.perf_counter() - started)
                added = len(signed) - len(content)
                started = time.perf_counter()
                assert signing.validate(signed).ok
                checks.append(time.perf_counter() - started)
        finally:
            signing.credentials = original
        print(
            f"{level:6} {statistics.median(times):9.3f} {max(times):7.3f} "
            f"{added / 1024:9.1f} {statistics.median(checks):11.3f}"
        )


def _sign(signing, content, lines, level) -> bytes:
    """One signature at exactly ``level`` (sign_pdf tries the best level first)."""
    signed = signing.sign_pdf(content, stamp_lines=lines, best=level)
    assert signed.level == level, (signed.level, level, signed.note)
    return signed.content


if __name__ == "__main__":
    main()
