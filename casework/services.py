"""Every write to casework that matters. Each service runs in one transaction, locks the
row it changes, checks the actor's permission, writes the event log, and schedules side
effects with ``transaction.on_commit``. The two state machines (``CASES``, ``REFERRALS``)
run through the kernel's runner (``core.transitions``).

Longer than 500 lines on purpose: the case's and the referral's services move each other
(a dispatch makes the case wait, the last referral's end resumes it) under one lock order
(case, then referral); kept in one module, that rule is read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import Transition

from casework import events, notifications, permissions, stage_alerts, status_codes
from casework.calendar import add_working_days
from casework.models import (
    OPEN_REFERRAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseReturnVisit,
    Category,
    Channel,
    EventKind,
    Organisation,
    Party,
    PartyKind,
    PartyRole,
    Place,
    Priority,
    Rating,
    Referral,
    ReferralKind,
    ReferralRole,
    ReferralStatus,
    Score,
    Status,
    VisitManner,
)
from casework.phones import phone_key
from casework.roles import Role
from casework.uploads import clean_file_name, inspect
from core.exceptions import ActionForbidden, TransitionRefused
from core.names import person_name
from core.sequences import next_number
from core.transitions import Machine, Offer

# The yearly numbering of case references (core.sequences).
CASE_REFERENCES = "case"

CASES = Machine(
    Case,
    not_possible=gettext_lazy("“%(action)s” is not possible while the case is %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” this case."),
    related=("category", "place"),
)
REFERRALS = Machine(
    Referral,
    not_possible=gettext_lazy("“%(action)s” is not possible while the referral is %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” this referral."),
    related=("case", "case__place", "organisation"),
)


def all_case_transitions() -> dict[str, Transition]:
    """Every declared case transition by name (one entry per name; sources merged)."""
    return CASES.transitions()


# ------------------------------------------------------------------- registration


@dataclass(frozen=True)
class PartyData:
    """A party as the services take it, before it is a row of a case."""

    name: str
    role: str = PartyRole.APPLICANT
    kind: str = PartyKind.RESIDENT
    phone: str = ""
    email: str = ""
    address: str = ""

    @classmethod
    def from_form(cls, data: Mapping) -> PartyData:
        """A party from a ``PartyForm``'s cleaned data (a row of the intake form, or the
        case page's "add a party")."""
        return cls(
            name=data["name"],
            role=data["role"],
            kind=data["kind"],
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            address=data.get("address") or "",
        )


@dataclass(frozen=True)
class Registration:
    """A registered case and its status code (shown once to the resident; only its hash is
    stored)."""

    case: Case
    status_code: str  # shown once to the resident; only its hash is stored


def _party(case: Case, data: PartyData) -> Party:
    return Party(
        case=case,
        role=data.role,
        kind=data.kind,
        name=data.name.strip(),
        phone=data.phone.strip(),
        phone_key=phone_key(data.phone),
        email=data.email.strip(),
        address=data.address.strip(),
    )


def next_reference(year: int) -> str:
    """Issue the next reference number of ``year`` (e.g. ``2026-000123``)."""
    number = next_number(CASE_REFERENCES, year)
    return f"{year}-{number:0{settings.LINLI['REFERENCE_DIGITS']}d}"


