"""Every write to a people's mediation (DOMAIN.md §4): one transaction, the mediation row
locked (and its version compared for the actions that move it), the permission checked,
an event on the case's log. Content is confidential: the case log's entries are internal
except the bare facts that a mediation opened and how it ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition

from casework import permissions as case_permissions
from casework import selectors as case_selectors
from casework import services as case_services
from casework.models import Case, CaseEvent, EventKind, Party, PartyRole, Status
from consultation import archive, permissions
from consultation.documents import mediation as mediation_documents
from consultation.models import (
    Agreement,
    ArchiveRecord,
    Extension,
    JudicialStatus,
    Mediation,
    MediationSequence,
    MediationSession,
    MediationSignature,
    MediationStatus,
    NoticeManner,
    Obligation,
    Performance,
    ReturnVisit,
    Satisfaction,
    mediation_setting,
)
from core import transitions
from core.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused
from core.names import person_name


def all_mediation_transitions() -> dict[str, Transition]:
    field = Mediation._meta.get_field("status")
    return {t.name: t for t in field.get_all_transitions(Mediation)}


def format_number(year: int, serial: int) -> str:
    """``(2026) 邻里人调字第12号`` — the committee's prefix and the year's serial."""
    return f"({year}) {mediation_setting('NUMBER_PREFIX')}人调字第{serial}号"


def _next_serial(year: int) -> int:
    seq, _created = MediationSequence.objects.select_for_update().get_or_create(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def _log(mediation: Mediation, actor, note: str, *, public: bool = False) -> None:
    CaseEvent.objects.create(
        case_id=mediation.case_id,
        kind=EventKind.MEDIATION,
        actor=actor,
        note=f"{mediation.number}: {note}",
        is_public=public,
    )


def _lock(mediation: Mediation, expected_version: int | None = None) -> Mediation:
    locked = (
        Mediation.objects.select_for_update()
        .select_related("case", "case__place")
        .get(pk=mediation.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentChange(
            _("This mediation was changed by someone else. Reload the page and try again.")
        )
    return locked


def _bump(mediation: Mediation) -> None:
    mediation.version += 1
    try:
        mediation.save()
    except ConcurrentTransition as exc:
        raise ConcurrentChange() from exc


def _require_mediator(mediation: Mediation, actor) -> None:
    if not permissions.can_mediate(mediation, actor):
        raise ActionForbidden(_("Only this mediation's mediators and supervisors may do that."))


def _require_status(mediation: Mediation, *statuses: str) -> None:
    if mediation.status not in statuses:
        raise TransitionRefused(
            _("Not possible while the mediation is “%(status)s”.")
            % {"status": mediation.get_status_display()}
        )


def _staff_in_area(case: Case, users: Iterable) -> list:
    """``users`` must all be mediators or supervisors working in the case's area."""
    allowed = set(case_selectors.officers_for(case).values_list("pk", flat=True))
    users = list(users)
    if not users:
        raise TransitionRefused(_("Name at least one mediator."))
    if any(u.pk not in allowed for u in users):
        raise TransitionRefused(_("Mediators must work in the case's area."))
    return users


# ---------------------------------------------------------------- registration


