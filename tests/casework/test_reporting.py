"""The supervisors' report checked number by number against a hand-built street, with
durations across National Day 2026 (1–7 Oct off; Sat 10 Oct a make-up working day)."""

import csv
import datetime as dt
import io
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import reporting, services, tallies
from casework.calendar import working_days_between
from casework.exports import neutralise
from casework.models import Case, ExportLog, Rating, Status
from casework.report_documents import REPORT_PDF_JOB
from core.models import Job
from tests.factories import PartyFactory, ReferralFactory, category, make_case
from tests.report_pdf import fetch_report_pdf

SH = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 11, 2, 10, tzinfo=SH)
PERIOD = reporting.Period.months(dt.date(2026, 9, 1), dt.date(2026, 10, 31))


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def street(world, mediator):
    common = {
        "place": world.building_a,
        "organisation": world.committee_a,
        "assigned_officer": mediator,
    }
    noise, pets = category("construction_noise"), category("pets")
    a = make_case(
        Status.RESOLVED,
        category=noise,
        created_at=at(2026, 9, 28),
        accepted_at=at(2026, 9, 28),
        first_contact_at=at(2026, 9, 30),
        resolved_at=at(2026, 10, 9),
        **common,
    )
    b = make_case(
        Status.CLOSED,
        category=noise,
        created_at=at(2026, 9, 30, 9),
        accepted_at=at(2026, 9, 30),
        first_contact_at=at(2026, 10, 8),
        resolved_at=at(2026, 10, 12),
        outcome="mediation_agreement",
        **common,
    )
    c = make_case(
        Status.IN_PROGRESS,
        category=pets,
        created_at=at(2026, 10, 10),
        accepted_at=at(2026, 10, 10),
        first_contact_at=at(2026, 10, 14),
        due_date=dt.date(2026, 10, 20),
        **common,
    )
    d = make_case(Status.REGISTERED, category=pets, created_at=at(2026, 10, 15), **common)
    e = make_case(
        Status.RESOLVED,
        category=noise,
        created_at=at(2026, 8, 20),
        accepted_at=at(2026, 8, 20),
        resolved_at=at(2026, 9, 3),
        outcome="mediation_failed",
        **common,
    )
    # Another area's case: outside the mediator's report.
    make_case(
        Status.IN_PROGRESS,
        place=world.estate_b,
        organisation=world.committee_b,
        created_at=at(2026, 10, 1),
        due_date=dt.date(2026, 10, 2),
    )
    ReferralFactory(
        case=a,
        organisation=world.police,
        status="closed",
        dispatched_at=at(2026, 9, 28),
        sign_due=dt.date(2026, 9, 29),
        signed_at=at(2026, 9, 29),
        reply_due=dt.date(2026, 10, 10),
        replied_at=at(2026, 10, 8),
        reply="done",
        signed_in_time=True,  # as sign_for and send_reply stamp them (test_referrals)
        replied_in_time=True,
    )
    ReferralFactory(
        case=c,
        organisation=world.property_company,
        role="lead",
        status="signed_for",
        dispatched_at=at(2026, 10, 12),
        sign_due=dt.date(2026, 10, 13),
        signed_at=at(2026, 10, 15),
        signed_in_time=False,
        reply_due=dt.date(2026, 10, 19),
    )
    Rating.objects.create(
        case=a, efficiency=5, attitude=5, result=5, satisfied=True, created_at=at(2026, 10, 10)
    )
    Rating.objects.create(
        case=b, efficiency=2, attitude=3, result=2, satisfied=False, created_at=at(2026, 10, 13)
    )
    for case in (a, b, c, d, e):
        PartyFactory(case=case, name=f"申请人{case.pk}", phone="13912345678")
        stamp(case)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def stamp(case):
    """What start_work and resolve record (tested through the transitions below). A bulk
    ``update()`` passes the summary tables' choke point by, so the case is refreshed."""
    day = timezone.localtime(case.created_at).date()
    Case.objects.filter(pk=case.pk).update(
        first_contact_working_days=working_days_between(
            day, timezone.localtime(case.first_contact_at).date()
        )
        if case.first_contact_at
        else None,
        resolution_working_days=working_days_between(
            day, timezone.localtime(case.resolved_at).date()
        )
        if case.resolved_at
        else None,
    )
    tallies.refresh(case.pk)


