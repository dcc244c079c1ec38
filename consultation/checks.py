from django.core.checks import Warning, register


@register()
def pdf_fonts_check(app_configs, **kwargs):
    """Archival PDFs need the Noto CJK font, and HarfBuzz's subsetter to be fast."""
    from consultation import pdf

    problems = []
    if not pdf.cjk_font_available():
        problems.append(
            Warning(
                "The Noto CJK font is not installed: minutes cannot be exported as PDF "
                "(Chinese text would have no glyphs).",
                hint="Install the Debian package fonts-noto-cjk (`make install` does).",
                id="linli.W010",
            )
        )
    if not pdf.harfbuzz_subset_available():
        problems.append(
            Warning(
                "libharfbuzz-subset is missing: WeasyPrint falls back to fontTools and a "
                "one-page Chinese PDF takes ~22 s instead of ~0.5 s.",
                hint="Install the Debian package libharfbuzz-subset0 (`make install` does).",
                id="linli.W011",
            )
        )
    return problems