def mediation_register(
    *, case: Case, actor, mediators: Sequence, matters: str, applied_on: dt.date | None = None
) -> Mediation:
    """Open people's mediation on ``case`` with the next number of the year."""
    if not case_permissions.can_work_case(case, actor):
        raise ActionForbidden(_("You cannot start a mediation on this case."))
    if not (matters or "").strip():
        raise TransitionRefused(_("Say what the parties ask to have mediated."))
    applied_on = applied_on or timezone.localdate()
    if applied_on > timezone.localdate():
        raise TransitionRefused(_("The application date cannot be in the future."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("place").get(pk=case.pk)
        if not locked.is_open:
            raise TransitionRefused(_("Only open cases can go to mediation."))
        if Mediation.objects.filter(case=locked).exists():
            raise TransitionRefused(_("This case already has a mediation."))
        mediators = _staff_in_area(locked, mediators)
        year = timezone.localdate().year
        serial = _next_serial(year)
        mediation = Mediation.objects.create(
            case=locked,
            number=format_number(year, serial),
            year=year,
            serial=serial,
            committee=mediation_setting("COMMITTEE_NAME"),
            applied_on=applied_on,
            matters=matters.strip(),
            created_by=actor,
        )
        mediation.mediators.set(mediators)
        _log(mediation, actor, _("people's mediation registered."), public=True)
    return mediation


def mediation_set_mediators(*, mediation: Mediation, actor, mediators: Sequence) -> Mediation:
    with transaction.atomic():
        locked = _lock(mediation)
        if not case_permissions.can_supervise_case(locked.case, actor):
            raise ActionForbidden(_("Only supervisors change a mediation's mediators."))
        _require_status(locked, MediationStatus.REGISTERED, MediationStatus.MEDIATING)
        mediators = _staff_in_area(locked.case, mediators)
        locked.mediators.set(mediators)
        _bump(locked)
        names = "、".join(person_name(u) for u in mediators)
        _log(locked, actor, _("mediators: %(names)s.") % {"names": names})
    return locked


def notice_record(
    *, mediation: Mediation, actor, given_at: dt.datetime, manner: str, note: str = ""
) -> Mediation:
    """Record that the parties were told their rights and duties (权利义务告知)."""
    if manner not in NoticeManner.values:
        raise TransitionRefused(_("Say how the notice was given."))
    if given_at > timezone.now():
        raise TransitionRefused(_("The notice cannot have been given in the future."))
    with transaction.atomic():
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.REGISTERED, MediationStatus.MEDIATING)
        locked.notice_given_at = given_at
        locked.notice_manner = manner
        locked.notice_note = (note or "").strip()
        _bump(locked)
        _log(
            locked,
            actor,
            _("rights and duties notice given %(when)s (%(how)s).")
            % {
                "when": f"{timezone.localtime(given_at):%Y-%m-%d %H:%M}",
                "how": locked.get_notice_manner_display(),
            },
        )
    return locked


def mediation_transition(
    *, mediation: Mediation, name: str, actor, expected_version: int | None = None, **params
) -> Mediation:
    transition = all_mediation_transitions().get(name)
    if transition is None or transition.custom.get("internal"):
        raise TransitionRefused(_("Unknown action."))
    with transaction.atomic():
        locked = _lock(mediation, expected_version)
        return _apply(locked, name, actor, **params)


def _apply(locked: Mediation, name: str, actor, **params) -> Mediation:
    transition = transitions.guard(
        locked,
        name,
        actor,
        not_possible=_("“%(action)s” is not possible while the mediation is %(status)s."),
        not_allowed=_("You are not allowed to “%(action)s” this mediation."),
    )
    getattr(locked, name)(**params)
    _bump(locked)
    label = str(transition.custom.get("label", name))
    if name == "end_without_agreement":
        note = _("%(action)s — %(reason)s; routes told: %(routes)s.") % {
            "action": label,
            "reason": locked.get_end_reason_display(),
            "routes": "、".join(locked.routes_told),
        }
    elif name == "start":
        note = _("%(action)s; time limit %(due)s.") % {"action": label, "due": locked.due_date}
    else:
        note = label
    _log(locked, actor, note, public=name in ("end_without_agreement", "take_effect"))
    return locked


def extension_record(
    *,
    mediation: Mediation,
    actor,
    new_due: dt.date,
    reason: str,
    consenting: Sequence[Party],
    consent_manner: str,
) -> Extension:
    """Extend the time limit; both sides (every applicant and respondent) must consent."""
    with transaction.atomic():
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.MEDIATING)
        problems = []
        if not (reason or "").strip():
            problems.append(_("Give the reason for the extension."))
        if consent_manner not in NoticeManner.values:
            problems.append(_("Say how the parties consented."))
        if new_due is None or new_due <= locked.due_date:
            problems.append(_("The new time limit must be later than the current one."))
        sides = list(
            locked.case.parties.filter(role__in=[PartyRole.APPLICANT, PartyRole.RESPONDENT])
        )
        consenting_ids = {p.pk for p in consenting}
        strangers = consenting_ids - {p.pk for p in locked.case.parties.all()}
        if strangers:
            problems.append(_("Only the case's parties can consent."))
        absent = [p.name for p in sides if p.pk not in consenting_ids]
        if absent:
            problems.append(
                _("Both parties must consent; not recorded for: %(names)s.")
                % {"names": "、".join(absent)}
            )
        if problems:
            raise TransitionRefused(*problems)
        extension = Extension.objects.create(
            mediation=locked,
            previous_due=locked.due_date,
            new_due=new_due,
            reason=reason.strip(),
            consent_manner=consent_manner,
            recorded_by=actor,
        )
        extension.consenting.set(list(consenting))
        locked.due_date = new_due
        _bump(locked)
        _log(
            locked,
            actor,
            _("time limit extended from %(old)s to %(new)s with both parties' consent.")
            % {"old": extension.previous_due, "new": new_due},
        )
    return extension