def test_transitions_stamp_working_days_across_the_holiday(world, mediator):
    with time_machine.travel(at(2026, 9, 30, 9), tick=False):
        case = make_case(
            Status.ACCEPTED,
            place=world.building_a,
            organisation=world.committee_a,
            assigned_officer=mediator,
        )
    with time_machine.travel(at(2026, 10, 8), tick=False):
        case = services.case_transition(case=case, name="start_work", actor=mediator)
    with time_machine.travel(at(2026, 10, 12), tick=False):
        case = services.case_transition(
            case=case, name="resolve", actor=mediator, outcome="resolved", summary="ok"
        )
    case.refresh_from_db()
    # (30 Sep, 8 Oct] = 1 working day; (30 Sep, 12 Oct] = 8, 9, Sat 10 (make-up), 12 = 4.
    assert (case.first_contact_working_days, case.resolution_working_days) == (1, 4)
    case = services.case_transition(case=case, name="reopen", actor=mediator, reason="again")
    case.refresh_from_db()
    assert case.resolution_working_days is None and case.first_contact_working_days == 1


def build(user, *, live: bool = False):
    """The report as the page builds it: from the summary tables (or, ``live``, from the
    same facts computed over the user's cases on the spot)."""
    from casework import selectors, tallies

    cases = selectors.cases_visible_to(user)
    scope = tallies.Scope(cases=cases) if live else tallies.scope_for(user)
    with time_machine.travel(TODAY, tick=False):
        return reporting.build(scope, PERIOD, cases=cases)


def test_every_number_of_the_report(street, mediator):
    report = build(mediator)
    sept, octo = report.months
    assert (sept["month"], sept["opened"], sept["resolved"]) == (dt.date(2026, 9, 1), 2, 1)
    assert (octo["opened"], octo["resolved"]) == (2, 2)
    assert report.totals["opened"] == 4 and report.totals["resolved"] == 3
    # Response: Sept 1 of 1 signed in time; Oct 0 of 1.
    assert (sept["response"]["numerator"], sept["response"]["denominator"]) == (1, 1)
    assert (octo["response"]["numerator"], octo["response"]["denominator"]) == (0, 1)
    # Resolution by registration month: Sept 2/2 accepted are done; Oct 0/1 (D not accepted).
    assert sept["resolution"]["percent"] == 100.0 and octo["resolution"]["percent"] == 0.0
    assert octo["resolution"]["denominator"] == 1
    # Satisfaction: Oct 1 of 2 ratings; Sept none (no rate rather than 0 %).
    assert octo["satisfaction"]["percent"] == 50.0 and sept["satisfaction"]["percent"] is None
    assert report.open_now == 2 and report.overdue_now == 1
    # First contact: A (28 Sep → 30 Sep) 2, B (30 Sep → 8 Oct over the holiday) 1,
    # C (Sat 10 Oct → 14 Oct) 3 working days: median 2.
    assert report.median_first_contact == 2
    # Resolution: E (20 Aug → 3 Sep) 10, A (28 Sep → 9 Oct) 4, B (30 Sep → Mon 12 Oct,
    # counting the make-up Saturday) 4: median 4.
    assert report.median_resolution == 4
    assert dict(report.by_category) == {"Construction noise": 2, "Pets": 2}
    assert report.by_area == [("番禺居民区", 4)] and report.by_estate == [("幸福小区", 4)]
    orgs = {o["name"]: o for o in report.organisations}
    assert orgs["新华路派出所"]["response"]["percent"] == 100.0
    assert orgs["新华路派出所"]["on_time"]["percent"] == 100.0
    assert orgs["幸福物业"]["response"]["percent"] == 0.0
    assert (
        orgs["幸福物业"]["on_time"]["numerator"],
        orgs["幸福物业"]["on_time"]["denominator"],
    ) == (0, 1)
    # The cases' outcomes say "mediation agreement / failed", but there are no mediation
    # records: the report counts people's mediations from the mediations themselves.
    assert report.mediation == {"agreement": 0, "failed": 0}


def test_the_report_from_the_summary_tables_equals_the_report_computed_live(
    street, mediator, supervisor
):
    for user in (mediator, supervisor):
        assert build(user) == build(user, live=True)


