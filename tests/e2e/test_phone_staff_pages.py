"""The staff pages on a phone (390 × 844) and at a desk, in Chinese, in a real browser:
the nav folds behind a menu button, the case list's and the inbox's filters behind "筛选"
(open while a filter is set), references never wrap, and no page is wider than the
phone — wide tables scroll inside their own box. Screenshots in var/e2e-artifacts/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.models import Status
from tests.factories import MeetingFactory, ReferralFactory, make_case

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PASSWORD = "linli-demo-2026"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def street(world, mediator, supervisor, agency_officer, settings):
    # The supervisor signs in with the password only, as in `make run`'s demo (a notice
    # says so on every page); the second factor has its own journey test.
    settings.LINLI = {**settings.LINLI, "TWO_FACTOR_REQUIRED": False}
    for user, (given, family) in (
        (mediator, ("晓燕", "张")),
        (supervisor, ("国强", "李")),
        (agency_officer, ("建华", "王")),
    ):
        user.first_name, user.last_name = given, family
        user.set_password(PASSWORD)
        user.save()
    cases = [
        make_case(
            state,
            place=world.building_a,
            organisation=world.committee_a,
            assigned_officer=mediator,
            description="3号楼旁夜间打桩至23点，影响休息。",
        )
        for state in (Status.REGISTERED, Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED)
    ]
    ReferralFactory(case=cases[2], organisation=world.police)
    meeting = MeetingFactory(case=cases[1], chair="", chair_person=mediator, invitees=3)
    return {"case": cases[2], "meeting": meeting}


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("用户名")).fill(username)
    page.get_by_label(re.compile("密码")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("登录")).click()


def _fits(page, width):
    overflow = page.evaluate("document.documentElement.scrollWidth")
    culprits = page.evaluate(
        "w => [...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 8)"
        ".map(e => e.tagName + '.' + e.className)",
        width,
    )
    assert overflow <= width, f"{page.url} is {overflow}px wide on a {width}px screen: {culprits}"


def _one_line(locator):
    """The element is set on one line: its height is under one and a half lines."""
    box = locator.evaluate(
        "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)"
        " || parseFloat(getComputedStyle(e).fontSize) * 1.5]"
    )
    assert box[0] < box[1] * 1.5, box


def test_staff_pages_fit_a_phone_and_a_desk(live_server, browser, shots, street):
    base = live_server.url
    case, meeting = street["case"], street["meeting"]
    pages = {
        "mediator": [
            ("dashboard", reverse("casework:home")),
            ("case-list", reverse("casework:case_list")),
            ("case-detail", reverse("casework:case_detail", args=[case.pk])),
            ("waiting", reverse("casework:waiting")),
            ("meeting", reverse("consultation:meeting_detail", args=[meeting.pk])),
        ],
        "supervisor": [("reports", reverse("casework:reports"))],
        "agency": [
            ("inbox", reverse("casework:inbox")),
            ("agency-waiting", reverse("casework:waiting")),
        ],
    }
    for size, options in (("phone", PHONE), ("desk", DESKTOP)):
        for username, walk in pages.items():
            context = browser.new_context(**options, locale="zh-CN")
            page = context.new_page()
            _login(page, base, username)
            for name, path in walk:
                page.goto(base + path)
                expect(page.locator("main")).to_be_visible()
                nav = page.locator("nav.mainnav")
                if size == "phone":
                    _fits(page, 390)
                    expect(nav).to_be_hidden()
                    shots(page, f"{size}-{username}-{name}")
                    page.locator("label.menu-button").click()
                    expect(nav).to_be_visible()
                    shots(page, f"{size}-{username}-{name}-menu")
                    page.locator("label.menu-button").click()
                    expect(nav).to_be_hidden()
                else:
                    expect(nav).to_be_visible()
                    expect(page.locator("label.menu-button")).to_be_hidden()
                    shots(page, f"{size}-{username}-{name}")
                references = page.locator(f"a:text-is('{case.reference}')")
                if references.count():
                    _one_line(references.first)
            context.close()


def test_filters_fold_behind_a_button_on_a_phone_and_stay_open_while_set(
    live_server, browser, shots, street
):
    base = live_server.url
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, base, "mediator")
    page.goto(base + reverse("casework:case_list"))
    form = page.locator("form.filters")
    expect(form).to_be_hidden()
    expect(page.locator("table.list")).to_be_visible()  # the cases, not a screen of filters
    page.locator("label.fold-button").click()
    expect(form).to_be_visible()
    shots(page, "phone-case-list-filters-open")
    page.goto(base + reverse("casework:case_list") + "?status=waiting")
    expect(page.locator("form.filters")).to_be_visible()
    _fits(page, 390)
    context.close()
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, base, "agency")
    page.goto(base + reverse("casework:inbox"))
    expect(page.locator("form.filters")).to_be_hidden()
    page.locator("label.fold-button").click()
    expect(page.locator("form.filters")).to_be_visible()
    shots(page, "phone-inbox-filters-open")
    context.close()
