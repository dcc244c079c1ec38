"""Personal information in a real browser (#27), in Chinese, on a phone and at a desk:
the notice on the resident's form and the staff intake, masked numbers and 显示完整号码 on
the case page (each look recorded), a resident's request received and answered, and the
processing register."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casework.models import Party, Place, PlaceKind
from core.models import SecurityEvent, SecurityEventKind
from tests.e2e.test_journey import DESKTOP, PHONE, login

ZH = {"locale": "zh-CN"}


def _zh(context, base):
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    return context


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_privacy_pages_on_a_phone_and_at_a_desk(live_server, browser, shots, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINLI = {**settings.LINLI, "TWO_FACTOR_REQUIRED": False}
    call_command("seed_demo", cases=8, stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = live_server.url
    area = Place.objects.get(kind=PlaceKind.AREA, name="番禺居民区")
    party = (
        Party.objects.filter(case__place__path__startswith=area.path)
        .exclude(phone="")
        .select_related("case")
        .first()
    )
    case = party.case

    for name, size in (("phone", PHONE), ("desk", DESKTOP)):
        # The resident's form: the notice, in Chinese.
        resident = _zh(browser.new_context(**size, **ZH), base).new_page()
        resident.goto(f"{base}/r/")
        expect(resident.get_by_role("heading", name="个人信息处理告知")).to_be_visible()
        shots(resident, f"{name}-resident-notice")

        desk = _zh(browser.new_context(**size, **ZH), base)
        supervisor = login(desk, base, "supervisor")
        supervisor.goto(f"{base}/cases/new/")
        expect(supervisor.get_by_role("heading", name="个人信息处理告知")).to_be_visible()
        shots(supervisor, f"{name}-intake-notice")

        # The case page: masked; the full number only on request, and the look recorded.
        supervisor.goto(f"{base}/cases/{case.pk}/#parties")
        digits = "".join(c for c in party.phone if c.isdigit())
        expect(supervisor.locator("#parties")).not_to_contain_text(digits)
        shots(supervisor, f"{name}-case-masked")
        before = SecurityEvent.objects.filter(kind=SecurityEventKind.PII_REVEALED).count()
        supervisor.locator(f"#parties form:has(input[value='{party.pk}']) button").click()
        expect(supervisor.get_by_role("heading", name="完整联系方式")).to_be_visible()
        expect(supervisor.locator("dd.big")).to_have_text(party.phone)
        shots(supervisor, f"{name}-contact-revealed")
        assert (
            SecurityEvent.objects.filter(kind=SecurityEventKind.PII_REVEALED).count() == before + 1
        )

        # A resident's request, received and answered.
        supervisor.goto(f"{base}/privacy/requests/")
        supervisor.locator("select[name=organisation]").select_option(index=1)
        supervisor.locator("select[name=kind]").select_option(value="copy")
        supervisor.locator("input[name=name]").fill(party.name)
        supervisor.locator("input[name=phone]").fill(digits)
        supervisor.locator("input[name=identity_checked]").fill("居民身份证原件")
        supervisor.get_by_role("button", name="登记").click()
        expect(
            supervisor.get_by_role("heading", name=re.compile("复制我的个人信息"))
        ).to_be_visible()
        expect(supervisor.locator("body")).to_contain_text(case.reference)
        shots(supervisor, f"{name}-rights-detail")
        supervisor.goto(f"{base}/privacy/requests/")
        shots(supervisor, f"{name}-rights-list")

        supervisor.goto(f"{base}/privacy/register/")
        expect(supervisor.get_by_role("heading", name="个人信息处理活动记录")).to_be_visible()
        expect(supervisor.locator("table")).to_contain_text("是（SM4）")
        shots(supervisor, f"{name}-register")