def test_mediations_are_counted_from_the_mediation_records(world, street, mediator, colleague):
    from tests.factories import MediationFactory

    def open_case(**kw):
        return make_case(
            Status.IN_PROGRESS,
            organisation=world.committee_a,
            assigned_officer=mediator,
            created_at=at(2026, 7, 1),
            **kw,
        )

    with time_machine.travel(at(2026, 10, 5), tick=False):
        MediationFactory(case=open_case(place=world.building_a), agreed=True)
        MediationFactory(case=open_case(place=world.building_a), ended=True)
        MediationFactory(case=open_case(place=world.building_a), ended=True)
        MediationFactory(case=open_case(place=world.building_a), mediating=True)  # under way
    with time_machine.travel(at(2026, 11, 1), tick=False):  # after the period
        MediationFactory(case=open_case(place=world.building_a), ended=True)
    assert build(mediator).mediation == {"agreement": 1, "failed": 2}


def test_organisations_have_resolution_and_satisfaction_rates(street, mediator):
    orgs = {o["name"]: o for o in build(mediator).organisations}
    # The police led case A (resolved; rated satisfied in October): 1 of 1 and 1 of 1.
    police = orgs["新华路派出所"]
    assert (police["resolution"]["numerator"], police["resolution"]["denominator"]) == (1, 1)
    assert (police["satisfaction"]["numerator"], police["satisfaction"]["denominator"]) == (1, 1)
    # The property company leads case C, still in progress and not rated.
    company = orgs["幸福物业"]
    assert (company["resolution"]["numerator"], company["resolution"]["denominator"]) == (0, 1)
    assert company["satisfaction"]["percent"] is None


def test_the_supervisor_sees_the_whole_street(street, supervisor):
    report = build(supervisor)
    assert report.totals["opened"] == 5 and report.overdue_now == 2


def test_the_page_shows_the_numbers_with_charts_and_tables(client, street, mediator):
    client.force_login(mediator)
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("casework:reports"), {"start": "2026-09", "end": "2026-10"})
    page = response.content.decode()

    def figure(dd_id):  # the template may put the number on a line of its own
        return re.search(rf'<dd id="{dd_id}">\s*([^<]*?)\s*</dd>', page).group(1)

    assert figure("total-opened") == "4" and figure("overdue-now") == "1"
    assert figure("median-resolution") == "4"
    assert page.count("<svg") == 4 and "<script" not in page.split("</header>")[1]
    assert "番禺居民区" in page and "幸福物业" in page


def test_bad_report_filters_answer_with_a_message(client, street, mediator):
    client.force_login(mediator)
    response = client.get(reverse("casework:reports"), {"start": "2026-10", "end": "2026-01"})
    assert response.status_code == 200 and "must end after it starts" in response.content.decode()
    response = client.get(reverse("casework:reports"), {"start": "banana"})
    assert response.status_code == 200
    assert client.get("/reports/cases.exe").status_code == 404


def test_the_report_query_count_does_not_grow(client, world, street, mediator):
    client.force_login(mediator)
    url = reverse("casework:reports")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    few = len(few)  # read now: each request outside the context empties Django's query log
    for i in range(30):
        case = make_case(
            Status.RESOLVED,
            place=world.building_a,
            organisation=world.committee_a,
            first_contact_at=at(2026, 10, 12),
            resolved_at=at(2026, 10, 20),
        )
        ReferralFactory(case=case, organisation=world.police, status="closed")
        Rating.objects.create(case=case, efficiency=4, attitude=4, result=4, satisfied=i % 2 == 0)
    client.get(url)  # warm again: new rows move the cached 需要我处理 count on
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == few