# -------------------------------------------------------------------- sessions


def session_record(
    *,
    mediation: Mediation,
    actor,
    held_at: dt.datetime,
    venue: str,
    mediator,
    recorder,
    participants: Sequence[Party],
    applicant_account: str,
    respondent_account: str,
    outcome: str,
    evidence: str = "",
    others_present: str = "",
) -> MediationSession:
    with transaction.atomic():
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.MEDIATING)
        problems = []
        if held_at > timezone.now():
            problems.append(_("Record a session once it has been held."))
        for label, value in (
            (_("venue"), venue),
            (_("applicant's account"), applicant_account),
            (_("respondent's account"), respondent_account),
            (_("outcome of the session"), outcome),
        ):
            if not (value or "").strip():
                problems.append(_("Give the %(what)s.") % {"what": label})
        if not participants:
            problems.append(_("Mark which parties were present."))
        party_ids = set(locked.case.parties.values_list("pk", flat=True))
        if any(p.pk not in party_ids for p in participants):
            problems.append(_("Only the case's parties can be present as parties."))
        if problems:
            raise TransitionRefused(*problems)
        _staff_in_area(locked.case, [mediator, recorder])
        number = (
            locked.sessions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        session = MediationSession.objects.create(
            mediation=locked,
            number=number,
            held_at=held_at,
            venue=venue.strip(),
            mediator=mediator,
            recorder=recorder,
            others_present=(others_present or "").strip(),
            applicant_account=applicant_account.strip(),
            respondent_account=respondent_account.strip(),
            evidence=(evidence or "").strip(),
            outcome=outcome.strip(),
            recorded_by=actor,
        )
        session.participants.set(participants)
        _bump(locked)
        _log(
            locked,
            actor,
            _("session %(n)d recorded (%(when)s).")
            % {"n": number, "when": f"{timezone.localtime(held_at):%Y-%m-%d %H:%M}"},
        )
    return session


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
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.MEDIATING)
        record = type(record).objects.get(pk=record.pk)
        signer = _signer_for(record, signer_key, actor)
        if signer is None:
            raise TransitionRefused(_("That person does not sign this record."))
        if signer.user is not None and signer.user.pk != actor.pk:
            raise ActionForbidden(_("Staff sign for themselves."))
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
        what = _("the agreement") if is_agreement else _("session %(n)d") % {"n": record.number}
        _log(
            locked,
            actor,
            (
                _("%(name)s refused to sign %(what)s: %(note)s")
                if refused
                else _("%(name)s signed %(what)s.")
            )
            % {"name": signer.name, "what": what, "note": (note or "").strip()},
        )
        _bump(locked)
        if is_agreement:
            _take_effect_if_complete(locked, record, actor)
    return locked


# ------------------------------------------------------------------ agreement


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
        locked = _lock(mediation, expected_version)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.MEDIATING)
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
        _bump(locked)
        _log(locked, actor, _("agreement drafted."))
    return agreement


