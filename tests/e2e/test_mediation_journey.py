"""People's mediation in a real browser: a mediator adds the other side to a neighbour
dispute, opens a mediation, records the rights notice and a signed session, drafts the
agreement, records every signature and the seal, sees it take effect with the judicial
confirmation reminder, and downloads the agreement's copies."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casework import services
from casework.models import Case, Category, Organisation, Place, PlaceKind, Status
from consultation.models import ArchiveRecord, Mediation, MediationStatus
from tests.e2e.test_journey import DESKTOP, click, login


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_mediator_takes_a_dispute_to_an_agreement(
    live_server, browser, shots, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", cases=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="mediator")
    committee = Organisation.objects.get(name="番禺居委会")
    building = (
        Place.objects.filter(
            kind=PlaceKind.BUILDING, path__startswith=committee.places.first().path
        )
        .order_by("path")
        .first()
    )
    registration = services.case_register(
        actor=officer,
        organisation=committee,
        category=Category.objects.first(),
        place=building,
        channel="walk_in",
        description="楼上卫生间漏水，天花板发霉。",
        parties=[services.PartyData(name="王秀英", phone="13912345678")],
    )
    case = registration.case
    for name in ("accept",):
        services.case_transition(case=case, name=name, actor=officer)
    case.refresh_from_db()
    services.case_assign(case=case, officer=officer, actor=officer)
    case.refresh_from_db()
    services.case_transition(case=case, name="start_work", actor=officer)
    base = live_server.url

    desk = browser.new_context(**DESKTOP, locale="en-GB")
    page = login(desk, base, "mediator")
    page.goto(f"{base}/cases/{case.pk}/")
    # The other side of the dispute joins the case.
    page.get_by_text("Add a party").click()
    party_form = page.locator("form[action$='/parties/']")
    party_form.locator("select[name=role]").select_option("respondent")
    party_form.locator("input[name=name]").fill("陈建国")
    party_form.get_by_role("button", name="Add the party").click()
    expect(page.locator("#parties")).to_contain_text("陈建国")

    page.get_by_role("link", name="Open people's mediation").click()
    expect(page.locator("input[name=mediators]:checked")).to_have_count(1)  # the case officer
    click(page, "Register the mediation")
    expect(page.get_by_role("heading", level=1)).to_contain_text("人调字第1号")
    mediation = Mediation.objects.get(case=case)

    page.get_by_text("Record the notice").click()
    notice = page.locator("form[action$='/record/notice/']")
    notice.locator("select[name=manner]").select_option("written")
    notice.get_by_role("button", name="Save").click()
    click(page, "Start mediating")
    expect(page.locator("h1 .status")).to_have_text("Mediating")

    page.get_by_text("Record a session").click()
    session = page.locator("form[action$='/record/session/']")
    held = timezone.localtime() - dt.timedelta(minutes=30)
    session.locator("input[name=held_at]").fill(held.strftime("%Y-%m-%dT%H:%M"))
    session.locator("input[name=venue]").fill("番禺居委会人民调解室")
    for box in session.locator("input[name=participants]").all():
        box.check()
    session.locator("textarea[name=applicant_account]").fill("天花板渗水已两周。")
    session.locator("textarea[name=respondent_account]").fill("同意检查防水层。")
    session.locator("textarea[name=outcome]").fill("双方同意由物业检测后分担费用。")
    session.get_by_role("button", name="Save the record").click()
    expect(page.locator("#sessions")).to_contain_text("天花板渗水已两周。")
    sign = page.locator("form[action*='/sign/session/1/']")
    for _ in range(3):  # applicant, respondent, the mediator (who also kept the record)
        sign.get_by_role("button", name="Record").click()
    expect(page.locator("form[action*='/sign/session/1/']")).to_have_count(0)
    shots(page, "session-signed")

    draft = page.locator("form[action$='/record/agreement/']")
    draft.locator("textarea[name=facts]").fill("被申请人卫生间防水层老化导致渗水。")
    draft.locator("textarea[name=disputed_matters]").fill("维修费用的承担。")
    draft.locator("input[name=performance_manner]").fill("转账支付并修复防水层")
    draft.locator("input[name=performance_place]").fill("番禺居委会")
    deadline = timezone.localdate() + dt.timedelta(days=20)
    draft.locator("input[name=performance_deadline]").fill(deadline.isoformat())
    draft.locator("textarea[name^=obligation_]").nth(1).fill("支付维修费用一千二百元并修复防水层。")
    draft.get_by_role("button", name="Save the draft").click()
    expect(page.locator("#agreement")).to_contain_text("has not signed")
    for _ in range(3):
        page.get_by_role("button", name="Record the signature").click()
    click(page, "Mark the committee's seal")
    expect(page.locator("h1 .status")).to_have_text("Agreement in effect")
    expect(page.locator("#agreement")).to_contain_text("Joint judicial confirmation")
    shots(page, "agreement-in-effect")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the agreement")).click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.AGREED
    assert ArchiveRecord.objects.filter(agreement__mediation=mediation).exists()
    page.goto(f"{base}/")
    expect(page.get_by_text(mediation.number)).to_be_visible()
    shots(page, "dashboard-reminder")
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
