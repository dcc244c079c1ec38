"""The resident's side on a phone (#22a), in a real browser at 390 × 844 in Chinese:

home page → report with a photo and a place found by "use my location" → receipt in large
type → a reload keeps it → the receipt's text message in the development outbox → 我的诉求
by mobile number and the SMS code → the case is listed and opens. Each page is also shot
at desk width. Screenshots go to var/e2e-artifacts/<test>/."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from casework.models import Case, CaseAttachment, Place, PlaceKind, SmsMessage, SmsStatus
from casework.phones import phone_key

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
MOBILE = "13912345678"


def _photo(tmp_path):
    path = tmp_path / "现场.jpg"
    Image.new("RGB", (64, 48), "orange").save(path, format="JPEG")
    return path


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_resident_reports_from_a_phone_and_finds_the_case_again(
    live_server, browser, shots, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.FileBackend",
        "SMS_FILE_DIR": str(tmp_path / "sms"),
        "PORTAL_HOTLINE": "021-6280 0000",
        "PORTAL_HOURS": "周一至周五 8:30–17:00",
        "PORTAL_ADDRESS": "新华路 100 号",
    }
    call_command("seed_demo", cases=6, stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = live_server.url
    area = Place.objects.get(kind=PlaceKind.AREA, name="番禺居民区")
    building = (
        Place.objects.filter(kind=PlaceKind.BUILDING, path__startswith=area.path)
        .order_by("path")
        .first()
    )
    # The phone stands beside this building (its coordinates as the demo's survey put
    # them; set here so the test does not depend on the demo having any).
    Place.objects.filter(pk=building.pk).update(
        latitude=Decimal("31.2050000"), longitude=Decimal("121.4300000")
    )
    context = browser.new_context(
        **PHONE,
        locale="zh-CN",
        geolocation={"latitude": 31.20502, "longitude": 121.43003},
        permissions=["geolocation", "clipboard-read", "clipboard-write"],
    )
    page = context.new_page()

    # The home page: what to report, whom to call, the two large buttons.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="向居委会反映问题")).to_be_visible()
    expect(page.get_by_text("021-6280 0000")).to_be_visible()
    expect(page.get_by_role("link", name="12345")).to_be_visible()
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()
    report = page.get_by_role("main").get_by_role("link", name="反映问题", exact=True)
    box = report.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 150  # a large button, not a link
    shots(page, "home")
    report.click()

    # The form: the category, the place from "use my location", a photo.
    expect(page.get_by_role("heading", name="反映问题")).to_be_visible()
    page.locator("select[name=category]").select_option(index=1)
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("select[name=estate]")).to_have_value(str(building.parent_id))
    expect(page.locator("select[name=building]")).to_have_value(str(building.pk))
    # The building list shows only the chosen estate's buildings.
    hidden = page.locator("select[name=building] option[hidden]").count()
    assert hidden >= 1
    page.get_by_label("发生了什么？").fill("楼道灯坏了一个星期，晚上上下楼看不见。")
    page.locator("input[name=photos]").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("您的姓名").fill("王秀英")
    page.get_by_label("您的电话").fill(MOBILE)
    page.locator("input[name=consent]").check()
    shots(page, "form")
    page.get_by_role("button", name="提交").click()

    # The receipt, in large type; a reload keeps it.
    reference = page.locator("[data-receipt-reference]").inner_text().strip()
    code = page.locator("[data-receipt-code]").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", reference) and len(code) >= 10
    size = page.locator("[data-receipt-code]").evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 28
    expect(page.get_by_role("button", name="复制")).to_be_visible()
    expect(page.get_by_role("button", name="保存为图片")).to_be_visible()
    page.get_by_role("button", name="复制").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert reference in copied and code in copied
    with page.expect_download() as saved:
        page.get_by_role("button", name="保存为图片").click()
    picture = saved.value.path()
    assert Path(picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shots(page, "receipt")
    page.reload()
    expect(page.locator("[data-receipt-code]")).to_have_text(code)
    shots(page, "receipt-after-reload")
    case = Case.objects.get(reference=reference)
    assert case.place_id == building.pk and case.channel == "online"
    assert CaseAttachment.objects.filter(case=case, is_public=True).count() == 1

    # The receipt was texted: the development outbox shows it.
    outbox = context.new_page()
    outbox.goto(f"{base}/r/sms-outbox/")
    expect(outbox.get_by_text(reference).first).to_be_visible()
    assert code in outbox.content()
    shots(outbox, "sms-outbox")
    assert SmsMessage.objects.get(case=case).status == SmsStatus.SENT
    outbox.close()

    # 我的诉求: the number, then the code from the text message.
    page.goto(f"{base}/")
    page.get_by_role("main").get_by_role("link", name="查询进度", exact=True).click()
    page.get_by_label("您的手机号码").fill(MOBILE)
    shots(page, "mine-phone")
    page.get_by_role("button", name="获取短信验证码").click()
    field = page.get_by_label("短信验证码")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    texts = SmsMessage.objects.filter(to_key=phone_key(MOBILE), purpose="code")
    assert texts.count() == 1
    sms_page = context.new_page()
    sms_page.goto(f"{base}/r/sms-outbox/")
    body = sms_page.locator(".sms-body").first.inner_text()
    one_time = re.search(r"验证码为(\d{6})", body).group(1)
    sms_page.close()
    field.fill(one_time)
    shots(page, "mine-code")
    page.get_by_role("button", name="查看我的诉求").click()
    expect(page.get_by_role("heading", name="我的诉求")).to_be_visible()
    expect(page.get_by_text(reference)).to_be_visible()
    shots(page, "mine-list")
    page.get_by_text(reference).click()
    expect(page.get_by_text(reference).first).to_be_visible()
    assert page.url.endswith("/r/status/case/")
    shots(page, "status-from-mine")

    # The same pages at desk width, to look at.
    desk = browser.new_context(**DESKTOP, locale="zh-CN").new_page()
    for name, path in [("home", "/"), ("form", "/r/"), ("mine-phone", "/r/mine/phone/")]:
        desk.goto(f"{base}{path}")
        shots(desk, f"desk-{name}")
    context.close()
