"""The whole journey in a real browser, as the people who use Linli would go through it:

1. a resident reports construction noise from a phone and keeps the receipt;
2. a mediator finds the case, accepts it and refers it to the urban-management team;
3. the agency officer signs for the referral and replies;
4. the mediator calls a coordination meeting, records attendance, a vote and a decision,
   drafts and approves the minutes and downloads the PDF;
5. the mediator resolves the case; the resident checks the status (in Chinese), sees it
   resolved and rates it.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casework.models import Case, Place, PlaceKind, Rating, Referral
from consultation.models import ArchiveRecord, Minutes

PASSWORD = "linli-demo-2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def login(context, base, username):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("Username|用户名")).fill(username)
    page.get_by_label(re.compile("Password|密码")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in|Sign in|登录")).click()
    return page


def click(page, name):
    page.get_by_role("button", name=name, exact=True).first.click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_resident_to_archive_and_back(live_server, browser, shots, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", cases=12, stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = live_server.url
    area = Place.objects.get(kind=PlaceKind.AREA, name="番禺居民区")
    building = (
        Place.objects.filter(kind=PlaceKind.BUILDING, path__startswith=area.path)
        .order_by("path")
        .first()
    )

    # 1. The resident, on a phone, in English.
    phone = browser.new_context(**PHONE, locale="en-GB")
    resident = phone.new_page()
    resident.goto(f"{base}/r/")
    expect(resident.get_by_role("heading", name="Tell us about a problem")).to_be_visible()
    resident.get_by_label("What is it about?").select_option(label="Construction noise")
    resident.locator("select[name=estate]").select_option(value=str(building.parent_id))
    resident.locator("select[name=building]").select_option(value=str(building.pk))
    resident.get_by_label("What happened?").fill("工地每晚十一点后还在打桩，吵得睡不着。")
    resident.get_by_label("Your name").fill("王秀英")
    resident.get_by_label("Your phone number").fill("13912345678")
    resident.locator("input[name=consent]").check()
    shots(resident, "resident-form")
    click(resident, "Submit")
    reference = resident.locator("dd.big").first.inner_text().strip()
    code = resident.locator("dd.code").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", reference) and len(code) >= 10
    expect(resident.get_by_text("also after a reload")).to_be_visible()
    shots(resident, "resident-receipt")
    case = Case.objects.get(reference=reference)
    assert case.status == "registered" and case.channel == "online"

    # 2. The mediator finds it, accepts it, takes it and refers it to urban management.
    desk = browser.new_context(**DESKTOP, locale="en-GB")
    mediator = login(desk, base, "mediator")
    mediator.goto(f"{base}/cases/?q={reference}")
    mediator.get_by_role("link", name=reference).click()
    expect(mediator.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    click(mediator, "Accept")
    mediator.locator("form[action$='/assign/'] select").select_option(label="张晓燕")
    click(mediator, "Assign")
    click(mediator, "Start work")
    expect(mediator.locator("h1 .status")).to_have_text("In progress")
    dispatch = mediator.locator("form[action$='/referrals/']")
    expect(dispatch.locator("select[name=organisation]")).to_have_value(
        str(
            Referral._meta.get_field("organisation")
            .related_model.objects.get(name="新华路街道城管执法中队")
            .pk
        )
    )  # routing suggested the urban-management team covering the place
    dispatch.locator("textarea[name=instructions]").fill("请核查夜间施工许可并制止违规打桩。")
    dispatch.get_by_role("button", name="Refer").click()
    expect(mediator.locator("h1 .status")).to_have_text("Waiting")
    shots(mediator, "mediator-referred")

    # 3. The agency officer signs for it and replies.
    agency_context = browser.new_context(**DESKTOP, locale="en-GB")
    agency = login(agency_context, base, "agency")
    expect(agency.get_by_role("heading", name="Referrals inbox")).to_be_visible()
    agency.get_by_role("link", name=reference).click()
    expect(agency.get_by_text("请核查夜间施工许可并制止违规打桩。")).to_be_visible()
    expect(agency.get_by_text("13912345678")).to_have_count(0)  # no contact was asked for
    click(agency, "Sign for")
    agency.locator("textarea[name=reply]").fill("已现场检查，责令施工方晚十点后停止打桩。")
    click(agency, "Reply")
    expect(agency.locator("h1 .status")).to_have_text("Replied")
    shots(agency, "agency-replied")

    # 4. The mediator accepts the reply and holds a coordination meeting.
    mediator.reload()
    expect(
        mediator.locator("#referrals").get_by_text("已现场检查，责令施工方晚十点后停止打桩。")
    ).to_be_visible()
    click(mediator, "Accept the reply")
    expect(mediator.locator("h1 .status")).to_have_text("In progress")
    mediator.get_by_role("link", name="Call a meeting").click()
    mediator.get_by_label("Topic").fill("夜间施工噪音协调会")
    mediator.get_by_label("Chair, if not a staff member").fill("张晓燕")
    mediator.get_by_label("Starts at").fill("2026-12-01T19:00")
    mediator.get_by_label("Venue").fill("居委会会议室")
    click(mediator, "Create the meeting")
    for name in ("王秀英", "施工方项目经理"):
        mediator.locator("form[action$='/record/invitee/'] input[type=text][name=name]").fill(name)
        click(mediator, "Invite")
    click(mediator, "Publish the notice")
    click(mediator, "Mark as held")
    for box in mediator.locator("input[name=present]").all():
        box.check()
    click(mediator, "Save attendance")
    motion = mediator.locator("form[action$='/record/motion/']")
    motion.locator("input[name=text]").fill("晚十点后停止打桩")
    motion.locator("input[name=votes_for]").fill("2")
    motion.locator("input[name=votes_against]").fill("0")
    motion.locator("input[name=abstentions]").fill("0")
    click(mediator, "Record vote")
    mediator.locator("form[action$='/record/decision/'] textarea").fill(
        "施工方承诺晚十点后停止打桩，居委会一周后回访。"
    )
    click(mediator, "Record decision")
    expect(mediator.get_by_text("Carried")).to_be_visible()
    click(mediator, "Close the meeting record")
    click(mediator, "Draft the minutes")
    click(mediator, "Circulate for review")
    for name in ("王秀英", "施工方项目经理"):
        mediator.locator("form[action$='/sign/'] select[name=invitee]").select_option(label=name)
        click(mediator, "Record")
    click(mediator, "Approve")
    expect(mediator.locator("h1 .status")).to_have_text("Approved")
    shots(mediator, "minutes-approved")
    with mediator.expect_download() as download:
        mediator.get_by_role("link", name="Download archived PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    minutes = Minutes.objects.get(meeting__cases=case)
    assert minutes.status == "approved" and ArchiveRecord.objects.get(minutes=minutes).size == len(
        pdf
    )

    # 5. The mediator resolves the case; the resident checks it in Chinese and rates it.
    mediator.goto(f"{base}/cases/{case.pk}/")
    resolve = mediator.locator("form[action$='/transition/resolve/']")
    resolve.locator("select[name=outcome]").select_option("resolved")
    resolve.locator("textarea[name=summary]").fill("施工方已停止夜间打桩，经协调会确认。")
    resolve.get_by_role("button", name="Resolve").click()
    expect(mediator.locator("h1 .status")).to_have_text("Resolved")

    resident.goto(f"{base}/r/status/")
    resident.get_by_role("button", name="简体中文").click()
    expect(resident.get_by_role("heading", name="查询进度")).to_be_visible()
    resident.locator("input[name=reference]").fill(reference)
    resident.locator("input[name=code]").fill(code)
    resident.locator("form button.primary").click()
    expect(resident.get_by_text("已办结").first).to_be_visible()
    expect(resident.get_by_text("施工方已停止夜间打桩，经协调会确认。").first).to_be_visible()
    shots(resident, "resident-status-zh")
    resident.get_by_role("button", name="满意", exact=True).click()  # one tap
    shots(resident, "resident-rated")
    rating = Rating.objects.get(case=case)
    assert (rating.efficiency, rating.attitude, rating.result, rating.satisfied) == (5, 5, 5, True)
    for context in (phone, desk, agency_context):
        context.close()
