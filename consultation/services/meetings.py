"""Every write to a meeting and its record (DOMAIN.md §5): one transaction, the meeting's
row locked and its version compared for lifecycle moves, permissions checked, a note on
each linked case's log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import Transition

from casework.models import Case, CaseEvent, EventKind, Organisation
from consultation import case_events, permissions, selectors
from consultation.models import (
    PREPARABLE_STATUSES,
    AgendaItem,
    Criterion,
    Decision,
    FollowUp,
    FollowUpStatus,
    Invitee,
    Meeting,
    MeetingKind,
    MinutesStatus,
    Motion,
    MotionOutcome,
    RatingSheet,
    Score,
    Statement,
)
from core.exceptions import ActionForbidden, TransitionRefused
from core.transitions import Machine

MEETINGS = Machine(
    Meeting,
    not_possible=gettext_lazy("“%(action)s” is not possible while the meeting is %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” this meeting."),
    changed=gettext_lazy(
        "This meeting was changed by someone else. Reload the page and try again."
    ),
    related=("place",),
)


def all_meeting_transitions() -> dict[str, Transition]:
    """Every declared meeting transition by name."""
    return MEETINGS.transitions()


def log_on_cases(
    meeting: Meeting, actor, code: str, params: dict, *, note: str = "", public: bool = False
) -> None:
    """An entry (an event code, ``consultation.case_events``) on the log of every case the
    meeting is linked to; ``note`` is what a person wrote (a reason), as written."""
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.NOTE,
            actor=actor,
            code=code,
            params=params,
            note=note,
            is_public=public,
        )
        for case in meeting.cases.all()
    )


def meeting_create(
    *,
    actor,
    kind: str,
    topic: str,
    cases: Sequence[Case],
    convening_organisation: Organisation,
    chair: str = "",
    recorder: str = "",
    starts_at: dt.datetime,
    venue: str,
    chair_person=None,
    recorder_person=None,
) -> Meeting:
    """Convene a meeting on one or more cases of the actor's area, and note it on each case's
    log. Chair and recorder are staff (``chair_person``, ``recorder_person``: members of the
    convening organisation or officers of the first case's area) or, for an outsider, a
    name as written (``chair``, ``recorder``); a person wins over a name."""
    problems = []
    if kind not in MeetingKind.values:
        problems.append(_("Choose the kind of meeting."))
    if not cases:
        problems.append(_("Link at least one case."))
    for label, value in ((_("topic"), topic), (_("venue"), venue)):
        if not (value or "").strip():
            problems.append(_("Give the %(what)s.") % {"what": label})
    if chair_person is None and not (chair or "").strip():
        problems.append(_("Give the %(what)s.") % {"what": _("chair")})
    if cases and any(p is not None for p in (chair_person, recorder_person)):
        allowed = set(
            selectors.meeting_staff(
                organisations=[convening_organisation], case=cases[0]
            ).values_list("pk", flat=True)
        )
        if any(p is not None and p.pk not in allowed for p in (chair_person, recorder_person)):
            problems.append(
                _("Chair and recorder must be staff of the convening body or the case's area.")
            )
    if problems:
        raise TransitionRefused(*problems)
    meeting = Meeting(
        kind=kind,
        topic=topic.strip(),
        place=cases[0].place,
        convening_organisation=convening_organisation,
        chair_person=chair_person,
        chair="" if chair_person is not None else (chair or "").strip(),
        recorder_person=recorder_person,
        recorder="" if recorder_person is not None else (recorder or "").strip(),
        starts_at=starts_at,
        venue=venue.strip(),
        created_by=actor,
    )
    if not permissions.can_run_meeting(meeting, actor):
        raise ActionForbidden(_("You cannot convene meetings for this area."))
    if any(not permissions.can_run_meeting(Meeting(place=c.place), actor) for c in cases):
        raise ActionForbidden(_("Every linked case must be in your area."))
    with transaction.atomic():
        meeting.save()
        meeting.cases.set(cases)
        log_on_cases(
            meeting,
            actor,
            case_events.MEETING_CALLED,
            {
                "kind": meeting.kind,
                "when": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
                "venue": meeting.venue,
                "topic": meeting.topic,
            },
            public=True,
        )
    return meeting


def meeting_transition(
    *, meeting: Meeting, name: str, actor, expected_version: int | None = None, **params
) -> Meeting:
    """Move ``meeting`` along its lifecycle (publish the notice, hold, close, postpone,
    reschedule, cancel) and note it, with any reason, on every linked case's log (public)."""
    with transaction.atomic():
        locked = MEETINGS.run(
            meeting, name, actor=actor, expected_version=expected_version, **params
        ).record
        log_on_cases(
            locked,
            actor,
            case_events.MEETING_MOVED,
            {"kind": locked.kind, "topic": locked.topic, "status": locked.status},
            note=locked.status_reason or "",
            public=True,
        )
    return locked


def _check_recordable(meeting: Meeting, actor, *, preparing: bool = False) -> None:
    """The record may be written while the meeting runs, or while draft minutes (a first
    draft or a correction) are open; never behind approved minutes' back."""
    if not permissions.can_run_meeting(meeting, actor):
        raise ActionForbidden(_("You are not allowed to keep this meeting's record."))
    if meeting.minutes.filter(status=MinutesStatus.DRAFT).exists():
        return
    if meeting.minutes.exclude(status=MinutesStatus.DRAFT).exists():
        raise TransitionRefused(
            _("The minutes are circulated or approved: the record can change only in a draft.")
        )
    # Invitees and agenda can be added up to and during the meeting (walk-in attendees).
    allowed = PREPARABLE_STATUSES | {"held"} if preparing else {"notice_published", "held"}
    if meeting.status not in allowed:
        raise TransitionRefused(
            _("This cannot be recorded while the meeting is %(status)s.")
            % {"status": meeting.get_status_display().lower()}
        )


def invitee_add(*, meeting: Meeting, actor, category: str, name: str, affiliation: str = ""):
    """Invite a participant (also a walk-in during the meeting)."""
    _check_recordable(meeting, actor, preparing=True)
    if not (name or "").strip():
        raise TransitionRefused(_("Give the invitee's name."))
    return Invitee.objects.create(
        meeting=meeting, category=category, name=name.strip(), affiliation=affiliation.strip()
    )


def attendance_mark(*, meeting: Meeting, actor, present_ids: Sequence[int]) -> None:
    """Mark who came: the listed invitees present, everyone else absent."""
    _check_recordable(meeting, actor)
    present = set(present_ids)
    with transaction.atomic():
        meeting.invitees.filter(pk__in=present).update(attended=True)
        meeting.invitees.exclude(pk__in=present).update(attended=False)


def agenda_add(*, meeting: Meeting, actor, title: str) -> AgendaItem:
    """Add an item at the end of the agenda."""
    _check_recordable(meeting, actor, preparing=True)
    position = meeting.agenda.count() + 1
    return AgendaItem.objects.create(meeting=meeting, position=position, title=title.strip())


def statement_add(*, meeting: Meeting, actor, speaker: Invitee, stance: str, text: str):
    """Record what one of the invitees said, and their position."""
    _check_recordable(meeting, actor)
    if speaker.meeting_id != meeting.pk:
        raise TransitionRefused(_("The speaker must be one of this meeting's invitees."))
    return Statement.objects.create(meeting=meeting, speaker=speaker, stance=stance, text=text)


def motion_add(
    *, meeting: Meeting, actor, text: str, votes_for: int, votes_against: int, abstentions: int
) -> Motion:
    """Record a vote. The outcome is a simple majority of the votes cast (for > against);
    the counts cannot exceed the attendees."""
    _check_recordable(meeting, actor)
    present = meeting.invitees.filter(attended=True).count()
    total = votes_for + votes_against + abstentions
    if present and total > present:
        raise TransitionRefused(
            _("%(total)d votes recorded but only %(present)d attendees are marked present.")
            % {"total": total, "present": present}
        )
    outcome = MotionOutcome.CARRIED if votes_for > votes_against else MotionOutcome.DEFEATED
    return Motion.objects.create(
        meeting=meeting,
        text=text.strip(),
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        outcome=outcome,
    )


def decision_add(*, meeting: Meeting, actor, text: str) -> Decision:
    """Record a decision of the meeting."""
    _check_recordable(meeting, actor)
    return Decision.objects.create(meeting=meeting, text=text.strip())


def follow_up_add(
    *,
    meeting: Meeting,
    actor,
    text: str,
    organisation: Organisation,
    due_date: dt.date,
    case: Case | None = None,
) -> FollowUp:
    """Record a follow-up action with its owner and due date (shown on the linked case, if
    given)."""
    _check_recordable(meeting, actor)
    if case is not None and not meeting.cases.filter(pk=case.pk).exists():
        raise TransitionRefused(_("The follow-up's case must be linked to the meeting."))
    return FollowUp.objects.create(
        meeting=meeting,
        case=case,
        text=text.strip(),
        organisation=organisation,
        due_date=due_date,
    )


def follow_up_close(*, follow_up: FollowUp, actor, note: str) -> FollowUp:
    """Close a follow-up (from the meeting or a linked case's page) with what was done."""
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().select_related("meeting").get(pk=follow_up.pk)
        if not permissions.can_run_meeting(locked.meeting, actor):
            raise ActionForbidden(_("You are not allowed to close this follow-up."))
        if locked.status == FollowUpStatus.DONE:
            raise TransitionRefused(_("This follow-up is already done."))
        if not (note or "").strip():
            raise TransitionRefused(_("Say how the follow-up was done."))
        locked.status = FollowUpStatus.DONE
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.done_note = note.strip()
        locked.save()
        log_on_cases(locked.meeting, actor, case_events.FOLLOW_UP_DONE, {"text": locked.text})
    return locked


def criterion_add(*, meeting: Meeting, actor, name: str) -> Criterion:
    """Add what the participants of an evaluation meeting rate."""
    _check_recordable(meeting, actor, preparing=True)
    if meeting.kind != MeetingKind.EVALUATION:
        raise TransitionRefused(_("Rating sheets belong to evaluation meetings."))
    return Criterion.objects.create(meeting=meeting, name=name.strip())


def sheet_record(
    *,
    meeting: Meeting,
    actor,
    participant: Invitee,
    returned: bool,
    scores: dict[int, int | None],
) -> RatingSheet:
    """Record one participant's sheet. It is valid when returned with a 1–5 score for
    every criterion; a returned sheet with gaps is kept as returned but invalid."""
    _check_recordable(meeting, actor)
    if meeting.kind != MeetingKind.EVALUATION:
        raise TransitionRefused(_("Rating sheets belong to evaluation meetings."))
    if participant.meeting_id != meeting.pk:
        raise TransitionRefused(_("The participant must be one of this meeting's invitees."))
    criteria = list(meeting.criteria.all())
    given = {c.pk: scores.get(c.pk) for c in criteria}
    if any(v is not None and not 1 <= v <= 5 for v in given.values()):
        raise TransitionRefused(_("Scores are from 1 to 5."))
    valid = returned and bool(criteria) and all(v is not None for v in given.values())
    with transaction.atomic():
        sheet, _created = RatingSheet.objects.update_or_create(
            meeting=meeting,
            participant=participant,
            defaults={"returned": returned, "valid": valid},
        )
        sheet.scores.all().delete()
        if returned:
            Score.objects.bulk_create(
                Score(sheet=sheet, criterion_id=pk, score=v)
                for pk, v in given.items()
                if v is not None
            )
    return sheet
