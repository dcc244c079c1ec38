"""The ``time_tag`` filter writes what the two date filters it replaced wrote, in local
time, whatever the language; nothing for None."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone, translation

BEFORE = """<time datetime="{{ m|date:'c' }}">{{ m|date:"Y-m-d H:i" }}</time>"""
AFTER = "{% load linli %}{{ m|time_tag }}"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 31, 16, 5, 9, tzinfo=dt.UTC),  # next day in Shanghai
        dt.datetime(2026, 2, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 3, 4, 5, 123456, tzinfo=dt.UTC),  # microseconds kept
    ],
)
def test_time_tag_is_the_date_filters(lang, moment):
    django = engines["django"]
    with translation.override(lang):
        before = django.from_string(BEFORE).render({"m": moment})
        after = django.from_string(AFTER).render({"m": moment})
    assert after == before
    assert timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") in after


def test_time_tag_of_nothing_is_nothing():
    assert engines["django"].from_string(AFTER).render({"m": None}) == ""