def test_exports_mask_phones_neutralise_formulas_and_are_logged(
    client,
    street,
    mediator,
    supervisor,
    colleague,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    street["a"].description = '=HYPERLINK("http://evil.example","click")'
    street["a"].save()
    client.force_login(mediator)
    response = client.get(reverse("casework:export_cases", args=["csv"]), {"q": ""})
    assert response.streaming  # the first byte leaves before the last row is read
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Reference" and len(rows) == 1 + 5
    phones = {r[7] for r in rows[1:]}
    assert phones == {"139****5678"}
    formula = next(r for r in rows[1:] if r[0] == street["a"].reference)
    assert formula[10].startswith("'=HYPERLINK")
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.format, log.rows, log.unmasked) == (
        mediator,
        "cases",
        "csv",
        5,
        False,
    )
    assert log.filters == "q="

    # With the right to unmasked export, the full number; XLSX neutralises too.
    mediator.user_permissions.add(Permission.objects.get(codename="export_unmasked"))
    from django.contrib.auth import get_user_model

    mediator = get_user_model().objects.get(pk=mediator.pk)
    client.force_login(mediator)
    # XLSX is built by a background job; the page lists it, ready, with its link.
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get(reverse("casework:export_cases", args=["xlsx"]))
    assert asked.status_code == 302 and asked["Location"] == reverse("casework:my_exports")
    page = client.get(asked["Location"]).content.decode()
    assert "Your spreadsheet is being prepared" in page and "Ready" in page
    link = re.search(r'href="(/reports/my-exports/\d+/download/)"', page).group(1)
    response = client.get(link)
    assert response["Content-Disposition"].startswith('attachment; filename="linli-cases-')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "Cases"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "13912345678" in {v[7] for v in values[1:]}
    # XLSX keeps the formula as a text cell, shown as typed (no apostrophe added).
    [cell] = [
        row[10] for row in sheet.iter_rows(min_row=2) if row[0].value == street["a"].reference
    ]
    assert cell.value == '=HYPERLINK("http://evil.example","click")' and cell.data_type == "s"
    assert sheet.freeze_panes == "A2"
    registered = sheet.cell(row=2, column=2)
    assert registered.is_date and registered.number_format == "yyyy-mm-dd hh:mm"
    assert ExportLog.objects.filter(unmasked=True, format="xlsx").count() == 1
    # The file is the asker's alone.
    client.force_login(colleague)
    assert client.get(link).status_code == 404
    assert "/download/" not in client.get(reverse("casework:my_exports")).content.decode()

    # Supervisors read the log; mediators may not.
    assert client.get(reverse("casework:export_log")).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("casework:export_log")).content.decode()
    assert "unmasked" in page and "XLSX" in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("王阿姨", "王阿姨"),
        (42, 42),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_monthly_report_pdf(
    client, street, supervisor, tmp_path, django_capture_on_commit_callbacks
):
    """Built by a job, downloaded from the user's exports page, logged as an export."""
    client.force_login(supervisor)
    with time_machine.travel(TODAY, tick=False):
        response = fetch_report_pdf(
            client, django_capture_on_commit_callbacks, {"start": "2026-09", "end": "2026-10"}
        )
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout.decode()
    assert "2026-09" in text and "幸福物业" in text
    assert ExportLog.objects.get().format == "pdf"
    page = client.get(reverse("casework:my_exports")).content.decode()
    assert "Report (PDF)" in page and "Download PDF" in page


def test_the_report_pdf_is_the_askers_own_and_bad_filters_queue_nothing(
    client, street, supervisor, mediator, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    with time_machine.travel(TODAY, tick=False):
        fetch_report_pdf(client, django_capture_on_commit_callbacks, {"start": "2026-09"})
    job = Job.objects.get(kind=REPORT_PDF_JOB)
    client.force_login(mediator)  # a colleague: not theirs to download, not listed
    assert client.get(reverse("casework:my_export_download", args=[job.pk])).status_code == 404
    assert "Download PDF" not in client.get(reverse("casework:my_exports")).content.decode()
    # Filters that do not validate are said on the reports page; nothing is queued.
    refused = client.get(reverse("casework:report_pdf"), {"start": "2026-10", "end": "2026-01"})
    assert refused.status_code == 302 and refused["Location"].startswith(
        reverse("casework:reports")
    )
    assert Job.objects.filter(kind=REPORT_PDF_JOB).count() == 1
    page = client.get(refused["Location"]).content.decode()
    assert "The period must end after it starts." in page


@pytest.mark.parametrize(
    ("start", "end", "title"),
    [
        ("2026-10", "2026-10", "Monthly report"),
        ("2026-07", "2026-09", "Quarterly report"),
        ("2026-08", "2026-10", "Report for a custom period"),
        ("2025-01", "2025-12", "Annual report"),
        ("2025-11", "2026-10", "Report for a custom period"),
    ],
)
def test_the_report_title_follows_its_range(client, mediator, start, end, title):
    client.force_login(mediator)
    page = client.get(reverse("casework:reports"), {"start": start, "end": end}).content.decode()
    assert re.search(rf"<h1>\s*{title}", page)


def test_rate_names_in_chinese_are_the_rates(client, street, mediator):
    client.force_login(mediator)
    response = client.get(
        reverse("casework:reports"),
        {"start": "2026-09", "end": "2026-10"},
        headers={"accept-language": "zh-hans"},
    )
    page = response.content.decode()
    assert "自定义期间报表" in page
    for rate in ("响应率", "解决率", "满意率", "按时反馈率"):
        assert rate in page
    assert "办理情况" not in page  # the case's resolution summary, not a rate
