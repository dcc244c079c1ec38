"""Two people acting on one mediation at once (PostgreSQL row locks)."""

import datetime as dt

import pytest
from django.utils import timezone

from consultation import services as ms
from consultation.models import ArchiveRecord, Mediation, MediationStatus
from tests.concurrency import needs_postgres, race
from tests.factories import (
    AgreementFactory,
    MediationFactory,
    MediationSessionFactory,
    sides,
)


@pytest.fixture(autouse=True)
def _postgres_with_reference_data(transactional_db):
    """Only PostgreSQL shows the race (the seeded rows a transactional test needs are put
    back by tests/conftest.py's ``_reference_data_in_transactional_tests``)."""
    needs_postgres()


@pytest.fixture
def mediating(case):
    return MediationFactory(case=case, mediating=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ending_and_drafting_at_once_one_wins(mediating, mediator, supervisor):
    mediation = mediating
    _applicant, respondent = sides(mediation.case)
    seen = Mediation.objects.get(pk=mediation.pk).version  # both pages showed this
    outcomes = race(
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
            obligations=[(respondent, "pay")],
        ),
    )
    assert sorted(o.kind for o in outcomes) == ["ConcurrentChange", "ok"]
    loser = next(o.error for o in outcomes if not o.ok)
    assert "reload" in loser.messages[0].lower()
    assert Mediation.objects.get(pk=mediation.pk).version == seen + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_signature_and_the_seal_at_once_take_effect_exactly_once(mediating, mediator):
    mediation = mediating
    applicant, respondent = sides(mediation.case)
    MediationSessionFactory(mediation=mediation, actor=mediator, signed=True)  # Art. 27
    agreement = AgreementFactory(mediation=mediation, obligations=[(respondent, "pay")])
    ms.sign(record=agreement, actor=mediator, signer_key=f"p{applicant.pk}")
    ms.sign(record=agreement, actor=mediator, signer_key=f"u{mediator.pk}")
    outcomes = race(
        lambda: ms.sign(record=agreement, actor=mediator, signer_key=f"p{respondent.pk}"),
        lambda: ms.agreement_seal(agreement=agreement, actor=mediator),
    )
    assert [o.kind for o in outcomes] == ["ok", "ok"]
    mediation.refresh_from_db()
    agreement.refresh_from_db()
    assert mediation.status == MediationStatus.AGREED and agreement.effective_at is not None
    assert ArchiveRecord.objects.filter(agreement=agreement).count() == 1
