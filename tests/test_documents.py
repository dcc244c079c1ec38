"""The kernel's document rules (core.documents), pinned by tables: the date line and the
document number after GB/T 9704-2012, Chinese punctuation after GB/T 15834-2011, the
report's title from its range, and the issuing organisation's fallback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from core import documents


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (dt.date(2026, 12, 3), "2026年12月3日", "3 December 2026"),
        (dt.date(2026, 1, 9), "2026年1月9日", "9 January 2026"),  # no leading zeros
        ("2026-10-01", "2026年10月1日", "1 October 2026"),
        # An instant late on 31 December UTC is already 1 January in Shanghai.
        (dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), "2027年1月1日", "1 January 2027"),
        ("2026-11-21T10:00+08:00", "2026年11月21日", "21 November 2026"),
        (None, "", ""),
    ],
)
def test_the_date_line(value, zh, en):
    assert documents.document_date(value, language="zh-hans") == zh
    assert documents.document_date(value, language="en") == en


@pytest.mark.parametrize(
    ("code", "year", "serial", "number"),
    [
        ("纪要", 2026, 12, "纪要〔2026〕12号"),
        ("表决", 2027, 1, "表决〔2027〕1号"),  # no leading zeros, no 第
        ("通知", 2026, 105, "通知〔2026〕105号"),
    ],
)
def test_the_document_number(code, year, serial, number):
    assert documents.format_document_number(code, year, serial) == number


@pytest.mark.django_db
def test_numbers_are_drawn_per_kind_and_year():
    assert documents.issue_document_number("minutes", year=2026) == "纪要〔2026〕1号"
    assert documents.issue_document_number("minutes", year=2026) == "纪要〔2026〕2号"
    assert documents.issue_document_number("ballot_result", year=2026) == "表决〔2026〕1号"
    assert documents.issue_document_number("minutes", year=2027) == "纪要〔2027〕1号"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("原因: 噪音", "原因：噪音"),
        ("原因:噪音", "原因：噪音"),
        ("会议(听证会)", "会议（听证会）"),
        ("规则(v2)", "规则（v2）"),  # next to Chinese
        ("张三,李四", "张三，李四"),
        ("张三, 李四", "张三，李四"),
        ("甲;乙", "甲；乙"),
        ("19:00开会", "19:00开会"),  # a time stays a time
        ("2026-03-02 09:30", "2026-03-02 09:30"),
        ("Rule (v2)", "Rule (v2)"),  # Latin text keeps Latin punctuation
        ("A, B: C", "A, B: C"),
        ("(2/3)", "(2/3)"),
        ("面积 (m²)", "面积（m²）"),
        ("", ""),
    ],
)
def test_chinese_text_gets_chinese_punctuation(text, expected):
    assert documents.fullwidth(text) == expected


def test_punctuation_is_fixed_in_text_nodes_only():
    html = '<p title="a:b">原因: 噪音</p><style>p::after { content: "(x)"; }</style><td>(甲)</td>'
    assert documents.fullwidth_html(html) == (
        '<p title="a:b">原因：噪音</p><style>p::after { content: "(x)"; }</style><td>（甲）</td>'
    )


@pytest.mark.parametrize(
    ("first", "last", "zh"),
    [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 30), "月度报表"),
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "季度报表"),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "季度报表"),
        (dt.date(2026, 2, 1), dt.date(2026, 4, 30), "自定义期间报表"),  # three months, no quarter
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "年度报表"),
        (dt.date(2025, 12, 1), dt.date(2026, 11, 30), "自定义期间报表"),  # 12 months, no year
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30), "自定义期间报表"),
        (dt.date(2025, 11, 1), dt.date(2026, 1, 31), "自定义期间报表"),  # across a year
    ],
)
def test_the_report_title_follows_its_range(first, last, zh):
    with translation.override("zh-hans"):
        assert documents.report_title(first, last) == zh


def test_the_issuer_falls_back_to_the_settings_and_never_to_the_product(settings):
    settings.LINLI = {**settings.LINLI, "ISSUER_NAME": "新华路街道办事处"}
    assert documents.frame(issuer="")["issuer"] == "新华路街道办事处"
    assert documents.frame(issuer="番禺居委会")["issuer"] == "番禺居委会"
    settings.LINLI = {**settings.LINLI, "ISSUER_NAME": ""}
    assert documents.frame(issuer="")["issuer"] == ""
