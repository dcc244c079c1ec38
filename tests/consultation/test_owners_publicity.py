"""Owner ballots as the law has them, through the services, the model and the pages: the
statutory floor refused below, owners as persons (法释〔2009〕7号 Art. 9), who signed, the
voting dates, the register import, the proposed merges, and the result's publicity with
objections that open a coordination meeting."""

import datetime as dt
import importlib
import io
import subprocess
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.models import CalendarDay, Flat, FlatOwner
from consultation import selectors, services
from consultation.forms.ballots import BallotForm
from consultation.models import (
    BallotCampaign,
    BallotRuleSet,
    CampaignStatus,
    ImportStatus,
    MeetingKind,
    OwnerMergeProposal,
    Ownership,
    PublicityKind,
)
from core.exceptions import TransitionRefused
from tests.factories import (
    BallotCampaignFactory,
    FlatFactory,
    MeetingFactory,
    StairwellFactory,
    own,
    pass_publicity,
    vote,
)

TODAY = timezone.localdate


def ordinary():
    return BallotRuleSet.objects.get(code="civil-code-278-ordinary", version=1)


@pytest.fixture
def stairwell(world):
    return StairwellFactory(parent=world.building_a, name="1单元", floors=3)


# ------------------------------------------------------------------ the floor


def test_an_elevator_ballot_under_the_ordinary_rule_is_refused_everywhere(
    case, stairwell, mediator
):
    with pytest.raises(TransitionRefused) as refused:
        services.ballot_create(
            actor=mediator,
            case=case,
            matter="elevator",
            title="加装电梯",
            scope=stairwell,
            rule_set=ordinary(),
            opens_on=TODAY(),
            closes_on=TODAY(),
        )
    assert any("Civil Code Art. 278 ¶2" in m for m in refused.value.messages)
    assert not BallotCampaign.objects.exists()
    # The model refuses it too, and so does the form.
    draft = BallotCampaign(matter="elevator", rule_set=ordinary())
    with pytest.raises(ValidationError, match="at least 3/4"):
        draft.clean()
    form = BallotForm(
        {
            "case": case.reference,
            "matter": "elevator",
            "title": "加装电梯",
            "scope": stairwell.pk,
            "rule_set": ordinary().pk,
            "opens_on": "2026-06-01",
            "closes_on": "2026-06-10",
        },
        places=type(stairwell).objects.all(),
    )
    assert not form.is_valid() and "Art. 278" in str(form.errors["rule_set"])
    # The same ordinary rule is lawful for using the fund.
    assert services.ballot_create(
        actor=mediator,
        case=case,
        matter="use_fund",
        title="使用维修资金",
        scope=stairwell,
        rule_set=ordinary(),
        opens_on=TODAY(),
        closes_on=TODAY(),
    ).pk


def test_a_rule_set_below_every_floor_is_invalid(db):
    low = BallotRuleSet(
        code="low",
        name="低于法定",
        participation_area="1/2",
        participation_heads="2/3",
        approval_area="1/2",
        approval_heads="1/2",
        approval_area_inclusive=False,
        approval_heads_inclusive=False,
    )
    with pytest.raises(ValidationError, match="participation by area"):
        low.full_clean()


def test_an_open_ballot_under_an_unlawful_rule_cannot_be_counted_until_put_under_a_lawful_one(
    case, stairwell, mediator
):
    # A ballot from before the floor was enforced: elevator under the ordinary rule.
    campaign = BallotCampaignFactory(
        case=case, scope=stairwell, matter="use_fund", rule_set=ordinary(), collecting=True
    )
    BallotCampaign.objects.filter(pk=campaign.pk).update(matter="elevator")
    campaign.refresh_from_db()
    vote(campaign, mediator)
    with pytest.raises(TransitionRefused, match="below the statutory floor"):
        services.ballot_transition(campaign=campaign, name="count", actor=mediator)
    with pytest.raises(TransitionRefused, match="reason"):
        services.ballot_change_rule_set(
            campaign=campaign, actor=mediator, rule_set=ordinary(), reason=""
        )
    major = BallotRuleSet.objects.get(code="civil-code-278-major", version=1)
    campaign = services.ballot_change_rule_set(
        campaign=campaign, actor=mediator, rule_set=major, reason="事项为加装电梯，适用四分之三"
    )
    assert campaign.rule["approval_area"] == "3/4"
    campaign = services.ballot_transition(campaign=campaign, name="count", actor=mediator)
    assert campaign.tally["verdict"] is True
    # Counted: the rule and result it was counted under stay.
    with pytest.raises(TransitionRefused, match="keeps the rule"):
        services.ballot_change_rule_set(
            campaign=campaign, actor=mediator, rule_set=major, reason="x"
        )


