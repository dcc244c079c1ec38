"""Charts drawn on the server as SVG: no JavaScript, no CDN, printable, in the page's
language. Colours are presentation attributes (not inline styles), so the page's
Content-Security-Policy holds. Every chart sits beside a table with its numbers."""

from __future__ import annotations

import math

from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CHART_FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"


def _lang() -> str:
    return "zh-Hans" if (translation.get_language() or "zh").lower().startswith("zh") else "en"


PALETTE = ["#1f5f8b", "#d98b2b", "#3a8f4f", "#8e44ad", "#c0392b", "#7f8c8d", "#16a085", "#b7950b"]
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (the axis top)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    return next(m * exponent for m in (1, 2, 2.5, 5, 10) if value <= m * exponent)


def _frame(title: str, body: list[str], legend: list[tuple[str, str]]) -> SafeString:
    items = "".join(
        f'<g transform="translate({LEFT + i * 150},{HEIGHT - 10})">'
        f'<rect width="10" height="10" y="-9" fill="{colour}"/>'
        f'<text x="14" font-size="11">{escape(label)}</text></g>'
        for i, (label, colour) in enumerate(legend)
    )
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-label="{escape(title)}" '
        # The Simplified Chinese face by name: left to fontconfig, the PDF renderer picks
        # the first CJK face it finds (Noto Sans CJK JP) and prints Japanese glyph forms.
        f'font-family="{CHART_FONT}" lang="{_lang()}" xml:lang="{_lang()}">'
        f"<title>{escape(title)}</title>{''.join(body)}{items}</svg>"
    )


def _axis(top: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = f"{value:g}"
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{label}</text>'
        )
    return out


def bars(title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> SafeString:
    """Grouped vertical bars: one group per label, one bar per series."""
    top = _nice_max(max((v for _n, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(1, len(labels))
    bar = group * 0.8 / max(1, len(series))
    body = _axis(top)
    for i, label in enumerate(labels):
        x0 = LEFT + i * group + group * 0.1
        for j, (_name, values) in enumerate(series):
            value = values[i] or 0
            h = plot_h * value / top
            body.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)}: '
                f"{value:g}</title></rect>"
            )
        body.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    legend = [(name, PALETTE[j % len(PALETTE)]) for j, (name, _v) in enumerate(series)]
    return _frame(title, body, legend)


def lines(
    title: str, labels: list[str], series: list[tuple[str, list[float | None]]]
) -> SafeString:
    """Percentages over months (0–100); gaps where there was nothing to measure."""
    top = 100
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0
    body = _axis(top)
    for i, label in enumerate(labels):
        body.append(
            f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for j, (_name, values) in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = [
            (LEFT + i * step, TOP + plot_h - plot_h * v / top)
            for i, v in enumerate(values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
    legend = [(name, PALETTE[j % len(PALETTE)]) for j, (name, _v) in enumerate(series)]
    return _frame(title, body, legend)


def stacked(title: str, parts: list[tuple[str, int]]) -> SafeString:
    """One horizontal bar split by share (e.g. cases by status)."""
    total = sum(v for _l, v in parts) or 1
    x, body = float(LEFT), []
    width = WIDTH - LEFT - RIGHT
    shown = [(label, v) for label, v in parts if v]
    for j, (label, value) in enumerate(shown):
        w = width * value / total
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + 40}" width="{w:.1f}" height="40" '
            f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)}: {value}</title></rect>'
        )
        x += w
    legend = [
        (f"{label} {value}", PALETTE[j % len(PALETTE)]) for j, (label, value) in enumerate(shown)
    ]
    rows = [legend[i : i + 4] for i in range(0, len(legend), 4)]
    for r, row in enumerate(rows):
        for i, (label, colour) in enumerate(row):
            body.append(
                f'<g transform="translate({LEFT + i * 150},{TOP + 110 + r * 18})">'
                f'<rect width="10" height="10" y="-9" fill="{colour}"/>'
                f'<text x="14" font-size="11">{escape(label)}</text></g>'
            )
    return _frame(title, body, [])
