"""Two people acting on one mediation at once (PostgreSQL row locks)."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from casework.models import PartyRole, Status
from consultation import services as ms
from consultation.models import ArchiveRecord, Mediation, MediationStatus
from core.exceptions import ConcurrentChange, ServiceError
from tests.factories import PartyFactory, make_case


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def act(i):
        try:
            barrier.wait(timeout=10)
            translation.activate("en")  # a new thread starts in LANGUAGE_CODE (zh-hans)
            calls[i]()
            results[i] = "ok"
        except ServiceError as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def mediating(world, mediator, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    from tests.reference_data import ensure_reference_data

    ensure_reference_data()
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    parties = [
        PartyFactory(case=case, role=PartyRole.APPLICANT, name="王秀兰"),
        PartyFactory(case=case, role=PartyRole.RESPONDENT, name="陈建国"),
    ]
    mediation = ms.mediation_register(case=case, actor=mediator, mediators=[mediator], matters="x")
    ms.notice_record(mediation=mediation, actor=mediator, given_at=timezone.now(), manner="oral")
    ms.mediation_transition(mediation=mediation, name="start", actor=mediator)
    return mediation, parties


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ending_and_drafting_at_once_one_wins(mediating, mediator, supervisor):
    mediation, parties = mediating
    seen = Mediation.objects.get(pk=mediation.pk).version  # both pages showed this
    results = _race(
        lambda: ms.mediation_transition(
            mediation=mediation,
            name="end_without_agreement",
            actor=supervisor,
            expected_version=seen,
            reason="no_agreement",
            routes=["litigation"],
        ),
        lambda: ms.agreement_draft(
            mediation=mediation,
            actor=mediator,
            expected_version=seen,
            facts="f",
            disputed_matters="d",
            performance_manner="m",
            performance_place="p",
            performance_deadline=timezone.localdate() + dt.timedelta(days=5),
            obligations=[(parties[1], "pay")],
        ),
    )
    assert sorted(type(r).__name__ for r in results) == ["ConcurrentChange", "str"]
    assert (
        "reload" in next(r for r in results if isinstance(r, ConcurrentChange)).messages[0].lower()
    )
    assert Mediation.objects.get(pk=mediation.pk).version == seen + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_signature_and_the_seal_at_once_take_effect_exactly_once(mediating, mediator):
    mediation, parties = mediating
    agreement = ms.agreement_draft(
        mediation=mediation,
        actor=mediator,
        facts="f",
        disputed_matters="d",
        performance_manner="m",
        performance_place="p",
        performance_deadline=timezone.localdate() + dt.timedelta(days=5),
        obligations=[(parties[1], "pay")],
    )
    ms.sign(record=agreement, actor=mediator, signer_key=f"p{parties[0].pk}")
    ms.sign(record=agreement, actor=mediator, signer_key=f"u{mediator.pk}")
    results = _race(
        lambda: ms.sign(record=agreement, actor=mediator, signer_key=f"p{parties[1].pk}"),
        lambda: ms.agreement_seal(agreement=agreement, actor=mediator),
    )
    assert results == ["ok", "ok"]
    mediation.refresh_from_db()
    agreement.refresh_from_db()
    assert mediation.status == MediationStatus.AGREED and agreement.effective_at is not None
    assert ArchiveRecord.objects.filter(agreement=agreement).count() == 1
