"""Every write to a people's mediation (DOMAIN.md §4) but its agreement and dossier
(``services.agreement``, ``services.dossier``): one transaction, the mediation row locked
(its version compared for the actions that move it), the permission checked, an event on
the case's log. Content is confidential: the case log's entries are internal except the
bare facts that a mediation opened and how it ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import Transition

from casework import notifications
from casework import permissions as case_permissions
from casework import selectors as case_selectors
from casework.models import Case, CaseEvent, EventKind, OrgKind, Party, PartyRole
from consultation import case_events, permissions
from consultation.models import (
    Extension,
    Mediation,
    MediationSession,
    MediationStatus,
    NoticeManner,
    Performance,
    ReturnVisit,
    Satisfaction,
    mediation_setting,
)
from core.exceptions import ActionForbidden, TransitionRefused
from core.names import person_name
from core.sequences import next_number
from core.transitions import Machine

# The yearly numbering of mediations (core.sequences).
MEDIATION_SERIALS = "mediation"

MEDIATIONS = Machine(
    Mediation,
    not_possible=gettext_lazy("“%(action)s” is not possible while the mediation is %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” this mediation."),
    changed=gettext_lazy(
        "This mediation was changed by someone else. Reload the page and try again."
    ),
    related=("case", "case__place"),
    # The mediation's record is written by several services between page loads: versions
    # are compared when the page posted the one it showed.
    check_held_version=False,
)


def all_mediation_transitions() -> dict[str, Transition]:
    """Every declared mediation transition by name."""
    return MEDIATIONS.transitions()


def lock_mediation(mediation: Mediation, expected_version: int | None = None) -> Mediation:
    """The mediation's row, locked for this transaction (its version compared when given)."""
    return MEDIATIONS.lock(mediation, expected_version)


def log_on_case(
    mediation: Mediation,
    actor,
    code: str,
    params: dict | None = None,
    *,
    note: str = "",
    public: bool = False,
) -> None:
    """An entry on the case's log as an event code (``consultation.case_events``) led by
    the mediation's number (internal unless ``public``: mediation content is
    confidential); ``note`` is what a person wrote, as written."""
    CaseEvent.objects.create(
        case_id=mediation.case_id,
        kind=EventKind.MEDIATION,
        actor=actor,
        code=code,
        params={"mediation": mediation.number, **(params or {})},
        note=note,
        is_public=public,
    )


def require_mediator(mediation: Mediation, actor) -> None:
    """Only the mediation's own mediators and the area's supervisors keep its record."""
    if not permissions.can_mediate(mediation, actor):
        raise ActionForbidden(_("Only this mediation's mediators and supervisors may do that."))


def require_status(mediation: Mediation, *statuses: str) -> None:
    """Refuse unless the mediation is in one of ``statuses``."""
    if mediation.status not in statuses:
        raise TransitionRefused(
            _("Not possible while the mediation is “%(status)s”.")
            % {"status": mediation.get_status_display()}
        )


def staff_in_area(case: Case, users: Iterable) -> list:
    """``users``, if they are all mediators or supervisors working in the case's area."""
    allowed = set(case_selectors.officers_for(case).values_list("pk", flat=True))
    users = list(users)
    if not users:
        raise TransitionRefused(_("Name at least one mediator."))
    if any(u.pk not in allowed for u in users):
        raise TransitionRefused(_("Mediators must work in the case's area."))
    return users


def format_number(year: int, serial: int, committee: str = "") -> str:
    """``（2026）新华路人调字第12号`` — the year in full-width brackets, as Chinese document
    numbers are written (numbers issued before keep their form: they are printed on
    signed agreements), the committee's prefix and the year's serial. The
    prefix is the setting ``LINLI_MEDIATION_NUMBER_PREFIX`` or, when empty, the committee's
    short name (新华路街道人民调解委员会 → 新华路): never the product's name."""
    prefix = mediation_setting("NUMBER_PREFIX") or committee_short_name(committee)
    return f"（{year}）{prefix}人调字第{serial}号"


def committee_short_name(committee: str) -> str:
    """新华路街道人民调解委员会 → 新华路; 番禺居民区人民调解委员会 → 番禺."""
    short = committee.removesuffix("人民调解委员会")
    for suffix in ("街道", "居民区", "居民委员会", "居委会", "村民委员会", "镇"):
        short = short.removesuffix(suffix)
    return short


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
        mediators = staff_in_area(locked, mediators)
        year = timezone.localdate().year
        serial = next_number(MEDIATION_SERIALS, year)
        committee = mediation_setting("COMMITTEE_NAME") or case_selectors.issuing_organisation(
            locked.place, kinds=(OrgKind.MEDIATION_COMMITTEE,)
        )
        mediation = Mediation.objects.create(
            case=locked,
            number=format_number(year, serial, committee),
            year=year,
            serial=serial,
            committee=committee,
            applied_on=applied_on,
            matters=matters.strip(),
            created_by=actor,
        )
        mediation.mediators.set(mediators)
        log_on_case(mediation, actor, case_events.MEDIATION_REGISTERED, public=True)
    return mediation