def agreement_seal(*, agreement: Agreement, actor) -> Agreement:
    """Mark the committee's seal on the agreement (盖章)."""
    with transaction.atomic():
        locked = _lock(agreement.mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.MEDIATING)
        agreement = Agreement.objects.get(pk=agreement.pk)
        if agreement.sealed_at is not None:
            raise TransitionRefused(_("The seal is already marked."))
        agreement.sealed_at = timezone.now()
        agreement.sealed_by = actor
        agreement.save(update_fields=["sealed_at", "sealed_by"])
        _bump(locked)
        _log(locked, actor, _("committee seal marked on the agreement."))
        _take_effect_if_complete(locked, agreement, actor)
    return agreement


def _take_effect_if_complete(locked: Mediation, agreement: Agreement, actor) -> None:
    """The agreement takes effect the moment it is complete: stamp it, move the mediation,
    and file the signed copies (one per party, one for the file) in the archive."""
    if agreement.unmet():
        return
    now = timezone.now()
    agreement.effective_at = now
    agreement.judicial_deadline = timezone.localdate(now) + dt.timedelta(
        days=mediation_setting("JUDICIAL_CONFIRMATION_DAYS")
    )
    agreement.save(update_fields=["effective_at", "judicial_deadline"])
    locked.agreement = agreement
    _apply(locked, "take_effect", actor)

    with translation.override("zh-hans"):
        content = mediation_documents.agreement_pdf(agreement)
    archive.register(
        content,
        title=f"人民调解协议书 {locked.number}",
        retention_years=mediation_setting("RETENTION_YEARS"),
        actor=actor,
        agreement=agreement,
    )


def judicial_record(
    *, agreement: Agreement, actor, status: str, recorded_on: dt.date, note: str = ""
) -> Agreement:
    """Record whether the parties applied for judicial confirmation (司法确认)."""
    if status not in (JudicialStatus.FILED, JudicialStatus.DECLINED):
        raise TransitionRefused(_("Say whether the parties filed or declined."))
    with transaction.atomic():
        locked = _lock(agreement.mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.AGREED)
        agreement = Agreement.objects.get(pk=agreement.pk)
        if agreement.judicial_status != JudicialStatus.PENDING:
            raise TransitionRefused(_("The parties' decision is already recorded."))
        if recorded_on is None or recorded_on > timezone.localdate():
            raise TransitionRefused(_("Give the date; it cannot be in the future."))
        if recorded_on < timezone.localdate(agreement.effective_at):
            raise TransitionRefused(_("The date cannot be before the agreement took effect."))
        agreement.judicial_status = status
        agreement.judicial_recorded_on = recorded_on
        agreement.judicial_note = (note or "").strip()
        agreement.save(update_fields=["judicial_status", "judicial_recorded_on", "judicial_note"])
        _bump(locked)
        _log(
            locked,
            actor,
            _("judicial confirmation: %(status)s (%(on)s).")
            % {"status": agreement.get_judicial_status_display(), "on": recorded_on},
        )
    return agreement


# ---------------------------------------------------- return visits and closing


def return_visit_record(
    *,
    mediation: Mediation,
    actor,
    visited_on: dt.date,
    manner: str,
    performance: str,
    satisfaction: str,
    later_suit: bool = False,
    action_taken: str = "",
) -> ReturnVisit:
    with transaction.atomic():
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.AGREED)
        problems = []
        if visited_on is None or visited_on > timezone.localdate():
            problems.append(_("Give the date of the visit; it cannot be in the future."))
        elif visited_on < locked.ended_on:
            problems.append(_("A return visit comes after the agreement took effect."))
        if not (manner or "").strip():
            problems.append(_("Say how the visit was made."))
        if performance not in Performance.values:
            problems.append(_("Record whether the agreement was performed."))
        if satisfaction not in Satisfaction.values:
            problems.append(_("Record the parties' satisfaction."))
        if performance != Performance.PERFORMED and not (action_taken or "").strip():
            problems.append(_("The agreement is not fully performed: say what was done."))
        if problems:
            raise TransitionRefused(*problems)
        visit = ReturnVisit.objects.create(
            mediation=locked,
            visited_on=visited_on,
            manner=manner.strip(),
            performance=performance,
            satisfaction=satisfaction,
            later_suit=bool(later_suit),
            action_taken=(action_taken or "").strip(),
            recorded_by=actor,
        )
        _bump(locked)
        _log(
            locked,
            actor,
            _("return visit %(on)s: %(performance)s, %(satisfaction)s.")
            % {
                "on": visited_on,
                "performance": visit.get_performance_display(),
                "satisfaction": visit.get_satisfaction_display(),
            },
        )
    return visit


