"""Retention and de-identification (#27; PIPL Art. 19, 47): cases ended longer ago than
the retention lose their parties' contact details, then their names, field by field, and
the free text is scrubbed of them; the statistics stay as they were."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework import deidentify, tallies
from casework.models import Case, Party, Status
from core.models import SecurityEvent, SecurityEventKind
from core.retention import personal_data_cutoff
from tests.factories import PartyFactory, make_case

NOW = dt.datetime(2030, 6, 1, 3, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("closed", "days", "due"),
    [
        (dt.datetime(2027, 6, 2, 3, 20, tzinfo=dt.UTC), 1095, True),  # exactly 1095 days
        (dt.datetime(2027, 6, 2, 3, 21, tzinfo=dt.UTC), 1095, False),  # a minute short
        (dt.datetime(2025, 6, 2, 3, 20, tzinfo=dt.UTC), 1825, True),
        (dt.datetime(2030, 5, 31, 3, 20, tzinfo=dt.UTC), 1, True),
    ],
)
def test_retention_counts_from_closure(closed, days, due):
    assert (closed <= personal_data_cutoff(now=NOW, retention_days=days)) is due


def test_a_retention_below_one_day_is_refused():
    with pytest.raises(ValueError, match="at least one day"):
        personal_data_cutoff(now=NOW, retention_days=0)


def _ended_case(world, years_ago: float, state=Status.CLOSED, **kwargs):
    case = make_case(state, place=world.building_a, organisation=world.committee_a, **kwargs)
    ended = timezone.now() - dt.timedelta(days=round(365 * years_ago))
    Case.objects.filter(pk=case.pk).update(closed_at=ended, updated_at=ended)
    return case


@pytest.fixture
def old(world):
    """Closed six years ago: past both retentions (3 and 5 years by default)."""
    case = _ended_case(
        world,
        6,
        description="李秀英（13812345678）反映：王建国家在长宁路1号3号楼201室装修，电话021-62345678。"
        "身份证310101199003071234。",
        requests="请李秀英联系 138-1234-5678。",
        address="3号楼201室",
    )
    PartyFactory(
        case=case,
        name="李秀英",
        phone="138 1234 5678",
        address="长宁路1号3号楼201室",
        email="li@example.cn",
    )
    PartyFactory(case=case, name="王建国", phone="13900001111", address="3号楼202室")
    return case


def test_a_dry_run_reports_and_changes_nothing(old, world):
    recent = _ended_case(world, 1)
    PartyFactory(case=recent, name="张三丰", phone="13700000000")
    out = io.StringIO()
    call_command("deidentify_cases", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "contact: 1 cases ended before" in text and "would be cleared" in text
    assert f"case ids: {old.pk}" in text
    assert set(Party.objects.filter(case=old).values_list("name", flat=True)) == {
        "李秀英",
        "王建国",
    }
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.PII_DEIDENTIFIED).exists()


def test_every_personal_field_of_a_case_past_retention_is_cleared(old, world):
    recent = _ended_case(world, 1)
    PartyFactory(case=recent, name="张三丰", phone="13700000000", address="5号楼")
    open_case = make_case(
        Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a
    )
    Case.objects.filter(pk=open_case.pk).update(updated_at=timezone.now() - dt.timedelta(days=4000))
    PartyFactory(case=open_case, name="赵六", phone="13600000000")
    before = (Case.objects.count(), tallies.stored(), tallies.recount())

    call_command("deidentify_cases", stdout=io.StringIO())

    for party in Party.objects.filter(case=old):
        assert (party.name, party.phone, party.phone_key, party.address, party.email) == (
            "某某",
            "",
            "",
            "",
            "",
        )
    case = Case.objects.get(pk=old.pk)
    assert case.address == ""
    assert case.description == "某某（***）反映：某某家在***装修，电话***。身份证***。"
    assert case.requests == "请某某联系 ***。"
    assert case.contact_cleared_at and case.identity_cleared_at
    # Not past retention, or not ended: untouched.
    assert Party.objects.get(case=recent).phone == "13700000000"
    assert Party.objects.get(case=open_case).name == "赵六"
    # The statistics are what they were.
    assert (Case.objects.count(), tallies.stored(), tallies.recount()) == before
    assert (case.status, case.category_id, case.place_id, case.outcome) == (
        old.status,
        old.category_id,
        old.place_id,
        old.outcome,
    )
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PII_DEIDENTIFIED)
    assert event.detail == {"contact": 1, "identity": 1}
    # A second run finds nothing left to do.
    assert deidentify.deidentify().cases == {"contact": [], "identity": []}


def test_contact_details_go_before_names(world, settings):
    case = _ended_case(world, 4, state=Status.ARCHIVED, description="王建国，电话13900001111")
    PartyFactory(case=case, name="王建国", phone="13900001111")
    deidentify.deidentify()
    party = Party.objects.get(case=case)
    assert (party.name, party.phone) == ("王建国", "")  # names kept 5 years by default
    assert Case.objects.get(pk=case.pk).description == "王建国，电话***"
    settings.LINLI = {**settings.LINLI, "PII_RETENTION_DAYS": {"contact": 1095, "identity": 1095}}
    deidentify.deidentify()
    assert Party.objects.get(case=case).name == "某某"
    assert Case.objects.get(pk=case.pk).description == "某某，电话***"


def test_a_hotline_orders_caller_goes_with_the_names(old):
    from casework.models import HotlineOrder

    order = HotlineOrder.objects.create(
        case=old,
        order_number="SH12345-0001",
        hotline_category="噪声扰民",
        caller="李**",
        caller_phone="138****5678",
        sign_for_due=timezone.now(),
        reply_due=timezone.now(),
    )
    deidentify.deidentify()
    order.refresh_from_db()
    assert (order.caller, order.caller_phone, order.order_number) == ("某某", "", "SH12345-0001")


def test_rejected_and_withdrawn_cases_count_from_their_last_change(world):
    rejected = _ended_case(world, 6, state=Status.REJECTED)
    PartyFactory(case=rejected, name="钱七", phone="13500000000")
    deidentify.deidentify()
    assert Party.objects.get(case=rejected).name == "某某"


def test_the_job_is_scheduled(settings):
    assert "deidentify_cases" in settings.LINLI_SCHEDULE


def test_the_texts_sent_about_a_case_go_with_its_contact_details(old, world):
    """The SMS tables (#22) hold the resident's number and words that may quote the
    status code: cleared with the contact details; a recent case's texts stay."""
    from casework.models import SmsMessage, SmsPurpose, StageAlert
    from casework.phones import phone_key

    recent = _ended_case(world, 1)
    for case in (old, recent):
        SmsMessage.objects.create(
            case=case,
            to="13812345678",
            to_key=phone_key("13812345678"),
            body=f"您的诉求{case.reference}已受理。",
            purpose=SmsPurpose.STAGE,
        )
        StageAlert.objects.create(case=case, phone="13812345678", phone_key="k", last_stage="x")

    call_command("deidentify_cases", stdout=io.StringIO())

    cleared = SmsMessage.objects.get(case=old)
    assert (cleared.to, cleared.to_key, cleared.body) == ("", "", "")
    assert not StageAlert.objects.filter(case=old).exists()
    kept = SmsMessage.objects.get(case=recent)
    assert kept.to == "13812345678" and StageAlert.objects.filter(case=recent).exists()


def test_code_texts_and_codes_go_after_a_day(db):
    """我的诉求's code texts are about a number, not a case: no case retention would
    clear them, so the nightly run removes them (and the code rows) after a day."""
    from casework.models import PhoneCode, SmsMessage, SmsPurpose
    from casework.phones import phone_key

    old = timezone.now() - dt.timedelta(days=2)
    for when in (old, timezone.now()):
        text = SmsMessage.objects.create(
            to="13812345678",
            to_key=phone_key("13812345678"),
            body="验证码",
            purpose=SmsPurpose.CODE,
        )
        code = PhoneCode.objects.create(phone_key="k", code_hash="h", expires_at=when)
        SmsMessage.objects.filter(pk=text.pk).update(created_at=when)
        PhoneCode.objects.filter(pk=code.pk).update(created_at=when)
    out = io.StringIO()
    call_command("deidentify_cases", "--dry-run", stdout=out)
    assert "one-time-code texts older than a day: 1 would be cleared" in out.getvalue()
    assert SmsMessage.objects.count() == 2
    call_command("deidentify_cases", stdout=io.StringIO())
    assert SmsMessage.objects.count() == 1 and PhoneCode.objects.count() == 1
    assert SmsMessage.objects.get().created_at > old
