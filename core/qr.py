"""QR codes drawn here with segno (no service, no network), as inline SVG a PDF or a page
can carry without fetching anything."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, scale: int = 4) -> SafeString:
    """``url`` as a QR code in inline SVG (error correction M: a creased, taped-up notice
    still scans), with a quiet zone of four modules as ISO/IEC 18004 asks."""
    import segno

    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, border=4))