def closing_report_write(*, mediation: Mediation, actor, text: str) -> Mediation:
    """The closing report (结案报告), once the mediation has concluded; it can be revised
    until the dossier is archived."""
    if not (text or "").strip():
        raise TransitionRefused(_("Write the closing report."))
    with transaction.atomic():
        locked = _lock(mediation)
        _require_mediator(locked, actor)
        _require_status(locked, MediationStatus.AGREED, MediationStatus.ENDED)
        if ArchiveRecord.objects.filter(dossier=locked).exists():
            raise TransitionRefused(_("The dossier is archived; the report can no longer change."))
        locked.closing_report = text.strip()
        locked.closing_report_at = timezone.now()
        _bump(locked)
        _log(locked, actor, _("closing report written."))
    return locked


def dossier_archive(
    *, mediation: Mediation, actor, expected_version: int | None = None
) -> ArchiveRecord:
    """Compile the one-case-one-dossier PDF (一案一卷), file it in the archive register with
    its checksum, and archive the case — or refuse, naming every missing item."""
    with transaction.atomic():
        locked = _lock(mediation, expected_version)
        case = locked.case
        if not case_permissions.can_archive_case(case, actor):
            raise ActionForbidden(_("Only supervisors and archivists archive cases."))
        if ArchiveRecord.objects.filter(dossier=locked).exists():
            raise TransitionRefused(_("The dossier is already archived."))
        missing = locked.missing_items()
        if missing:
            raise TransitionRefused(
                _("The mediation dossier is incomplete. Missing: %(items)s.")
                % {"items": "; ".join(missing)}
            )
        if case.status != Status.CLOSED:
            raise TransitionRefused(_("Close the case (after its return visit) before archiving."))

        with translation.override("zh-hans"):
            content = mediation_documents.dossier_pdf(locked, compiler=actor)
        record = archive.register(
            content,
            title=f"人民调解卷宗 {locked.number} · {case.reference}",
            retention_years=mediation_setting("RETENTION_YEARS"),
            actor=actor,
            dossier=locked,
        )
        _bump(locked)
        _log(
            locked, actor, _("dossier archived as %(number)s.") % {"number": record.archival_number}
        )
        case_services.case_transition(case=case, name="archive", actor=actor)
    return record


# ------------------------------------------------------------------- the sweep


def overdue_return_visits(today: dt.date | None = None):
    today = today or timezone.localdate()
    return Mediation.objects.filter(
        status=MediationStatus.AGREED, return_visit_due__lt=today, return_visits__isnull=True
    )


def chase_return_visits(today: dt.date | None = None) -> tuple[int, int]:
    """Chase each overdue return visit once (a conditional UPDATE claims it, so two sweeps
    at once cannot both chase); mail the mediators after the commit."""
    from casework import notifications

    overdue = list(overdue_return_visits(today).select_related("case"))
    chased = 0
    for mediation in overdue:
        with transaction.atomic():
            claimed = (
                Mediation.objects.filter(pk=mediation.pk)
                .exclude(visit_chased_for=mediation.return_visit_due)
                .update(visit_chased_for=mediation.return_visit_due)
            )
            if not claimed:
                continue
            event = CaseEvent.objects.create(
                case_id=mediation.case_id,
                kind=EventKind.CHASE,
                note=_("%(number)s: the return visit was due %(due)s — chased.")
                % {"number": mediation.number, "due": mediation.return_visit_due},
            )
            recipients = [u.email for u in mediation.mediators.all() if u.email]
            transaction.on_commit(
                lambda e=event.pk, r=recipients: notifications.chase(e, extra_recipients=r)
            )
            chased += 1
    return len(overdue), chased


def sweep_return_visits(sender=None, today: dt.date | None = None, **_kwargs):
    """The ``sla_sweeping`` receiver: overdue return visits in the SLA sweep."""
    overdue, chased = chase_return_visits(today)
    return ("return visits", overdue, chased)
