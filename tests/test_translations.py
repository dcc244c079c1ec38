"""The zh_Hans catalogue is complete: nothing untranslated, nothing fuzzy, and it is used."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from casework.models import Status

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
def test_the_chinese_catalogue_has_no_untranslated_or_fuzzy_entries():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )
    stats = result.stderr.strip().splitlines()[-1]
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_statuses_read_in_the_terms_users_say():
    with translation.override("zh-hans"):
        assert str(Status.REGISTERED.label) == "已登记"
        assert str(Status.RESOLVED.label) == "已办结"
        assert str(Status.ARCHIVED.label) == "已归档"
