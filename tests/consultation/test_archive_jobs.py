"""#21, a PDF never holds a web worker: the four archival documents (approved minutes, a
ballot's result sheet, the mediation agreement, the mediation dossier) are rendered and
registered by a job the action queues; the pages say what is happening until the record
is there; a retried or repeated job files one record with the numbers drawn once."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import CaseEvent, Status
from consultation import case_events
from consultation import services as ms
from consultation.documents import minutes as minutes_documents
from consultation.models import ArchiveRecord, Minutes, MinutesStatus, meeting_rule
from consultation.services import archive
from core import jobs, pdf
from core.exceptions import TransitionRefused
from core.models import Job, JobStatus, YearSequence
from tests.concurrency import needs_postgres, race
from tests.consultation.test_mediation import (
    _resolve_and_close,
    clock,  # noqa: F401  (autouse: 2026-03-02)
)
from tests.consultation.test_minutes import held  # noqa: F401  (the fixture)
from tests.factories import BallotCampaignFactory, MediationFactory, MinutesFactory
from tests.jobs import run_archive_jobs

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def approve(minutes, actor) -> Minutes:
    return ms.minutes_transition(minutes=minutes, name="approve", actor=actor)


def due_now(job: Job) -> None:
    """The backoff has passed, as time would."""
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())


@pytest.fixture
def signed(held, mediator):  # noqa: F811
    return MinutesFactory(meeting=held, signed=True)


# ------------------------------------------------------------------ minutes


def test_approving_queues_the_job_and_the_page_says_the_file_is_being_generated(
    client, signed, mediator
):
    minutes = approve(signed, mediator)
    assert minutes.status == MinutesStatus.APPROVED and minutes.snapshot["document_number"]
    # The request has changed the state and queued the work; nothing is rendered yet.
    assert not ArchiveRecord.objects.filter(minutes=minutes).exists()
    job = Job.objects.get(kind=archive.MINUTES_JOB)
    assert job.status == JobStatus.PENDING
    assert job.payload == {"minutes": minutes.pk, "actor": mediator.pk}
    client.force_login(mediator)
    url = reverse("consultation:minutes_detail", args=[minutes.pk])
    english = client.get(url).content.decode()
    assert "The archive file is being generated" in english
    assert reverse("consultation:minutes_pdf", args=[minutes.pk]) not in english
    chinese = client.get(url, **ZH).content.decode()
    assert "档案文件正在生成" in chinese and "being generated" not in chinese
    # Asking for the PDF meanwhile says why there is none (no draft of approved minutes).
    early = client.get(reverse("consultation:minutes_pdf", args=[minutes.pk]), follow=True)
    assert early.redirect_chain and "not ready yet" in early.content.decode()


def test_the_job_files_the_record_the_request_used_to(signed, mediator, tmp_path):
    minutes = approve(signed, mediator)
    assert run_archive_jobs() == ["done"]
    record = ArchiveRecord.objects.get(minutes=minutes)
    assert record.title == (
        f"{minutes.snapshot['kind_label']}纪要 · {minutes.snapshot['topic']}（第1版）"
    )
    assert re.fullmatch(r"[A-Z]+-\d{4}-0001", record.archival_number)
    assert record.retention_years == int(meeting_rule(minutes.meeting.kind)["retention_years"])
    assert record.archived_by == mediator and record.format == "PDF/A-3b"
    content = record.file.read()
    assert hashlib.sha256(content).hexdigest() == record.sha256 == record.content_sha256
    assert record.size == len(content)
    text = pdf_text(content, tmp_path)
    flat = text.replace(" ", "")
    assert minutes.snapshot["document_number"] in flat and "电梯井位置方案" in flat
    assert "会议纪要" in flat or "纪要" in flat
    # The same render as the request made before #21: the frozen snapshot, in Chinese,
    # with the signature field.
    with translation.override("zh-hans"), pdf.signature_field():
        again = minutes_documents.minutes_pdf(minutes.snapshot)
    assert pdf_text(again, tmp_path) == text
    job = Job.objects.get(kind=archive.MINUTES_JOB)
    assert job.result == {"record": record.pk, "archival_number": record.archival_number}


def test_a_render_that_fails_once_is_retried_and_then_archives_with_one_number(
    monkeypatch, client, signed, mediator
):
    real = archive.minutes_pdf
    calls = []

    def flaky(snapshot):
        calls.append(snapshot["document_number"])
        if len(calls) == 1:
            raise OSError("WeasyPrint ran out of memory")
        return real(snapshot)

    monkeypatch.setattr(archive, "minutes_pdf", flaky)
    minutes = approve(signed, mediator)
    assert run_archive_jobs() == ["pending"]
    job = Job.objects.get(kind=archive.MINUTES_JOB)
    assert job.attempts == 1 and "out of memory" in job.last_error
    assert job.run_after > timezone.now()  # the backoff
    assert not ArchiveRecord.objects.exists()
    # Meanwhile the page still says it is being generated, and that an attempt failed.
    client.force_login(mediator)
    page = client.get(reverse("consultation:minutes_detail", args=[minutes.pk])).content
    assert b"being generated" in page and b"An attempt failed" in page
    due_now(job)
    assert run_archive_jobs() == ["done"]
    record = ArchiveRecord.objects.get(minutes=minutes)
    # Both attempts printed the number drawn at approval; the failed attempt's archival
    # number went back with its transaction: the register's first number is used once.
    assert calls[0] == calls[1] == minutes.snapshot["document_number"]
    assert record.archival_number.endswith("-0001")
    assert YearSequence.objects.get(name="archive", year=timezone.localdate().year).last == 1


def test_a_job_run_twice_archives_once(signed, mediator):
    minutes = approve(signed, mediator)
    job = Job.objects.get(kind=archive.MINUTES_JOB)
    assert run_archive_jobs() == ["done"]
    assert jobs.run(job.pk) is None  # claimed once: a second hand-over does nothing
    # The same work queued again (a relay's re-send, a staff retry of a copy) finds it.
    again = jobs.enqueue(archive.MINUTES_JOB, dict(job.payload))
    assert jobs.run(again.pk) == JobStatus.DONE
    again.refresh_from_db()
    assert again.result["already"] is True
    assert ArchiveRecord.objects.filter(minutes=minutes).count() == 1
    assert ArchiveRecord.objects.count() == 1


def test_a_failed_job_says_so_to_the_user_and_points_staff_to_the_admin(
    monkeypatch, client, admin_client, signed, mediator
):
    def broken(snapshot):
        raise OSError("disk full")

    monkeypatch.setattr(archive, "minutes_pdf", broken)
    minutes = approve(signed, mediator)
    job = Job.objects.get(kind=archive.MINUTES_JOB)
    for _attempt in range(job.max_attempts):
        due_now(job)
        run_archive_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == job.max_attempts
    url = reverse("consultation:minutes_detail", args=[minutes.pk])
    client.force_login(mediator)
    page = client.get(url).content.decode()
    assert "Generating the archive file failed" in page and "being generated" not in page
    assert "administrators" in page and "admin/" not in page
    chinese = client.get(url, **ZH).content.decode()
    assert "档案文件生成失败" in chinese
    # Staff who may retry it get the way to the list of failed jobs.
    admin_page = admin_client.get(url).content.decode()
    assert reverse("admin:core_job_changelist") + "?status__exact=failed" in admin_page
    # The retry, once the cause is fixed, files it.
    monkeypatch.setattr(archive, "minutes_pdf", minutes_documents.minutes_pdf)
    assert jobs.retry([job.pk]) == 1
    assert run_archive_jobs() == ["done"]
    assert ArchiveRecord.objects.filter(minutes=minutes).exists()
    assert "being generated" not in client.get(url).content.decode()


def test_the_minutes_page_costs_the_same_pending_and_done(
    client, signed, mediator, django_assert_max_num_queries
):
    minutes = approve(signed, mediator)
    client.force_login(mediator)
    url = reverse("consultation:minutes_detail", args=[minutes.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as pending:
        client.get(url)
    run_archive_jobs()
    with CaptureQueriesContext(connection) as done:
        client.get(url)
    # One query more while the record is missing (where the job is), never per record.
    assert len(pending) == len(done) + 1


# ------------------------------------------------------------------ ballot result


def test_the_ballot_result_sheet_keeps_the_number_and_date_drawn_at_publication(
    monkeypatch,
    clock,  # noqa: F811  (the imported fixture, asked for by name to move the time)
    client,
    case,
    mediator,
    tmp_path,
):
    from consultation.documents import ballots as ballot_documents

    real = ballot_documents.result_pdf
    failures = []

    def flaky(campaign, **kwargs):
        if not failures:
            failures.append(kwargs)
            raise OSError("render failed")
        return real(campaign, **kwargs)

    monkeypatch.setattr(ballot_documents, "result_pdf", flaky)
    campaign = BallotCampaignFactory(case=case, actor=mediator, passed=True)
    campaign = ms.ballot_transition(campaign=campaign, name="publish", actor=mediator)
    job = Job.objects.get(kind=archive.BALLOT_RESULT_JOB)
    number, published = job.payload["number"], job.payload["date"]
    assert published == timezone.localdate().isoformat()
    assert run_archive_jobs() == ["pending"]
    client.force_login(mediator)
    page = client.get(reverse("consultation:ballot_detail", args=[campaign.pk])).content
    assert b"being generated" in page
    clock.shift(dt.timedelta(days=2))  # the retry runs on another day
    due_now(job)
    assert run_archive_jobs() == ["done"]
    record = ArchiveRecord.objects.get(ballot=campaign)
    assert record.title == f"业主表决结果 · {campaign.title}"
    flat = pdf_text(record.file.read(), tmp_path).replace(" ", "")
    assert number.replace(" ", "") in flat
    day = dt.date.fromisoformat(published)
    assert f"{day.year}年{day.month}月{day.day}日" in flat  # the publication day, not today
    assert failures[0]["number"] == number
    # One document number drawn, at publication.
    year = timezone.localdate().year
    assert YearSequence.objects.get(name="doc:ballot_result", year=year).last == 1


# ------------------------------------------------------------------ agreement


def test_the_agreement_taking_effect_queues_its_copies(mediator, case):
    from tests.factories import AgreementFactory, MediationSessionFactory, sides

    mediation = MediationFactory(case=case, mediating=True)
    MediationSessionFactory(mediation=mediation, actor=mediator, signed=True)
    _applicant, respondent = sides(case)
    agreement = AgreementFactory(mediation=mediation, obligations=[(respondent, "pay")])
    for party in case.parties.order_by("pk"):
        ms.sign(record=agreement, actor=mediator, signer_key=f"p{party.pk}")
    ms.sign(record=agreement, actor=mediator, signer_key=f"u{mediator.pk}")
    ms.agreement_seal(agreement=agreement, actor=mediator)
    agreement.refresh_from_db()
    assert agreement.in_effect
    assert not ArchiveRecord.objects.filter(agreement=agreement).exists()
    assert Job.objects.get(kind=archive.AGREEMENT_JOB).payload["agreement"] == agreement.pk
    assert run_archive_jobs() == ["done"]
    record = ArchiveRecord.objects.get(agreement=agreement)
    assert record.title == f"人民调解协议书 {mediation.number}"
    assert record.retention_years == 10 and record.archived_by == mediator


# ------------------------------------------------------------------ dossier


@pytest.fixture
def closed(case, mediator, supervisor):
    """A mediated case ready to archive: agreed, visited, reported, resolved and closed."""
    mediation = MediationFactory(
        case=case, agreed=True, visited=True, closing_report="协议已履行，结案。"
    )
    case.refresh_from_db()
    _resolve_and_close(case, mediator, supervisor)
    mediation.refresh_from_db()
    return mediation


def test_the_case_is_archived_only_with_its_dossier_and_a_second_click_is_refused(
    client, closed, archivist, mediator, tmp_path
):
    mediation, case = closed, closed.case
    job = ms.dossier_archive(mediation=mediation, actor=archivist)
    case.refresh_from_db()
    # Asked for, not done: no record, the case still closed, nothing logged yet.
    assert case.status == Status.CLOSED
    assert not ArchiveRecord.objects.filter(dossier=mediation).exists()
    assert not CaseEvent.objects.filter(case=case, code=case_events.DOSSIER_ARCHIVED).exists()
    number = job.payload["archival_number"]
    # A second click (or a colleague's) while it is pending is refused, saying why.
    with pytest.raises(TransitionRefused, match="being generated"):
        ms.dossier_archive(mediation=mediation, actor=archivist)
    with pytest.raises(TransitionRefused, match="being generated"):
        ms.closing_report_write(mediation=mediation, actor=mediator, text="改写")
    assert Job.objects.filter(kind=archive.DOSSIER_JOB).count() == 1
    client.force_login(archivist)
    page = client.get(reverse("consultation:mediation_detail", args=[mediation.pk]), **ZH)
    text = page.content.decode()
    assert "档案文件正在生成" in text
    assert reverse("consultation:dossier_archive", args=[mediation.pk]) not in text

    assert run_archive_jobs() == ["done"]
    record = ArchiveRecord.objects.get(dossier=mediation)
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED
    assert record.archival_number == number and record.archived_by == archivist
    assert record.title == f"人民调解卷宗 {mediation.number} · {case.reference}"
    logged = CaseEvent.objects.get(case=case, code=case_events.DOSSIER_ARCHIVED)
    assert number in str(logged.params)
    flat = pdf_text(record.file.read(), tmp_path).replace(" ", "")
    assert number in flat and "协议已履行，结案。" in flat  # the cover's 档号, the report
    with translation.override("en"), pytest.raises(TransitionRefused, match="already archived"):
        ms.dossier_archive(mediation=mediation, actor=archivist)


def test_a_dossier_job_refused_by_its_recheck_fails_at_once_visibly_and_can_be_asked_again(
    client, closed, archivist, supervisor, monkeypatch
):
    mediation, case = closed, closed.case
    first = ms.dossier_archive(mediation=mediation, actor=archivist)
    # Between the click and the job, the case is no longer closed.
    from casework.models import Case

    Case.objects.filter(pk=case.pk).update(status=Status.RESOLVED)
    assert run_archive_jobs() == ["failed"]  # no pointless retries
    first.refresh_from_db()
    assert first.attempts == 1 and first.status == JobStatus.FAILED
    # The refusal is kept in the product's language, as the page shows it.
    assert first.result["refused"] == "请先（回访后）结案，再归档。"
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert not ArchiveRecord.objects.filter(dossier=mediation).exists()
    # Closed again, the archivist sees why the last attempt failed and asks again: the
    # new job reuses the number the failed one drew (no gap in the register).
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    client.force_login(archivist)
    page = client.get(reverse("consultation:mediation_detail", args=[mediation.pk])).content
    assert b"The archive file was not generated" in page
    assert reverse("consultation:dossier_archive", args=[mediation.pk]).encode() in page
    response = client.post(
        reverse("consultation:dossier_archive", args=[mediation.pk]),
        {"version": mediation.version},
        follow=True,
    )
    assert response.status_code == 200
    second = Job.objects.filter(kind=archive.DOSSIER_JOB).exclude(pk=first.pk).get()
    assert second.payload["archival_number"] == first.payload["archival_number"]
    assert run_archive_jobs() == ["done"]
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED
    record = ArchiveRecord.objects.get(dossier=mediation)
    assert record.archival_number == first.payload["archival_number"]


def test_the_dossier_view_tells_the_archivist_when_it_is_done_in_process(
    client, closed, archivist, django_capture_on_commit_callbacks
):
    client.force_login(archivist)
    with django_capture_on_commit_callbacks(execute=True):  # no broker: runs after commit
        response = client.post(
            reverse("consultation:dossier_archive", args=[closed.pk]),
            {"version": closed.version},
        )
    record = ArchiveRecord.objects.get(dossier=closed)
    page = client.get(response.url).content.decode()
    assert record.archival_number in page
    closed.case.refresh_from_db()
    assert closed.case.status == Status.ARCHIVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_archive_clicks_at_once_queue_one_job(closed, archivist, supervisor, monkeypatch):
    needs_postgres()
    # The jobs wait for a worker (none here), so the loser meets the winner's pending job.
    monkeypatch.setattr(jobs, "dispatch", lambda job_id, countdown=0: None)
    seen = closed.version
    outcomes = race(
        lambda: ms.dossier_archive(mediation=closed, actor=archivist, expected_version=seen),
        lambda: ms.dossier_archive(mediation=closed, actor=supervisor, expected_version=seen),
    )
    assert sorted(o.kind for o in outcomes) == ["TransitionRefused", "ok"]
    loser = next(o.error for o in outcomes if not o.ok)
    assert "being generated" in loser.messages[0]
    assert Job.objects.filter(kind=archive.DOSSIER_JOB).count() == 1
    assert run_archive_jobs() == ["done"]
    assert ArchiveRecord.objects.filter(dossier=closed).count() == 1


def test_a_dossier_waits_for_its_meetings_minutes_to_be_filed(
    closed, signed, archivist, mediator, tmp_path
):
    """The dossier binds in each linked meeting's approved minutes with their 档号 and
    checksum: while the minutes' own job has not filed them, archiving is refused, saying
    which; once filed, the dossier prints their number."""
    signed.meeting.cases.add(closed.case)
    minutes = approve(signed, mediator)
    with translation.override("en"), pytest.raises(TransitionRefused, match="not archived yet"):
        ms.dossier_archive(mediation=closed, actor=archivist)
    assert not Job.objects.filter(kind=archive.DOSSIER_JOB).exists()
    assert run_archive_jobs() == ["done"]  # the minutes are filed
    number = ArchiveRecord.objects.get(minutes=minutes).archival_number
    ms.dossier_archive(mediation=closed, actor=archivist)
    assert run_archive_jobs() == ["done"]
    dossier = ArchiveRecord.objects.get(dossier=closed)
    assert number in pdf_text(dossier.file.read(), tmp_path).replace(" ", "")
