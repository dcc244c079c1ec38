"""A resident taps "Submit" twice on a phone: the browser sends the form twice and shows
the second answer. One case is registered, and the page the resident sees is its receipt,
with the status code that matches it."""

import re

import pytest
from django.db import connection
from playwright.sync_api import expect

from casework import status_codes
from casework.models import Case
from core.models import SubmissionKey

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_on_the_residents_form_registers_one_case(live_server, browser, shots, world):
    if connection.vendor != "postgresql":
        pytest.skip("two requests at once: SQLite's in-memory test database serves one")
    base = live_server.url
    phone = browser.new_context(**PHONE, locale="zh-CN")
    phone.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = phone.new_page()
    page.goto(f"{base}/r/")
    page.select_option("select[name=category]", index=1)
    page.fill("input[name=address]", "3号楼2单元")
    page.fill("textarea[name=description]", "工地每晚十一点后还在打桩。")
    page.fill("input[name=name]", "王秀英")
    page.fill("input[name=phone]", "13912345678")
    page.check("input[name=consent]")
    sent = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    page.evaluate(
        """() => { const f = document.querySelector('main form');
                   f.requestSubmit(); setTimeout(() => f.requestSubmit(), 20); }"""
    )
    expect(page.get_by_role("heading", name="谢谢，我们已收到")).to_be_visible()
    shots(page, "receipt-after-double-tap")
    assert len(sent) == 2  # the browser really sent it twice
    case = Case.objects.get()
    assert SubmissionKey.objects.count() == 1
    text = page.locator("main").inner_text()
    assert case.reference in text
    code = re.search(r"[A-Z0-9]{12}", page.locator("dd.code").inner_text()).group(0)
    assert status_codes.status_code_matches(case, code)