def mediation_set_mediators(*, mediation: Mediation, actor, mediators: Sequence) -> Mediation:
    """Change the mediation's mediators (supervisors only, while it is under way)."""
    with transaction.atomic():
        locked = lock_mediation(mediation)
        if not case_permissions.can_supervise_case(locked.case, actor):
            raise ActionForbidden(_("Only supervisors change a mediation's mediators."))
        require_status(locked, MediationStatus.REGISTERED, MediationStatus.MEDIATING)
        mediators = staff_in_area(locked.case, mediators)
        locked.mediators.set(mediators)
        MEDIATIONS.bump(locked)
        names = [person_name(u) for u in mediators]
        log_on_case(locked, actor, case_events.MEDIATORS_SET, {"names": names})
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
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.REGISTERED, MediationStatus.MEDIATING)
        locked.notice_given_at = given_at
        locked.notice_manner = manner
        locked.notice_note = (note or "").strip()
        MEDIATIONS.bump(locked)
        log_on_case(
            locked,
            actor,
            case_events.NOTICE_GIVEN,
            {"when": f"{timezone.localtime(given_at):%Y-%m-%d %H:%M}", "how": manner},
        )
    return locked


def mediation_transition(
    *, mediation: Mediation, name: str, actor, expected_version: int | None = None, **params
) -> Mediation:
    """Start mediating (the time limit runs from today) or end without agreement (why,
    and the routes the parties were told of), noted on the case's log. The agreement's
    taking effect is no action of its own: it follows the last signature or the seal."""
    with transaction.atomic():
        fired = MEDIATIONS.run(
            mediation, name, actor=actor, expected_version=expected_version, **params
        )
        log_transition(fired, actor)
    return fired.record


def log_transition(fired, actor) -> None:
    """The case-log entry of a mediation transition: its label and what the state reached
    says (the time limit once mediating; why it ended and the routes told once ended)."""
    mediation = fired.record
    action = fired.transition.name
    if mediation.status == MediationStatus.ENDED:
        code, params = (
            case_events.MEDIATION_ENDED,
            {
                "action": action,
                "reason": mediation.end_reason,
                "routes": [r.value for r in mediation.routes_told_codes],
            },
        )
    elif mediation.status == MediationStatus.MEDIATING:
        code, params = (
            case_events.MEDIATION_STARTED,
            {"action": action, "due": str(mediation.due_date)},
        )
    else:
        code, params = case_events.MEDIATION_MOVED, {"action": action}
    log_on_case(mediation, actor, code, params, public=fired.public)


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
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.MEDIATING)
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
        MEDIATIONS.bump(locked)
        log_on_case(
            locked,
            actor,
            case_events.MEDIATION_EXTENDED,
            {"old": str(extension.previous_due), "new": str(new_due)},
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
    """Record a held session (调解记录): who was present, each side's account, evidence, outcome;
    it is then signed by everyone present."""
    with transaction.atomic():
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.MEDIATING)
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
        staff_in_area(locked.case, [mediator, recorder])
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
        MEDIATIONS.bump(locked)
        log_on_case(
            locked,
            actor,
            case_events.SESSION_RECORDED,
            {"n": number, "when": f"{timezone.localtime(held_at):%Y-%m-%d %H:%M}"},
        )
    return session


# ---------------------------------------------------------------- return visits


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
    """Record a return visit (回访): performance of the agreement and the parties' satisfaction."""
    with transaction.atomic():
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.AGREED)
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
        MEDIATIONS.bump(locked)
        log_on_case(
            locked,
            actor,
            case_events.VISIT_RECORDED,
            {
                "on": str(visited_on),
                "performance": visit.performance,
                "satisfaction": visit.satisfaction,
            },
        )
    return visit


# ------------------------------------------------------------------- the sweep


def overdue_return_visits(today: dt.date | None = None):
    """Mediations in effect whose return visit is past due and not yet made (every area: the
    sweep's read)."""
    today = today or timezone.localdate()
    return Mediation.objects.filter(
        status=MediationStatus.AGREED, return_visit_due__lt=today, return_visits__isnull=True
    )


def chase_return_visits(today: dt.date | None = None) -> tuple[int, int]:
    """Chase each overdue return visit once (a conditional UPDATE claims it, so two sweeps
    at once cannot both chase); mail the mediators after the commit."""
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
                code=case_events.VISIT_CHASED,
                params={"number": mediation.number, "due": str(mediation.return_visit_due)},
            )
            recipients = [u.email for u in mediation.mediators.all() if u.email]
            notifications.chase(event.pk, extra_recipients=recipients)
            chased += 1
    return len(overdue), chased
