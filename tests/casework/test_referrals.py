"""Referrals end to end through services and pages: routing, the case clock, isolation
between organisations, the SLA sweep and its mails."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from casework import selectors, services
from casework.event_text import full_text
from casework.models import Case, CaseEvent, EventKind, OrgKind, Referral, ReferralStatus, Status
from casework.roles import Role
from casework.sla import sla_sweep
from core.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused
from tests.factories import (
    CaseEventFactory,
    MembershipFactory,
    OrganisationFactory,
    PartyFactory,
    ReferralFactory,
    UserFactory,
    category,
    make_case,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10):
    return time_machine.travel(dt.datetime(y, m, d, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def case(world, mediator):
    c = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        due_date=dt.date(2026, 12, 31),
    )
    PartyFactory(case=c, name="王阿姨", phone="13912345678")
    return c


def dispatch(case, actor, organisation, role="lead", kind="complaint", **kw):
    return services.referral_dispatch(
        case=case,
        organisation=organisation,
        actor=actor,
        role=role,
        kind=kind,
        instructions="Please stop the night-time piling.",
        **kw,
    )


@pytest.fixture
def other_station(world):
    station = OrganisationFactory(
        name="天平路派出所", kind=OrgKind.POLICE_STATION, places=[world.street]
    )
    user = UserFactory(username="other_agency")
    MembershipFactory(user=user, organisation=station, role=Role.AGENCY_OFFICER)
    return station, user


# ------------------------------------------------------------------- routing


def test_routing_suggests_the_categorys_kind_covering_the_place(world, case):
    noise = category("construction_noise")
    noise.default_org_kind = OrgKind.URBAN_MANAGEMENT
    noise.save()
    team = OrganisationFactory(
        name="城管中队", kind=OrgKind.URBAN_MANAGEMENT, places=[world.area_a]
    )
    OrganisationFactory(name="外区城管", kind=OrgKind.URBAN_MANAGEMENT, places=[world.area_b])
    case.category = noise
    assert list(selectors.suggested_organisations(case)) == [team]
    # The officer may still pick any receiving organisation.
    names = set(selectors.receiving_organisations().values_list("name", flat=True))
    assert {"城管中队", "外区城管", "新华路派出所", "幸福物业"} <= names
    assert "番禺居委会" not in names  # the neighbourhood's own bodies are not referred to


# ------------------------------------------------------------- case and clock


def test_dispatch_puts_the_case_in_waiting_and_computes_working_day_dues(world, case, mediator):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
    case.refresh_from_db()
    assert case.status == Status.WAITING
    assert referral.sign_due == dt.date(2026, 9, 29)
    # Five working days from Mon 28 Sep over National Day: 29, 30 Sep, 8, 9 Oct and the
    # make-up working Saturday 10 Oct (调休).
    assert referral.reply_due == dt.date(2026, 10, 10)
    event = CaseEvent.objects.get(referral=referral, transition="dispatch")
    assert event.is_public and "新华路派出所" in full_text(event)


def test_case_clock_pauses_while_referred_and_moves_by_the_paused_working_days(
    world, case, mediator, agency_officer
):
    case.due_date = dt.date(2026, 9, 30)
    case.save()
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
    with at(2026, 9, 29):
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
    with at(2026, 10, 8):
        referral = services.referral_transition(
            referral=referral, name="send_reply", actor=agency_officer, reply="Stopped."
        )
    with at(2026, 10, 9):
        referral = services.referral_transition(
            referral=referral, name="accept_reply", actor=mediator
        )
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    referral.refresh_from_db()
    # Signed 29 Sep (due 29 Sep); replied 8 Oct (due Sat 10 Oct): both in time.
    assert (referral.signed_in_time, referral.replied_in_time) == (True, True)
    # Paused (28 Sep, 9 Oct]: 29, 30 Sep, 8, 9 Oct = 4 working days. 30 Sep + 4 working
    # days = 8, 9, 10 (make-up Saturday), 12 Oct.
    assert case.due_date == dt.date(2026, 10, 12)


def test_a_case_with_an_open_lead_referral_cannot_be_resolved(world, case, mediator):
    referral = dispatch(case, mediator, world.police)
    case.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case=case, name="resume", actor=mediator)
    assert "Referrals are still open" in refused.value.messages[0]
    referral.refresh_from_db()
    assert referral.is_open and Case.objects.get(pk=case.pk).status == Status.WAITING
    # Even if the case were back in progress (e.g. an old page), the lead blocks resolving.
    in_progress = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    ReferralFactory(case=in_progress, organisation=world.police, status="signed_for")
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(
            case=in_progress, name="resolve", actor=mediator, outcome="resolved", summary="x"
        )
    assert "lead referral is still open" in refused.value.messages[0]
    assert in_progress.__class__.objects.get(pk=in_progress.pk).status == Status.IN_PROGRESS


def test_an_open_assisting_referral_does_not_block_resolving(world, mediator):
    c = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    ReferralFactory(case=c, organisation=world.police, role="assisting", status="signed_for")
    services.case_transition(
        case=c, name="resolve", actor=mediator, outcome="resolved", summary="Settled."
    )
    c.refresh_from_db()
    assert c.status == Status.RESOLVED


def test_one_open_lead_per_case_and_one_open_referral_per_organisation(world, case, mediator):
    dispatch(case, mediator, world.police)
    case.refresh_from_db()
    with pytest.raises(TransitionRefused, match="already has an open lead"):
        dispatch(case, mediator, world.property_company)
    with pytest.raises(TransitionRefused, match="already has an open referral"):
        dispatch(case, mediator, world.police, role="assisting")
    assisting = dispatch(case, mediator, world.property_company, role="assisting")
    assert assisting.role == "assisting"
    assert case.referrals.count() == 2


def test_the_case_resumes_only_when_the_last_referral_ends(world, case, mediator):
    lead = dispatch(case, mediator, world.police)
    case.refresh_from_db()
    helper = dispatch(case, mediator, world.property_company, role="assisting")
    services.referral_transition(referral=lead, name="recall", actor=mediator, reason="Wrong.")
    case.refresh_from_db()
    assert case.status == Status.WAITING
    services.referral_transition(referral=helper, name="recall", actor=mediator, reason="Done.")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_dispatch_needs_work_started(world, mediator):
    accepted = make_case(
        Status.ACCEPTED,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    with pytest.raises(TransitionRefused, match="Start work"):
        dispatch(accepted, mediator, world.police)
    assert not accepted.referrals.exists()


def _ask(referral, officer, days, reason="Awaiting the permit office."):
    return services.referral_transition(
        referral=referral, name="request_extension", actor=officer, days=days, reason=reason
    )


def test_extension_moves_the_reply_due_and_is_bounded(
    world, case, mediator, supervisor, agency_officer
):
    # Dispatched 28 Sept: reply due 10 Oct (5 working days over National Day); the cap is
    # 15 working days from receipt, 23 Oct, so at most 10 more working days.
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
        assert referral.reply_due == dt.date(2026, 10, 10)
        with pytest.raises(TransitionRefused) as refused:
            _ask(referral, agency_officer, 11, reason="")
        assert len(refused.value.messages) == 2  # too many days, and no reason
        assert "between 1 and 10" in refused.value.messages[0]
        assert "2026-10-23" in refused.value.messages[0]
        referral = _ask(referral, agency_officer, 2)
        # The street's case officer does not decide it: the supervisor does.
        with pytest.raises(ActionForbidden):
            services.referral_transition(
                referral=referral, name="approve_extension", actor=mediator
            )
        referral = services.referral_transition(
            referral=referral, name="approve_extension", actor=supervisor
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR
    assert referral.reply_due == dt.date(2026, 10, 13)  # 10 Oct + 2 working days (12, 13)


def test_a_second_extension_is_refused_with_its_reason(
    world, case, mediator, supervisor, agency_officer
):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
        referral = _ask(referral, agency_officer, 1)
        referral = services.referral_transition(
            referral=referral, name="refuse_extension", actor=supervisor, reason="材料已齐全。"
        )
        assert referral.reply_due == dt.date(2026, 10, 10)  # unchanged
        with pytest.raises(TransitionRefused, match="one extension has already been requested"):
            _ask(referral, agency_officer, 1)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR and referral.reply_due == dt.date(
        2026, 10, 10
    )
    note = referral.case.events.filter(referral=referral).order_by("-pk").first().note
    assert "材料已齐全。" in note


def test_an_extension_asked_after_the_reply_deadline_is_refused(
    world, case, mediator, agency_officer
):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
    with at(2026, 10, 12), pytest.raises(TransitionRefused, match="was due 2026-10-10"):
        _ask(referral, agency_officer, 2)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR and referral.extension_requested_at is None


def test_an_approved_extension_never_passes_the_cap_from_receipt(
    world, case, mediator, supervisor, agency_officer, settings
):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
        referral = _ask(referral, agency_officer, 10)
        # The street lowers the cap in the meantime: the approval still respects it.
        settings.LINLI = {**settings.LINLI, "REFERRAL_EXTENSION_MAX_WORKING_DAYS": 12}
        referral = services.referral_transition(
            referral=referral, name="approve_extension", actor=supervisor
        )
    assert referral.reply_due == dt.date(2026, 10, 20)  # 12 working days from 28 Sept


def test_a_stale_referral_page_is_told_to_reload(world, case, mediator, agency_officer):
    referral = dispatch(case, mediator, world.police)
    stale_version = referral.version
    referral = services.referral_transition(
        referral=referral, name="sign_for", actor=agency_officer
    )
    with pytest.raises(ConcurrentChange):
        referral = services.referral_transition(
            referral=referral,
            name="request_return",
            actor=agency_officer,
            expected_version=stale_version,
            return_reason="duplicate",
            reason="Same as another order.",
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR


def test_supervision_is_for_supervisors_and_logged(world, case, mediator, supervisor):
    referral = dispatch(case, mediator, world.police)
    with pytest.raises(services.ActionForbidden):
        services.referral_supervise(referral=referral, actor=mediator, on=True)
    services.referral_supervise(referral=referral, actor=supervisor, on=True, note="Repeat.")
    referral.refresh_from_db()
    assert referral.under_supervision
    event = CaseEvent.objects.get(referral=referral, kind=EventKind.SUPERVISION)
    assert event.actor == supervisor and "督办" in full_text(event)


# ------------------------------------------------------------------- isolation


def test_another_organisation_cannot_list_open_act_or_download(
    client, world, case, mediator, agency_officer, other_station
):
    _station, stranger = other_station
    referral = dispatch(case, mediator, world.police, needs_contact=True)
    client.force_login(stranger)
    listing = client.get(reverse("casework:inbox"))
    assert listing.status_code == 200 and case.reference not in listing.content.decode()
    assert client.get(reverse("casework:inbox_detail", args=[referral.pk])).status_code == 404
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "sign_for"]),
        {"version": referral.version},
    )
    assert response.status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.casework.test_workspace import _png

    attachment = services.attachment_add(
        case=case,
        actor=mediator,
        upload=SimpleUploadedFile("site.png", _png(), content_type="image/png"),
        public=True,
    )
    url = reverse("casework:inbox_attachment", args=[referral.pk, attachment.pk])
    assert client.get(url).status_code == 404
    # The street-side pages are out of reach too (not their area).
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DISPATCHED
    # The right organisation can download the public attachment.
    client.force_login(agency_officer)
    assert client.get(url).status_code == 200


def test_the_referral_page_shows_what_is_needed_and_nothing_more(
    client, world, case, mediator, agency_officer
):
    CaseEventFactory(case=case, note="INTERNAL: the applicant's son is a lawyer.")
    services.case_add_note(
        case=case, actor=mediator, text="PUBLIC: site visit booked.", public=True
    )
    referral = dispatch(case, mediator, world.police)
    case.refresh_from_db()
    dispatch(case, mediator, world.property_company, role="assisting")
    client.force_login(agency_officer)
    page = client.get(reverse("casework:inbox_detail", args=[referral.pk])).content.decode()
    assert "PUBLIC: site visit booked." in page
    assert "Night-time piling" in page  # the description
    assert "INTERNAL" not in page
    assert "幸福物业" not in page  # another organisation's referral
    assert "13912345678" not in page and "王阿姨" not in page  # no contact needed
    # When the referral needs contact, the applicant's phone is shown.
    Referral.objects.filter(pk=referral.pk).update(needs_contact=True)
    page = client.get(reverse("casework:inbox_detail", args=[referral.pk])).content.decode()
    assert "13912345678" in page and "王阿姨" in page


def test_agency_users_land_on_their_inbox(client, agency_officer):
    client.force_login(agency_officer)
    response = client.get(reverse("casework:home"))
    assert response.status_code == 302 and response.url == reverse("casework:inbox")


# ------------------------------------------------------------- pages, end to end


def test_the_whole_referral_through_the_pages(client, world, case, mediator, agency_officer):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Refer to an organisation" in page
    response = client.post(
        reverse("casework:referral_dispatch", args=[case.pk]),
        {
            "version": case.version,
            "organisation": world.police.pk,
            "role": "lead",
            "kind": "complaint",
            "instructions": "Check the permit and stop the piling.",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    case.refresh_from_db()
    assert case.status == Status.WAITING

    client.force_login(agency_officer)
    inbox = client.get(reverse("casework:inbox")).content.decode()
    assert case.reference in inbox
    client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "sign_for"]),
        {"version": referral.version},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR and referral.signed_by == agency_officer
    # Empty reply: a clear message, nothing changes.
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "send_reply"]),
        {"version": referral.version, "reply": "  "},
        follow=True,
    )
    assert "Write the reply" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR
    # A street-side action is not on the organisation's URL.
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "accept_reply"]),
        {"version": referral.version},
    )
    assert response.status_code == 404
    client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "send_reply"]),
        {"version": referral.version, "reply": "Permit checked; work stops at 22:00."},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REPLIED

    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Permit checked; work stops at 22:00." in page
    client.post(
        reverse("casework:referral_transition", args=[case.pk, referral.pk, "accept_reply"]),
        {"version": referral.version},
    )
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert case.status == Status.IN_PROGRESS


def test_a_stale_form_on_the_inbox_says_reload(client, world, case, mediator, agency_officer):
    referral = dispatch(case, mediator, world.police)
    stale = referral.version
    referral = services.referral_transition(
        referral=referral, name="sign_for", actor=agency_officer
    )
    client.force_login(agency_officer)
    response = client.post(
        reverse("casework:inbox_transition", args=[referral.pk, "send_reply"]),
        {"version": stale, "reply": "Done."},
        follow=True,
    )
    assert "reload" in response.content.decode().lower()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SIGNED_FOR


def test_inbox_filters(client, world, agency_officer, mediator):
    today = dt.date.today()
    overdue = ReferralFactory(
        organisation=world.police,
        case__place=world.building_a,
        case__organisation=world.committee_a,
        status="signed_for",
        reply_due=today - dt.timedelta(days=3),
    )
    fresh = ReferralFactory(
        organisation=world.police,
        case__place=world.building_a,
        case__organisation=world.committee_a,
        status="dispatched",
        sign_due=today + dt.timedelta(days=30),
    )
    closed = ReferralFactory(
        organisation=world.police,
        case__place=world.building_a,
        case__organisation=world.committee_a,
        status="closed",
    )
    client.force_login(agency_officer)

    def refs(query):
        response = client.get(reverse("casework:inbox") + query)
        return {r.pk for r in response.context["page"].object_list}

    assert refs("") == {overdue.pk, fresh.pk}  # open ones by default
    assert refs("?due=overdue") == {overdue.pk}
    assert refs("?status=closed") == {closed.pk}
    assert refs("?open=false") == {closed.pk}
    assert refs("?status=nonsense") == set()


def test_inbox_query_count_does_not_grow(
    client, world, agency_officer, django_assert_max_num_queries
):
    for _ in range(3):
        ReferralFactory(
            organisation=world.police,
            case__place=world.building_a,
            case__organisation=world.committee_a,
        )
    client.force_login(agency_officer)
    client.get(reverse("casework:inbox"))  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("casework:inbox"))
    few = len(few.captured_queries)  # read now: each request empties Django's query log
    for _ in range(20):
        ReferralFactory(
            organisation=world.police,
            case__place=world.building_a,
            case__organisation=world.committee_a,
        )
    client.get(reverse("casework:inbox"))  # warm again: new rows move the 需要我处理 count on
    with django_assert_max_num_queries(few):
        response = client.get(reverse("casework:inbox"))
    assert len(response.context["page"].object_list) == 23


# ------------------------------------------------------------------- SLA sweep


def test_sla_sweep_twice_chases_once(world, case, mediator, django_capture_on_commit_callbacks):
    world.police.email = "duty@police.example"
    world.police.save()
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
    mail.outbox.clear()
    with at(2026, 9, 30), django_capture_on_commit_callbacks(execute=True):
        first = sla_sweep()
        second = sla_sweep()
    assert (first.referrals_overdue, first.referrals_chased) == (1, 1)
    assert (second.referrals_overdue, second.referrals_chased) == (1, 0)
    chases = CaseEvent.objects.filter(referral=referral, kind=EventKind.CHASE)
    assert chases.count() == 1 and "2026-09-29" in full_text(chases.get())
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert recipients == ["duty@police.example", "mediator@example.org"]
    body = mail.outbox[0].body
    assert "/inbox/" in body or "/cases/" in body
    assert mail.outbox[0].subject == f"超期：案件 {case.reference}"
    assert "打开" in body and "Overdue: case" in body  # both languages
    assert "13912345678" not in body and "王阿姨" not in body and "piling" not in body


def test_a_new_deadline_is_a_new_period(world, case, mediator, agency_officer):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
    with at(2026, 9, 30):
        sla_sweep()
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
    with at(2026, 10, 12):  # reply was due Sat 10 Oct (make-up working day)
        result = sla_sweep()
        assert result.referrals_chased == 1
        assert sla_sweep().referrals_chased == 0
    assert CaseEvent.objects.filter(referral=referral, kind=EventKind.CHASE).count() == 2


def test_sla_sweep_chases_an_overdue_case_once_per_deadline(world, mediator, call_command_out):
    c = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        due_date=dt.date.today() - dt.timedelta(days=2),
    )
    assert "cases overdue 1, chased now 1" in call_command_out("sla_sweep")
    assert "cases overdue 1, chased now 0" in call_command_out("sla_sweep")
    assert CaseEvent.objects.filter(case=c, kind=EventKind.CHASE).count() == 1
    c.refresh_from_db()
    assert c.status == Status.IN_PROGRESS  # flagged, not moved


@pytest.fixture
def call_command_out():
    from io import StringIO

    from django.core.management import call_command

    def run(*args):
        out = StringIO()
        call_command(*args, stdout=out)
        return out.getvalue()

    return run


def test_the_dispatch_mail_carries_a_link_and_no_personal_data(
    world, case, mediator, agency_officer, django_capture_on_commit_callbacks
):
    world.police.email = "duty@police.example"
    world.police.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = dispatch(case, mediator, world.police, needs_contact=True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["agency@example.org", "duty@police.example"]
    assert f"/inbox/{referral.pk}/" in message.body
    assert case.reference in message.subject
    for secret in ("13912345678", "王阿姨", "piling", case.place.name):
        assert secret not in message.body and secret not in message.subject


def test_case_page_query_count_does_not_grow_with_referrals(
    client, world, case, mediator, supervisor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Referral.objects.all().delete()
    ReferralFactory(case=case, organisation=world.police, status="replied", reply="ok")
    client.force_login(supervisor)
    url = reverse("casework:case_detail", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    one = len(one)  # read now: each request outside the context empties Django's query log
    assert "Accept the reply" in page.content.decode()
    for i in range(6):
        org = OrganisationFactory(name=f"协办单位{i}", kind=OrgKind.OTHER_AGENCY)
        ReferralFactory(case=case, organisation=org, role="assisting", status="dispatched")
    client.get(url)  # warm again: new rows move the cached 需要我处理 count on
    with CaptureQueriesContext(connection) as seven:
        page = client.get(url)
    assert page.content.decode().count('class="referral-row"') == 7
    assert len(seven.captured_queries) == one


def test_a_late_sign_for_is_stamped_late(world, case, mediator, agency_officer):
    with at(2026, 9, 28):
        referral = dispatch(case, mediator, world.police)
    with at(2026, 9, 30):  # due 29 Sep
        referral = services.referral_transition(
            referral=referral, name="sign_for", actor=agency_officer
        )
    assert referral.signed_in_time is False and referral.replied_in_time is None