def case_register(
    *,
    actor,
    organisation: Organisation,
    category: Category,
    place: Place,
    channel: str,
    description: str,
    requests: str = "",
    priority: str = Priority.GENERAL,
    escalation_risk: bool = False,
    address: str = "",
    external_ref: str = "",
    parties: Sequence[PartyData] = (),
    status_code: str | None = None,
    privacy_notice_version: str = "",
) -> Registration:
    """Register a grievance in ``registered`` with a reference and a one-time status code
    (fresh, or ``status_code`` when the caller derived it). ``privacy_notice_version``:
    the personal-information notice the resident was shown (casework.privacy), where one
    was — the portal and the staff intake; not a hotline order or an API client."""
    if actor is not None and not permissions.can_register_case(actor, place):
        raise ActionForbidden(_("You cannot register cases for this place."))
    if channel not in Channel.values:
        raise TransitionRefused(_("Choose how the grievance came in."))
    if not (description or "").strip():
        raise TransitionRefused(_("Describe what happened."))
    code = status_code or status_codes.new_status_code()
    with transaction.atomic():
        case = Case(
            reference=next_reference(timezone.localdate().year),
            status_code_hash=status_codes.hash_status_code(code),
            organisation=organisation,
            category=category,
            place=place,
            channel=channel,
            description=description.strip(),
            requests=(requests or "").strip(),
            priority=priority,
            escalation_risk=escalation_risk,
            address=(address or "").strip(),
            external_ref=(external_ref or "").strip(),
            registered_by=actor,
            privacy_notice_version=privacy_notice_version,
        )
        case.full_clean(exclude=["reference", "status_code_hash", "status"])
        case.save()
        Party.objects.bulk_create(_party(case, p) for p in parties if p.name.strip())
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.REGISTERED,
            to_status=Status.REGISTERED,
            actor=actor,
            code=events.REGISTERED,
            params={"channel": case.channel},
            is_public=True,
        )
    return Registration(case=case, status_code=code)


# --------------------------------------------------------------------- transitions


def _event_note(note: str, params: dict) -> str:
    note = (note or "").strip()
    if note:
        return note
    for key in ("reason", "summary"):
        if (params.get(key) or "").strip():
            return params[key].strip()
    return ""


def case_transition(
    *,
    case: Case,
    name: str,
    actor,
    note: str = "",
    public: bool | None = None,
    expected_version: int | None = None,
    **params,
) -> Case:
    """Move ``case`` through the transition ``name`` on behalf of ``actor``.

    Raises ActionForbidden, TransitionRefused (with every unmet guard in words) or
    ConcurrentChange; on success returns the saved case and logs exactly one event.
    """
    CASES.lookup(name)
    with transaction.atomic():
        locked = CASES.lock(case, expected_version)
        return _move_case(locked, name, actor=actor, note=note, public=public, **params)


def _move_case(
    locked: Case,
    name: str,
    *,
    actor,
    note="",
    public=None,
    code: str = "",
    code_params: dict | None = None,
    **params,
) -> Case:
    """Fire ``name`` on a case this transaction has locked, log its one event and tell the
    officer after commit (also the case's own step in a merge, a referral, a resumption).
    A step the system takes says why as ``code``/``code_params`` (casework.events), a
    person's reason stays in the note as written."""
    fired = CASES.fire(locked, name, actor=actor, note=note, **params)
    event = CaseEvent.objects.create(
        case=locked,
        kind=EventKind.TRANSITION,
        transition=name,
        from_status=fired.source,
        to_status=locked.status,
        actor=actor,
        code=code,
        params=code_params or {},
        # A system step's reason is its code; only a person's words are a note.
        note=(note or "").strip() if code else _event_note(note, params),
        is_public=fired.public if public is None else public,
    )
    notifications.case_event(event.pk)
    stage_alerts.stage_reached(event)
    return locked


@CASES.after("close", "reopen")
def reopen_request_answered(case: Case, *, actor) -> None:
    """What closing and reopening also do: they are the officer's answer to a resident's
    open request to reopen the case (the portal's rating form), which is marked handled."""
    Rating.objects.filter(case=case, reopen_requested=True, handled_at__isnull=True).update(
        handled_at=timezone.now()
    )


def available_transitions(case: Case, user) -> list[Transition]:
    """The transitions ``user`` may take on ``case`` now — what the page offers as buttons."""
    return CASES.available(case, user)


def case_offers(case: Case, user) -> list[Offer]:
    """The case's steps for ``user`` with why each withheld one is withheld (the page shows
    those as disabled buttons with the reasons beside them)."""
    return CASES.offers(case, user)


# ---------------------------------------------------------- assignment, notes, merge


