"""The mediation agreement (人民调解协议书) and signatures: drafting the terms, signatures on
session records and on the agreement, the committee's seal, the agreement taking effect
(filed as PDF/A, one copy per party and one for the file), and the parties' decision on
joint judicial confirmation (司法确认).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.calendar import legal_period_end
from casework.models import Party
from consultation import case_events
from consultation.documents import mediation as mediation_documents
from consultation.models import (
    NO_SESSION_YET,
    Agreement,
    ArchiveRecord,
    JudicialStatus,
    Mediation,
    MediationSignature,
    MediationStatus,
    Obligation,
    mediation_setting,
)
from consultation.services import archive
from consultation.services.mediation import (
    MEDIATIONS,
    lock_mediation,
    log_on_case,
    log_transition,
    require_mediator,
    require_status,
)
from core import pdf
from core.exceptions import ActionForbidden, TransitionRefused
from core.jobs import job


def _signer_for(record, key: str, actor):
    """The signer ``key`` (``p<party id>`` or ``u<user id>``) of ``record``, if it is one."""
    for signer in record.signers():
        if signer.key == key:
            return signer
    return None


def sign(*, record, actor, signer_key: str, refused: bool = False, note: str = ""):
    """Record a signature (or a refusal with its reason) on a session record or the
    agreement. Staff sign only for themselves; a party's signature on paper is recorded
    by the mediator. The agreement cannot be refused — a party who will not sign ends the
    mediation without agreement."""
    is_agreement = isinstance(record, Agreement)
    mediation = record.mediation
    with transaction.atomic():
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.MEDIATING)
        record = type(record).objects.get(pk=record.pk)
        signer = _signer_for(record, signer_key, actor)
        if signer is None:
            raise TransitionRefused(_("That person does not sign this record."))
        if signer.user is not None and signer.user.pk != actor.pk:
            raise ActionForbidden(_("Staff sign for themselves."))
        if is_agreement:
            _require_a_session(locked)
        if refused and is_agreement:
            raise TransitionRefused(
                _(
                    "An agreement cannot be refused: if a party will not sign, end the "
                    "mediation without agreement."
                )
            )
        if refused and not (note or "").strip():
            raise TransitionRefused(_("Record why the signature was refused."))
        try:
            with transaction.atomic():
                MediationSignature.objects.create(
                    session=None if is_agreement else record,
                    agreement=record if is_agreement else None,
                    role=signer.role,
                    party=signer.party,
                    user=signer.user,
                    name=signer.name,
                    signed_at=None if refused else timezone.now(),
                    refused=refused,
                    note=(note or "").strip(),
                    recorded_by=actor,
                )
        except IntegrityError:
            raise TransitionRefused(
                _("%(name)s's signature is already recorded.") % {"name": signer.name}
            ) from None
        log_on_case(
            locked,
            actor,
            case_events.REFUSED if refused else case_events.SIGNED,
            {
                "name": signer.name,
                "what": "agreement" if is_agreement else record.number,
                "note": (note or "").strip(),
            },
        )
        MEDIATIONS.bump(locked)
        if is_agreement:
            _take_effect_if_complete(locked, record, actor)
    return locked


def agreement_draft(
    *,
    mediation: Mediation,
    actor,
    facts: str,
    disputed_matters: str,
    performance_manner: str,
    performance_place: str,
    performance_deadline: dt.date,
    obligations: Sequence[tuple[Party, str]],
    expected_version: int | None = None,
) -> Agreement:
    """Write (or rewrite) the agreement. Once anyone has signed or the seal is marked its
    words are fixed: what the parties signed is what takes effect."""
    with transaction.atomic():
        locked = lock_mediation(mediation, expected_version)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.MEDIATING)
        problems = []
        for label, value in (
            (_("facts"), facts),
            (_("disputed matters"), disputed_matters),
            (_("manner of performance"), performance_manner),
            (_("place of performance"), performance_place),
        ):
            if not (value or "").strip():
                problems.append(_("Give the %(what)s.") % {"what": label})
        if performance_deadline is None:
            problems.append(_("Give the performance deadline."))
        elif performance_deadline < timezone.localdate():
            problems.append(_("The performance deadline cannot be in the past."))
        obligations = [(p, (t or "").strip()) for p, t in obligations if (t or "").strip()]
        if not obligations:
            problems.append(_("State at least one party's obligations."))
        party_ids = set(locked.case.parties.values_list("pk", flat=True))
        if any(p.pk not in party_ids for p, _t in obligations):
            problems.append(_("Obligations must belong to the case's parties."))
        if problems:
            raise TransitionRefused(*problems)
        agreement = Agreement.objects.filter(mediation=locked).first()
        if agreement is not None and (agreement.sealed_at or agreement.signatures.exists()):
            raise TransitionRefused(
                _("The agreement has been signed or sealed; its words can no longer change.")
            )
        fields = {
            "facts": facts.strip(),
            "disputed_matters": disputed_matters.strip(),
            "performance_manner": performance_manner.strip(),
            "performance_place": performance_place.strip(),
            "performance_deadline": performance_deadline,
        }
        if agreement is None:
            agreement = Agreement.objects.create(mediation=locked, drafted_by=actor, **fields)
        else:
            for name, value in fields.items():
                setattr(agreement, name, value)
            agreement.drafted_by = actor
            agreement.drafted_at = timezone.now()
            agreement.save()
            agreement.obligations.all().delete()
        Obligation.objects.bulk_create(
            Obligation(agreement=agreement, party=p, text=t) for p, t in obligations
        )
        MEDIATIONS.bump(locked)
        log_on_case(locked, actor, case_events.AGREEMENT_DRAFTED)
    return agreement


def agreement_seal(*, agreement: Agreement, actor) -> Agreement:
    """Mark the committee's seal on the agreement (盖章)."""
    with transaction.atomic():
        locked = lock_mediation(agreement.mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.MEDIATING)
        agreement = Agreement.objects.get(pk=agreement.pk)
        if agreement.sealed_at is not None:
            raise TransitionRefused(_("The seal is already marked."))
        _require_a_session(locked)
        agreement.sealed_at = timezone.now()
        agreement.sealed_by = actor
        agreement.save(update_fields=["sealed_at", "sealed_by"])
        MEDIATIONS.bump(locked)
        log_on_case(locked, actor, case_events.SEAL_MARKED)
        _take_effect_if_complete(locked, agreement, actor)
    return agreement


