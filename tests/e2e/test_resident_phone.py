"""The resident's side on a phone (#22a), in a real browser at 390 × 844 in Chinese:

home page → report with a photo and a place found by "use my location" → receipt in large
type → a reload keeps it → the receipt's text message in the development outbox → 我的诉求
by mobile number and the SMS code → the case is listed and opens → staff accept, refer and
resolve it while the resident reloads: the referral, the agency's reply, one-tap "not
satisfied" and the reopen request confirmed, with a text at each new stage. Each page is
also shot at desk width. Screenshots go to var/e2e-artifacts/<test>/."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from casework import services
from casework.models import (
    Case,
    CaseAttachment,
    Organisation,
    Place,
    PlaceKind,
    SmsMessage,
    SmsStatus,
)
from casework.phones import phone_key
from tests.casework.resident_pages import resolve, to_work

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

    # The journey goes on as staff work the case: every stage on the same page, the agency's
    # reply, one-tap "not satisfied", the reopen request confirmed — and a text at each new
    # stage (the form's "text me" box was left ticked).
    people = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["mediator", "supervisor", "police"])
    }
    mediator, police = people["mediator"], people["police"]
    case = to_work(case, mediator, people["supervisor"])
    referral = services.referral_dispatch(
        case=case,
        organisation=Organisation.objects.get(name="长宁公安分局新华路派出所"),
        actor=mediator,
        role="lead",
        kind="complaint",
        instructions="请到场核查。",
    )
    page.reload()
    expect(page.get_by_text("您的诉求已转交长宁公安分局新华路派出所办理")).to_be_visible()
    shots(page, "referred")
    referral = services.referral_transition(referral=referral, name="sign_for", actor=police)
    referral = services.referral_reply(
        referral=referral, actor=police, reply="已到场核查，楼道灯已报修更换。"
    )
    services.referral_transition(referral=referral, name="accept_reply", actor=mediator)
    page.reload()
    expect(page.get_by_text("已到场核查，楼道灯已报修更换。")).to_be_visible()
    resolve(case, mediator)
    page.reload()
    expect(page.locator(".progress li.current")).to_have_text("已办结")
    shots(page, "rate")
    page.get_by_role("button", name="不满意", exact=True).click()
    page.get_by_role("button", name="申请重新办理").click()
    expect(page.locator(".confirm")).to_contain_text("前与您联系")
    shots(page, "reopen-confirmed")
    stage_texts = [
        m.body for m in SmsMessage.objects.filter(case=case, purpose="stage").order_by("id")
    ]
    assert [t.split(reference)[1][:4] for t in stage_texts] == ["已受理。", "正在办理", "已办结，"]

    # The same pages at desk width, to look at.
    desk = browser.new_context(**DESKTOP, locale="zh-CN").new_page()
    for name, path in [("home", "/"), ("form", "/r/"), ("mine-phone", "/r/mine/phone/")]:
        desk.goto(f"{base}{path}")
        shots(desk, f"desk-{name}")
    context.close()