def case_assign(*, case: Case, officer, actor, expected_version: int | None = None) -> Case:
    """Assign (or reassign) the officer who works the case."""
    with transaction.atomic():
        locked = CASES.lock(case, expected_version)
        if not permissions.can_assign_case(locked, actor, officer):
            raise ActionForbidden(_("You are not allowed to assign this case."))
        if not permissions.covers(officer, locked.place, {Role.MEDIATOR, Role.SUPERVISOR}):
            raise TransitionRefused(_("The officer must work in the case's area."))
        if not locked.is_open:
            raise TransitionRefused(_("Only open cases can be assigned."))
        if locked.assigned_officer_id == officer.pk:
            raise TransitionRefused(_("The case is already assigned to this officer."))
        locked.assigned_officer = officer
        CASES.bump(locked)
        event = CaseEvent.objects.create(
            case=locked,
            kind=EventKind.ASSIGNMENT,
            actor=actor,
            code=events.ASSIGNED,
            params={"name": person_name(officer), "user": officer.pk},
        )
    notifications.case_event(event.pk)
    return locked


def case_add_note(*, case: Case, actor, text: str, public: bool = False) -> CaseEvent:
    """Add a note to the timeline: internal by default, or public to the resident."""
    text = (text or "").strip()
    if not text:
        raise TransitionRefused(_("Write the note first."))
    if len(text) > 20000:
        raise TransitionRefused(_("A note can be at most 20,000 characters."))
    if not permissions.can_add_note(case, actor):
        raise ActionForbidden(_("You are not allowed to add notes to this case."))
    if case.status == Status.ARCHIVED:
        raise TransitionRefused(_("An archived case is read-only."))
    return CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, actor=actor, note=text, is_public=public
    )