def _require_a_session(mediation: Mediation) -> None:
    """人民调解法 Art. 27: the mediation is recorded, and the agreement comes out of it — no
    signature or seal on an agreement before at least one session record."""
    if not mediation.sessions.exists():
        raise TransitionRefused(NO_SESSION_YET)


def _take_effect_if_complete(locked: Mediation, agreement: Agreement, actor) -> None:
    """The agreement takes effect the moment it is complete: stamp it, move the mediation,
    and file the signed copies (one per party, one for the file) in the archive."""
    if agreement.unmet():
        return
    now = timezone.now()
    agreement.effective_at = now
    # 人民调解法 Art. 33's 30 days, counted as 民事诉讼法 Art. 85 counts them.
    agreement.judicial_deadline = legal_period_end(
        timezone.localdate(now), mediation_setting("JUDICIAL_CONFIRMATION_DAYS")
    )
    agreement.save(update_fields=["effective_at", "judicial_deadline"])
    locked.agreement = agreement
    log_transition(MEDIATIONS.fire(locked, "take_effect", actor=actor), actor)
    # The signed copies are rendered and filed by a job after the commit (#21).
    archive.request_archive("agreement", agreement.pk, actor=actor)


def archive_agreement(agreement: Agreement, actor) -> ArchiveRecord:
    """The agreement in effect as PDF/A (one copy per party, one for the file), filed in
    the archive register. Everything it prints is stored on the agreement when it took
    effect (signatures, seal, dates)."""
    with translation.override("zh-hans"), pdf.signature_field():
        content = mediation_documents.agreement_pdf(agreement)
    return archive.register(
        content,
        title=f"人民调解协议书 {agreement.mediation.number}",
        retention_years=mediation_setting("RETENTION_YEARS"),
        actor=actor,
        agreement=agreement,
    )


@job(archive.AGREEMENT_JOB, give_up_on=archive.GIVE_UP_ON)
def archive_agreement_job(*, agreement: int, actor: int) -> dict:
    """The job an agreement taking effect queues: its copies filed once (a second run
    finds the record)."""
    locked = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("mediation", "mediation__case")
        .get(pk=agreement)
    )
    existing = ArchiveRecord.objects.filter(agreement=locked).first()
    if existing is not None:
        return {"record": existing.pk, "already": True}
    record = archive_agreement(locked, archive.archiver(actor))
    return {"record": record.pk, "archival_number": record.archival_number}


def judicial_record(
    *,
    agreement: Agreement,
    actor,
    status: str,
    recorded_on: dt.date,
    note: str = "",
    late_reason: str = "",
) -> Agreement:
    """Record whether the parties applied for judicial confirmation (司法确认).

    A filing dated after the legal last day (``judicial_deadline``) is recorded only with
    the reason it was late, and flagged: the court decides whether it still hears it, the
    committee must be able to say why the window was missed."""
    if status not in (JudicialStatus.FILED, JudicialStatus.DECLINED):
        raise TransitionRefused(_("Say whether the parties filed or declined."))
    with transaction.atomic():
        locked = lock_mediation(agreement.mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.AGREED)
        agreement = Agreement.objects.get(pk=agreement.pk)
        if agreement.judicial_status != JudicialStatus.PENDING:
            raise TransitionRefused(_("The parties' decision is already recorded."))
        if recorded_on is None or recorded_on > timezone.localdate():
            raise TransitionRefused(_("Give the date; it cannot be in the future."))
        if recorded_on < timezone.localdate(agreement.effective_at):
            raise TransitionRefused(_("The date cannot be before the agreement took effect."))
        late = (
            status == JudicialStatus.FILED
            and agreement.judicial_deadline is not None
            and recorded_on > agreement.judicial_deadline
        )
        if late and not (late_reason or "").strip():
            raise TransitionRefused(
                _(
                    "The filing is dated after the legal last day (%(deadline)s): record why "
                    "it was late."
                )
                % {"deadline": agreement.judicial_deadline.isoformat()}
            )
        agreement.judicial_status = status
        agreement.judicial_recorded_on = recorded_on
        agreement.judicial_note = (note or "").strip()
        agreement.judicial_late = late
        agreement.judicial_late_reason = (late_reason or "").strip() if late else ""
        agreement.save(
            update_fields=[
                "judicial_status",
                "judicial_recorded_on",
                "judicial_note",
                "judicial_late",
                "judicial_late_reason",
            ]
        )
        MEDIATIONS.bump(locked)
        log_on_case(
            locked,
            actor,
            case_events.JUDICIAL_LATE if late else case_events.JUDICIAL,
            {"status": status, "on": str(recorded_on), "why": agreement.judicial_late_reason},
        )
    return agreement
