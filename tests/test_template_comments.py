"""Django's ``{# … #}`` comment ends at the end of its line: one that wraps is printed on
the page as text (two ballot partials showed their notes to residents and staff that way).
Longer notes use ``{% comment %}``."""

from pathlib import Path

import pytest

TEMPLATES = sorted(Path(__file__).resolve().parent.parent.joinpath("templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p).split("templates/")[-1])
def test_no_one_line_comment_runs_over_its_line(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opened = line.rfind("{#")
        assert opened == -1 or "#}" in line[opened:], f"{path.name}:{number}: {{# without #}}"