def case_add_party(*, case: Case, actor, party: PartyData) -> Party:
    """Add a party found after registration (the other side of a dispute, a third party)."""
    if not permissions.can_work_case(case, actor):
        raise ActionForbidden(_("You are not allowed to change this case's parties."))
    if not (party.name or "").strip():
        raise TransitionRefused(_("Give the name of this party."))
    if party.role not in PartyRole.values or party.kind not in PartyKind.values:
        raise TransitionRefused(_("Choose the party's role and kind."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status in (Status.ARCHIVED, Status.MERGED, Status.REJECTED, Status.WITHDRAWN):
            raise TransitionRefused(_("Parties can no longer be added to this case."))
        if locked.parties.count() >= 30:
            raise TransitionRefused(_("A case can have at most 30 parties."))
        added = _party(locked, party)
        added.save()
        CaseEvent.objects.create(
            case=locked,
            kind=EventKind.NOTE,
            actor=actor,
            code=events.PARTY_ADDED,
            params={"name": added.name, "role": added.role},
        )
    return added


def case_merge(*, target: Case, duplicates: Sequence[Case], actor, note: str = "") -> Case:
    """Merge duplicate registrations into ``target``: every complainant is kept on the target.

    All or nothing: if one duplicate cannot be merged, none is.
    """
    if not duplicates:
        raise TransitionRefused(_("Choose at least one duplicate case."))
    with transaction.atomic():
        target = Case.objects.select_for_update().get(pk=target.pk)
        existing = {(p.role, p.name, p.phone) for p in target.parties.all()}
        refs = []
        for duplicate in duplicates:
            if duplicate.pk == target.pk:
                raise TransitionRefused(_("A case cannot be merged into itself."))
            locked = CASES.lock(duplicate)
            _move_case(locked, "mark_merged", actor=actor, note=note, target=target)
            copies = []
            for party in locked.parties.all():
                key = (party.role, party.name, party.phone)
                if key in existing:
                    continue
                existing.add(key)
                copies.append(
                    Party(
                        case=target,
                        role=party.role,
                        kind=party.kind,
                        name=party.name,
                        phone=party.phone,
                        phone_key=party.phone_key,
                        email=party.email,
                        address=party.address,
                        merged_from=locked,
                    )
                )
            Party.objects.bulk_create(copies)
            refs.append(locked.reference)
        # Checked after the duplicates so that a duplicate in the wrong state is reported
        # as such, exactly as the same transition would be on its own.
        if target.status not in OPEN_STATUSES:
            raise TransitionRefused(_("Merge into an open case."))
        if not permissions.can_work_case(target, actor):
            raise ActionForbidden(_("You are not allowed to work the target case."))
        CaseEvent.objects.create(
            case=target,
            kind=EventKind.MERGE,
            actor=actor,
            code=events.MERGED,
            params={"refs": refs},
            note=note.strip(),
            is_public=True,
        )
    return target


def attachment_add(*, case: Case, actor, upload, public: bool = False):
    """Attach evidence to a case after checking its name, size and real content type."""
    # actor None is a resident verified by reference and code in the portal.
    if (
        actor is not None
        and not permissions.can_add_note(case, actor)
        and not permissions.can_patrol(actor, case.place)  # a grid worker's site photo
    ):
        raise ActionForbidden(_("You are not allowed to add files to this case."))
    if case.status == Status.ARCHIVED:
        raise TransitionRefused(_("An archived case is read-only."))
    name = clean_file_name(getattr(upload, "name", ""))
    accepted = inspect(upload)  # photos come back without EXIF/GPS: store only that
    with transaction.atomic():
        attachment = CaseAttachment(
            case=case,
            original_name=name,
            content_type=accepted.content_type,
            size=accepted.size,
            sha256=accepted.sha256,
            is_public=public,
            uploaded_by=actor,
        )
        attachment.file.save(name, accepted.content, save=False)
        try:
            attachment.save()
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.ATTACHMENT,
                actor=actor,
                code=events.ATTACHED,
                params={"name": name},
                is_public=public,
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


# ---------------------------------------------------------------------- referrals


def all_referral_transitions() -> dict[str, Transition]:
    """Every declared referral transition by name."""
    return REFERRALS.transitions()


# Case states a referral may be dispatched from: work has started (an officer owns it).
REFERABLE_STATUSES = frozenset({Status.IN_PROGRESS, Status.WAITING})


def referral_dispatch(
    *,
    case: Case,
    organisation: Organisation,
    actor,
    role: str,
    kind: str,
    instructions: str,
    needs_contact: bool = False,
    expected_version: int | None = None,
) -> Referral:
    """Refer ``case`` to ``organisation``; the case waits (its clock paused) while referred.

    Dates are computed in working days from today: sign for (a setting) and reply (by the
    referral's type, a setting).
    """
    problems = []
    if role not in ReferralRole.values:
        problems.append(_("Choose whether the organisation leads or assists."))
    if kind not in ReferralKind.values:
        problems.append(_("Choose the type of referral."))
    if not (instructions or "").strip():
        problems.append(_("Say what is asked of the organisation."))
    if not organisation.active:
        problems.append(_("This organisation no longer receives referrals."))
    if problems:
        raise TransitionRefused(*problems)
    with transaction.atomic():
        locked = CASES.lock(case, expected_version)
        if not permissions.can_work_case(locked, actor):
            raise ActionForbidden(_("You are not allowed to refer this case."))
        if locked.status not in REFERABLE_STATUSES:
            raise TransitionRefused(
                _("Start work on the case before referring it (it is %(status)s).")
                % {"status": locked.get_status_display().lower()}
            )
        open_referrals = Referral.objects.filter(
            case=locked, status__in=list(OPEN_REFERRAL_STATUSES)
        )
        if role == ReferralRole.LEAD and open_referrals.filter(role=ReferralRole.LEAD).exists():
            raise TransitionRefused(
                _("The case already has an open lead referral; refer others as assisting.")
            )
        if open_referrals.filter(organisation=organisation).exists():
            raise TransitionRefused(
                _("This organisation already has an open referral of the case.")
            )
        today = timezone.localdate()
        referral = Referral.objects.create(
            case=locked,
            organisation=organisation,
            role=role,
            kind=kind,
            instructions=instructions.strip(),
            needs_contact=needs_contact,
            dispatched_by=actor,
            sign_due=add_working_days(today, settings.LINLI["REFERRAL_SIGN_FOR_WORKING_DAYS"]),
            reply_due=add_working_days(today, settings.LINLI["REFERRAL_REPLY_WORKING_DAYS"][kind]),
        )
        event = CaseEvent.objects.create(
            case=locked,
            referral=referral,
            kind=EventKind.REFERRAL,
            transition="dispatch",
            actor=actor,
            code=events.REFERRED,
            params={"org": organisation.name, "role": referral.role},
            is_public=True,
        )
        if locked.status == Status.IN_PROGRESS:
            _move_case(
                locked,
                "wait",
                actor=actor,
                reason=_("Referred to %(org)s.") % {"org": organisation.name},
                code=events.WAITS_FOR_REFERRAL,
                code_params={"org": organisation.name},
            )
        else:
            CASES.bump(locked)  # the version moves: the page the user saw is stale
    notifications.referral_event(event.pk)
    return referral


def referral_transition(
    *,
    referral: Referral,
    name: str,
    actor,
    expected_version: int | None = None,
    **params,
) -> Referral:
    """Move ``referral`` through ``name`` for ``actor``; the case follows.

    When the last open referral ends (closed, returned or recalled) a waiting case resumes
    and its deadline moves by the working days it waited.
    """
    REFERRALS.lookup(name)
    with transaction.atomic():
        # Lock order everywhere: case, then referral. The referral's version is the guard.
        Case.objects.select_for_update().filter(pk=referral.case_id).values_list("pk").get()
        locked = REFERRALS.lock(referral, expected_version)
        REFERRALS.fire(locked, name, actor=actor, **params)
        detail = _event_note("", params) or (params.get("reply") or "").strip()
        event = CaseEvent.objects.create(
            case=locked.case,
            referral=locked,
            kind=EventKind.REFERRAL,
            transition=name,
            actor=actor,
            code=events.REFERRAL_MOVED,
            params={"org": locked.organisation.name, "action": name},
            # What the organisation or the officer wrote (the reply, a reason), as written.
            note=locked.reply if locked.status == ReferralStatus.REPLIED else detail,
        )
        case = Case.objects.select_related("category", "place").get(pk=locked.case_id)
        if (
            not locked.is_open
            and case.status == Status.WAITING
            and not case.referrals.filter(status__in=list(OPEN_REFERRAL_STATUSES)).exists()
        ):
            _move_case(case, "resume", actor=actor)
        else:
            CASES.bump(case)
    notifications.referral_event(event.pk)
    return locked


def referral_supervise(*, referral: Referral, actor, on: bool, note: str = "") -> Referral:
    """Put a referral under supervision (督办) or lift it; supervisors only."""
    with transaction.atomic():
        locked = REFERRALS.lock(referral)
        if not permissions.can_supervise_referral(locked, actor):
            raise ActionForbidden(_("Only supervisors put referrals under supervision."))
        if not locked.is_open:
            raise TransitionRefused(_("Only open referrals can be supervised."))
        if locked.under_supervision == on:
            raise TransitionRefused(
                _("The referral is already under supervision.")
                if on
                else _("The referral is not under supervision.")
            )
        Referral.objects.filter(pk=locked.pk).update(under_supervision=on)
        locked.under_supervision = on
        event = CaseEvent.objects.create(
            case=locked.case,
            referral=locked,
            kind=EventKind.SUPERVISION,
            actor=actor,
            code=events.SUPERVISED if on else events.SUPERVISION_LIFTED,
            params={"org": locked.organisation.name},
            note=note.strip(),
        )
    notifications.referral_event(event.pk)
    return locked


# At most this many files travel with one reply.
MAX_REPLY_FILES = 10


def referral_reply(
    *,
    referral: Referral,
    actor,
    reply: str,
    files: Sequence = (),
    expected_version: int | None = None,
) -> Referral:
    """The organisation's reply with its photos and files (site photos show work done):
    each file checked by content and size, photos stored without EXIF/GPS
    (``casework.uploads``); the reply and every file are kept together or not at all."""
    if len(files) > MAX_REPLY_FILES:
        raise TransitionRefused(
            _("Send at most %(n)d files with a reply.") % {"n": MAX_REPLY_FILES}
        )
    accepted = [(clean_file_name(getattr(f, "name", "")), inspect(f)) for f in files]
    stored = []
    try:
        with transaction.atomic():
            locked = referral_transition(
                referral=referral,
                name="send_reply",
                actor=actor,
                expected_version=expected_version,
                reply=reply,
            )
            for name, checked in accepted:
                attachment = CaseAttachment(
                    case_id=locked.case_id,
                    referral=locked,
                    original_name=name,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                    uploaded_by=actor,
                )
                attachment.file.save(name, checked.content, save=False)
                stored.append(attachment)
                attachment.save()
                CaseEvent.objects.create(
                    case_id=locked.case_id,
                    referral=locked,
                    kind=EventKind.ATTACHMENT,
                    actor=actor,
                    code=events.ATTACHED,
                    params={"name": name},
                )
    except Exception:
        for attachment in stored:  # nothing of a refused reply stays on disk
            attachment.file.delete(save=False)
        raise
    return locked


def available_referral_transitions(referral: Referral, user) -> list[Transition]:
    """The referral transitions ``user`` may take now (the page keeps its own side's)."""
    return REFERRALS.available(referral, user)


# ---------------------------------------------------------- return visits (回访)


def case_return_visit_record(
    *,
    case: Case,
    actor,
    manner: str,
    reached: bool,
    visited_at=None,
    efficiency: int | None = None,
    attitude: int | None = None,
    result: int | None = None,
    satisfied: bool | None = None,
    residents_words: str = "",
    expected_version: int | None = None,
) -> CaseReturnVisit:
    """Record the return visit (回访) to a resolved case: reached or not, and when reached
    the resident's satisfaction on the three measures of their own rating (efficiency,
    attitude, result), overall, and their words. Closing needs one (or the resident's
    rating); an unsatisfied answer is offered reopening on the case page."""
    problems = []
    if manner not in VisitManner.values:
        problems.append(_("Say how the return visit was made."))
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now():
        problems.append(_("The return visit cannot be in the future."))
    words = (residents_words or "").strip()
    if len(words) > 5000:
        problems.append(_("The resident's words can be at most 5,000 characters."))
    if reached:
        scores = (efficiency, attitude, result)
        if any(s not in Score.values for s in scores):
            problems.append(_("Give the resident's score for efficiency, attitude and result."))
        if satisfied is None:
            problems.append(_("Say whether the resident is satisfied overall."))
    else:
        efficiency = attitude = result = satisfied = None
    if problems:
        raise TransitionRefused(*problems)
    with transaction.atomic():
        locked = CASES.lock(case, expected_version)
        if not permissions.can_work_case(locked, actor):
            raise ActionForbidden(_("You are not allowed to record this case's return visit."))
        if locked.status != Status.RESOLVED:
            raise TransitionRefused(_("A return visit follows the resolution of a case."))
        if locked.resolved_at and visited_at < locked.resolved_at:
            raise TransitionRefused(_("The return visit cannot be before the resolution."))
        visit = CaseReturnVisit.objects.create(
            case=locked,
            visited_at=visited_at,
            manner=manner,
            reached=reached,
            efficiency=efficiency,
            attitude=attitude,
            result=result,
            satisfied=satisfied,
            residents_words=words,
            recorded_by=actor,
        )
        CASES.bump(locked)
        if reached:
            code = events.RETURN_VISIT
            params = {
                "manner": manner,
                "e": efficiency,
                "a": attitude,
                "r": result,
                "overall": "satisfied" if satisfied else "not_satisfied",
            }
        else:
            code, params = events.RETURN_VISIT_UNREACHED, {"manner": manner}
        CaseEvent.objects.create(
            case=locked, kind=EventKind.RETURN_VISIT, actor=actor, code=code, params=params
        )
    return visit