# ------------------------------------------------------------------ persons


@pytest.fixture
def six_units(world):
    """Six 60 m² units: 张三 owns 101, 102 and 201; 李四 202; 王五 and his wife 301;
    赵六 302."""
    place = StairwellFactory(parent=world.building_a, name="2单元", floors=0)
    flats = {
        n: FlatFactory(place=place, number=n, floor=int(n[0]), area_m2="60.00")
        for n in ("101", "102", "201", "202", "301", "302")
    }
    for n in ("101", "102", "201"):
        own(flats[n], "张三")
    own(flats["202"], "李四")
    own(flats["301"], "王五", "王五妻")
    own(flats["302"], "赵六")
    return place


def test_the_art_9_example_through_the_ballot(client, case, six_units, mediator):
    campaign = BallotCampaignFactory(case=case, scope=six_units, collecting=True)
    entries = {e.number: e for e in campaign.electorate.all()}
    assert len({e.head for e in entries.values()}) == 4  # 张三, 李四, 王五 and wife, 赵六
    for n in ("101", "102", "201", "202"):  # 张三 (three units) and 李四 agree
        services.ballot_record(campaign=campaign, actor=mediator, entry=entries[n], choice="agree")
    tally = selectors.compute_tally(campaign)
    checks = {c.name: c.share for c in tally.checks}
    assert tally.total_heads == 4 and tally.participating_heads == 2
    assert checks["participation_area"] * 3 == 2  # 4 × 60 of 360 m²: area alone is enough
    assert tally.verdict is False and "participation_heads" in tally.reasons
    # The co-owned unit is one head whichever of the two signs.
    services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=entries["301"],
        choice="agree",
        signer_kind="co_owner",
        signer_name="王五妻",
    )
    tally = selectors.compute_tally(campaign)
    assert (tally.total_heads, tally.participating_heads) == (4, 3)
    client.force_login(mediator)
    page = client.get(
        reverse("consultation:ballot_detail", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "张三：3 套，计 1 人 / 180.00 m²" in page


def test_the_developers_unsold_units_count_as_one_owner(case, world, mediator):
    place = StairwellFactory(parent=world.building_a, name="3单元", floors=0)
    for n in ("101", "102", "201"):
        own(
            FlatFactory(place=place, number=n, floor=1, area_m2="80.00"), "幸福置业", developer=True
        )
    own(FlatFactory(place=place, number="202", floor=2, area_m2="80.00"), "钱七")
    campaign = BallotCampaignFactory(case=case, scope=place, collecting=True)
    tally = selectors.compute_tally(campaign)
    assert tally.total_heads == 2 and tally.total_area == 320
    assert tally.as_dict()["heads"][0]["name"] == "幸福置业（未售）"


# ------------------------------------------------------------------ votes and dates


def test_votes_are_taken_only_between_opening_and_closing(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell, collecting=True)
    entry = campaign.electorate.first()
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        opens_on=TODAY() + dt.timedelta(days=1), closes_on=TODAY() + dt.timedelta(days=5)
    )
    campaign.refresh_from_db()
    with pytest.raises(TransitionRefused, match="no votes are taken before it opens"):
        services.ballot_record(campaign=campaign, actor=mediator, entry=entry, choice="agree")
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        opens_on=TODAY() - dt.timedelta(days=5), closes_on=TODAY() - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    with pytest.raises(TransitionRefused, match="after the closing day are not counted"):
        services.ballot_record(campaign=campaign, actor=mediator, entry=entry, choice="agree")


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_proxy_signs_with_a_written_mandate(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell, collecting=True)
    entry = campaign.electorate.first()
    paper = services.ballot_record(
        campaign=campaign,
        actor=mediator,
        entry=entry,
        choice="agree",
        signer_kind="proxy",
        signer_name="孙八",
        proxy_upload=SimpleUploadedFile("mandate.png", png_bytes(), content_type="image/png"),
    )
    assert (paper.signer_kind, paper.signer_name, paper.by_proxy) == ("proxy", "孙八", True)
    assert paper.proxy_evidence


# ------------------------------------------------------------------ the register


REGISTER = """楼栋,室号,楼层,专有面积,业主,证件号,类型,份额,未售
1单元,101,1,60.00,张三,110101199003071234,个人,,
1单元,102,1,90.00,张三,110101199003071234,个人,,
1单元,201,2,60.00,王五,,个人,0.5,
1单元,201,2,60.00,王五妻,,个人,0.5,
1单元,202,2,90.00,,,,,是
1单元,301,3,60.00,李四,CQ-0042,个人,,
1单元,302,3,90.00,幸福置业,,单位,,是
"""


def test_the_register_is_previewed_then_applied(client, case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell)
    upload = SimpleUploadedFile("register.csv", REGISTER.encode("utf-8-sig"))
    imported = services.electorate_import_read(campaign=campaign, actor=mediator, upload=upload)
    assert not Ownership.objects.filter(owner__name="张三").exists()  # nothing applied yet
    preview = selectors.import_preview(imported)
    assert [o["name"] for o in preview["merged"]] == ["张三"]
    assert preview["merged"][0]["identity"] == "110101********1234"
    assert [u["owners"] for u in preview["co_owned"]] == [["王五", "王五妻"]]
    assert len(preview["unsold"]) == 2
    client.force_login(mediator)
    page = client.get(
        reverse("consultation:ballot_import_preview", args=[campaign.pk, imported.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "张三" in page and "110101199003071234" not in page
    client.post(
        reverse("consultation:ballot_import_preview", args=[campaign.pk, imported.pk]),
        {"action": "apply"},
    )
    imported.refresh_from_db()
    assert imported.status == ImportStatus.APPLIED
    zhang = Ownership.objects.filter(owner__name="张三")
    assert zhang.count() == 2 and len({o.owner_id for o in zhang}) == 1
    campaign = services.ballot_transition(
        campaign=services.ballot_transition(campaign=campaign, name="announce", actor=mediator),
        name="open",
        actor=mediator,
    )
    tally = selectors.compute_tally(campaign)
    # 6 flats: 张三 (2 units), 王五 and wife, 李四, the developer (2 units) = 4 owners.
    assert tally.total_heads == 4 and tally.total_units == 6


def test_a_bad_register_is_refused_by_line_and_nothing_is_kept(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell)
    bad = (
        REGISTER
        + "9单元,101,1,60.00,某人,,,,\n1单元,303,三,-5,某人,,,,\n1单元,101,1,61.00,张三,,,,\n"
    )
    with pytest.raises(TransitionRefused) as refused:
        services.electorate_import_read(
            campaign=campaign, actor=mediator, upload=SimpleUploadedFile("r.csv", bad.encode())
        )
    messages = refused.value.messages
    assert [m.split(":")[0] for m in messages] == ["Line 9", "Line 10", "Line 11"]
    assert "9单元" in messages[0] and "floor" in messages[1] and "line 2" in messages[2]
    assert not campaign.imports.exists() and not Ownership.objects.filter(owner__name="某人")


def test_an_xlsx_register_is_read_too(case, stairwell, mediator):
    from openpyxl import Workbook

    book = Workbook()
    for line in REGISTER.strip().splitlines():
        book.active.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    campaign = BallotCampaignFactory(case=case, scope=stairwell)
    imported = services.electorate_import_read(
        campaign=campaign,
        actor=mediator,
        upload=SimpleUploadedFile("register.xlsx", data.getvalue()),
    )
    assert len(imported.rows) == 7


# ------------------------------------------------------------------ proposed merges


def test_flat_owners_become_owners_and_same_names_are_only_proposed(client, world, supervisor):
    migration = importlib.import_module("consultation.migrations.0010_flat_owners_to_owners")
    place = StairwellFactory(parent=world.building_a, name="5单元", floors=0)
    for n in ("101", "102"):
        FlatOwner.objects.create(flat=FlatFactory(place=place, number=n, floor=1), name="王伟")
    flat = FlatFactory(place=place, number="201", floor=2)
    FlatOwner.objects.create(flat=flat, name="刘洋")
    FlatOwner.objects.create(flat=flat, name="刘洋妻")
    migration.owners_from_flat_owners(django_apps)
    proposal = OwnerMergeProposal.objects.get()
    assert (proposal.name, proposal.building_id, proposal.owners.count()) == (
        "王伟",
        world.building_a.pk,
        2,
    )
    assert Ownership.objects.filter(owner__name="王伟").values("owner").distinct().count() == 2
    assert Ownership.objects.get(owner__name="刘洋").share == Decimal("0.5")
    client.force_login(supervisor)
    page = client.get(reverse("consultation:owner_merges")).content.decode()
    assert "王伟" in page
    client.post(
        reverse("consultation:owner_merge_decide", args=[proposal.pk]), {"decision": "merge"}
    )
    proposal.refresh_from_db()
    assert proposal.status == "merged"
    owners = set(
        Ownership.objects.filter(flat__place=place, owner__name="王伟").values_list(
            "owner", flat=True
        )
    )
    assert len(owners) == 1


# ------------------------------------------------------------------ publicity


def test_the_result_window_runs_in_working_days_across_a_holiday(settings, db):
    settings.LINLI = {
        **settings.LINLI,
        "PUBLICITY": {**settings.LINLI["PUBLICITY"], "DAY_BASIS": "working"},
    }
    CalendarDay.objects.filter(date__range=("2030-09-25", "2030-10-20")).delete()
    for day in range(1, 8):
        CalendarDay.objects.create(date=dt.date(2030, 10, day), is_working=False, name="国庆节")
    CalendarDay.objects.create(date=dt.date(2030, 10, 12), is_working=True, name="国庆节调休")
    cache.clear()
    # Posted Monday 2030-09-30: 09-30, then 10-08 … 10-11, the make-up Saturday 10-12, 10-14.
    days, basis, first, last = services.window_for(
        PublicityKind.BALLOT_RESULT, dt.date(2030, 9, 30)
    )
    assert (days, basis, first, last) == (7, "working", dt.date(2030, 9, 30), dt.date(2030, 10, 14))
    settings.LINLI["PUBLICITY"]["DAY_BASIS"] = "calendar"
    _d, _b, first, last = services.window_for(PublicityKind.BALLOT_RESULT, dt.date(2030, 9, 28))
    assert (first, last) == (dt.date(2030, 9, 28), dt.date(2030, 10, 8))  # 10-04 is a holiday


def test_an_objection_opens_a_coordination_meeting_on_the_case(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell, published=True)
    notice = campaign.publicities.get(kind=PublicityKind.BALLOT_RESULT)
    objection = services.objection_add(
        campaign=campaign, actor=mediator, name="业主101", flat="101", text="采光受影响"
    )
    assert (objection.recorded_by, objection.publicity) == (mediator, notice)
    meeting = services.objection_open_meeting(
        objection=objection,
        actor=mediator,
        starts_at=timezone.now() + dt.timedelta(days=3),
        venue="居委会会议室",
        chair="刘主任",
    )
    assert meeting.kind == MeetingKind.COORDINATION
    assert list(meeting.cases.all()) == [case]
    objection.refresh_from_db()
    assert objection.meeting == meeting
    with pytest.raises(TransitionRefused, match="already been opened"):
        services.objection_open_meeting(
            objection=objection, actor=mediator, starts_at=timezone.now(), venue="x", chair="y"
        )
    # After the window, objections are refused with the dates.
    notice.__class__.objects.filter(pk=notice.pk).update(
        starts_on=TODAY() - dt.timedelta(days=9), ends_on=TODAY() - dt.timedelta(days=2)
    )
    with pytest.raises(TransitionRefused, match="Objections are received from"):
        services.objection_add(campaign=campaign, actor=mediator, name="甲", flat="", text="迟到")


def test_an_elevator_plan_takes_effect_after_both_publicity_steps(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell, published=True)
    with pytest.raises(TransitionRefused, match="objection period has ended"):
        services.elevator_plan_post(
            campaign=campaign, actor=mediator, kind="planning", summary="规划公示"
        )
    with pytest.raises(TransitionRefused, match="after the planning publicity"):
        services.elevator_plan_post(
            campaign=campaign, actor=mediator, kind="comments", summary="征求意见"
        )
    campaign.publicities.filter(kind="ballot_result").update(
        starts_on=TODAY() - dt.timedelta(days=9), ends_on=TODAY() - dt.timedelta(days=1)
    )
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        objection_deadline=TODAY() - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    planning = services.elevator_plan_post(
        campaign=campaign, actor=mediator, kind="planning", summary="规划公示"
    )
    assert planning.days == 10 and planning.starts_on == TODAY()
    with pytest.raises(TransitionRefused, match="planning publicity and its comment period"):
        services.ballot_transition(campaign=campaign, name="make_effective", actor=mediator)
    campaign.publicities.filter(kind="planning").delete()
    pass_publicity(campaign, mediator)
    campaign = services.ballot_transition(campaign=campaign, name="make_effective", actor=mediator)
    assert campaign.status == CampaignStatus.EFFECTIVE


def test_a_meeting_result_is_posted_once_the_meeting_is_held(case, mediator):
    planned = MeetingFactory(case=case)
    with pytest.raises(TransitionRefused, match="after the meeting is held"):
        services.meeting_result_post(meeting=planned, actor=mediator, summary="结果")
    held = MeetingFactory(case=case, held=True)
    notice = services.meeting_result_post(meeting=held, actor=mediator, summary="会议结果公示")
    assert notice.kind == "meeting_result" and notice.days == 7


def test_the_public_notice_shows_the_result_and_unit_numbers_but_no_names(
    client, case, stairwell, mediator, tmp_path
):
    flat = Flat.objects.get(place=stairwell, number="101")
    FlatOwner.objects.filter(flat=flat).update(phone="13812345678")
    campaign = BallotCampaignFactory(
        case=case, scope=stairwell, counted=True, votes=["object"] + ["agree"] * 5
    )
    campaign = services.ballot_transition(campaign=campaign, name="declare_passed", actor=mediator)
    campaign = services.ballot_transition(campaign=campaign, name="publish", actor=mediator)
    notice = campaign.publicities.get()
    client.logout()
    page = client.get(
        reverse("notices:notice", args=[notice.code]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "1单元是否加装电梯" in page and "通过" in page and "102、201" in page
    assert "业主101" not in page and "13812345678" not in page and "采光受影响" not in page
    response = client.get(reverse("notices:notice_pdf", args=[notice.code]))
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout.decode()
    assert "公示" in text and "业主101" not in text and "≥ 3/4" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True).stdout.decode()
    assert "PDF version" in info


def test_shares_of_one_flat_cannot_exceed_the_whole(case, stairwell, mediator):
    campaign = BallotCampaignFactory(case=case, scope=stairwell)
    register = (
        "楼栋,室号,楼层,专有面积,业主,份额\n1单元,101,1,60.00,甲,0.6\n1单元,101,1,60.00,乙,0.6\n"
    )
    with pytest.raises(TransitionRefused, match="Line 3: the shares of this flat add up"):
        services.electorate_import_read(
            campaign=campaign, actor=mediator, upload=SimpleUploadedFile("r.csv", register.encode())
        )


def test_only_case_staff_read_the_proposed_merges(client, world, agency_officer, mediator):
    client.force_login(agency_officer)
    assert client.get(reverse("consultation:owner_merges")).status_code == 403
    client.force_login(mediator)
    assert client.get(reverse("consultation:owner_merges")).status_code == 200
