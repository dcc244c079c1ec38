"""Every write to meetings and minutes: one transaction, the row locked and its version
compared, permissions checked, an event on each linked case's log, mail after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition

from casework.models import Case, CaseEvent, EventKind, Organisation
from consultation import archive, permissions
from consultation.documents import minutes as minutes_documents
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
    Minutes,
    MinutesStatus,
    Motion,
    MotionOutcome,
    RatingSheet,
    Score,
    Signature,
    Statement,
)
from core import transitions
from core.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused


def all_meeting_transitions() -> dict[str, Transition]:
    field = Meeting._meta.get_field("status")
    return {t.name: t for t in field.get_all_transitions(Meeting)}


def all_minutes_transitions() -> dict[str, Transition]:
    field = Minutes._meta.get_field("status")
    return {t.name: t for t in field.get_all_transitions(Minutes)}


def _log_on_cases(meeting: Meeting, actor, note: str, public: bool = False) -> None:
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.NOTE, actor=actor, note=note, is_public=public)
        for case in meeting.cases.all()
    )


# ------------------------------------------------------------------ meetings


def meeting_create(
    *,
    actor,
    kind: str,
    topic: str,
    cases: Sequence[Case],
    convening_organisation: Organisation,
    chair: str,
    recorder: str,
    starts_at: dt.datetime,
    venue: str,
) -> Meeting:
    problems = []
    if kind not in MeetingKind.values:
        problems.append(_("Choose the kind of meeting."))
    if not cases:
        problems.append(_("Link at least one case."))
    for label, value in ((_("topic"), topic), (_("chair"), chair), (_("venue"), venue)):
        if not (value or "").strip():
            problems.append(_("Give the %(what)s.") % {"what": label})
    if problems:
        raise TransitionRefused(*problems)
    meeting = Meeting(
        kind=kind,
        topic=topic.strip(),
        place=cases[0].place,
        convening_organisation=convening_organisation,
        chair=chair.strip(),
        recorder=(recorder or "").strip(),
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
        _log_on_cases(
            meeting,
            actor,
            _("%(kind)s called for %(when)s at %(venue)s: %(topic)s")
            % {
                "kind": meeting.get_kind_display(),
                "when": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
                "venue": meeting.venue,
                "topic": meeting.topic,
            },
            public=True,
        )
    return meeting


def _lock_meeting(meeting: Meeting, expected_version: int | None) -> Meeting:
    locked = Meeting.objects.select_for_update().select_related("place").get(pk=meeting.pk)
    version = meeting.version if expected_version is None else expected_version
    if locked.version != version:
        raise ConcurrentChange(
            _("This meeting was changed by someone else. Reload the page and try again.")
        )
    return locked


def _bump(record) -> None:
    record.version += 1
    try:
        record.save()
    except ConcurrentTransition as exc:
        raise ConcurrentChange() from exc


def meeting_transition(
    *, meeting: Meeting, name: str, actor, expected_version: int | None = None, **params
) -> Meeting:
    transition = all_meeting_transitions().get(name)
    if transition is None:
        raise TransitionRefused(_("Unknown action."))
    with transaction.atomic():
        locked = _lock_meeting(meeting, expected_version)
        transitions.guard(
            locked,
            name,
            actor,
            not_possible=_("“%(action)s” is not possible while the meeting is %(status)s."),
            not_allowed=_("You are not allowed to “%(action)s” this meeting."),
        )
        method = getattr(locked, name)
        method(**params)
        _bump(locked)
        note = _("%(meeting)s: %(status)s") % {
            "meeting": str(locked),
            "status": locked.get_status_display(),
        }
        if locked.status_reason:
            note += f" — {locked.status_reason}"
        _log_on_cases(locked, actor, note, public=True)
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
    _check_recordable(meeting, actor, preparing=True)
    position = meeting.agenda.count() + 1
    return AgendaItem.objects.create(meeting=meeting, position=position, title=title.strip())


def statement_add(*, meeting: Meeting, actor, speaker: Invitee, stance: str, text: str):
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
        _log_on_cases(locked.meeting, actor, _("Follow-up done: %(text)s") % {"text": locked.text})
    return locked


def criterion_add(*, meeting: Meeting, actor, name: str) -> Criterion:
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


# ------------------------------------------------------------------- minutes


def minutes_draft(*, meeting: Meeting, actor, summary: str = "") -> Minutes:
    if not permissions.can_run_meeting(meeting, actor):
        raise ActionForbidden(_("You are not allowed to write these minutes."))
    if meeting.status not in {"held", "closed"}:
        raise TransitionRefused(_("Minutes are drafted after the meeting is held."))
    if meeting.minutes.exists():
        raise TransitionRefused(
            _("These minutes exist already; correct approved minutes with a new version.")
        )
    return Minutes.objects.create(
        meeting=meeting, number=1, summary=(summary or "").strip(), created_by=actor
    )


def minutes_update(*, minutes: Minutes, actor, summary: str, expected_version: int) -> Minutes:
    with transaction.atomic():
        locked = _lock_minutes(minutes, expected_version)
        if not permissions.can_write_minutes(locked, actor):
            raise ActionForbidden(_("You are not allowed to write these minutes."))
        if locked.status != MinutesStatus.DRAFT:
            raise TransitionRefused(_("Only draft minutes can be edited."))
        locked.summary = (summary or "").strip()
        _bump(locked)
    return locked


def _lock_minutes(minutes: Minutes, expected_version: int | None) -> Minutes:
    locked = (
        Minutes.objects.select_for_update()
        .select_related("meeting", "meeting__place")
        .get(pk=minutes.pk)
    )
    version = minutes.version if expected_version is None else expected_version
    if locked.version != version:
        raise ConcurrentChange(
            _("These minutes were changed by someone else. Reload the page and try again.")
        )
    return locked


def signature_record(
    *, minutes: Minutes, actor, invitee: Invitee, refused: bool, note: str = ""
) -> Signature:
    if not permissions.can_write_minutes(minutes, actor):
        raise ActionForbidden(_("You are not allowed to record signatures."))
    if minutes.status != MinutesStatus.CIRCULATED:
        raise TransitionRefused(_("Signatures are collected while the minutes are circulated."))
    if invitee.meeting_id != minutes.meeting_id or not invitee.attended:
        raise TransitionRefused(_("Only attendees of this meeting sign its minutes."))
    if refused and not (note or "").strip():
        raise TransitionRefused(_("Note why the attendee refused to sign."))
    signature, _created = Signature.objects.update_or_create(
        minutes=minutes,
        invitee=invitee,
        defaults={
            "refused": refused,
            "signed_at": None if refused else timezone.now(),
            "note": (note or "").strip(),
            "recorded_by": actor,
        },
    )
    return signature


def minutes_transition(
    *, minutes: Minutes, name: str, actor, expected_version: int | None = None, **params
) -> Minutes:
    """Move minutes along draft → circulated → approved → archived. Approval freezes the
    content, renders the PDF/A and registers it in the archive with its checksum; a
    correction's approval marks the version it corrects as superseded."""
    transition = all_minutes_transitions().get(name)
    if transition is None:
        raise TransitionRefused(_("Unknown action."))
    with transaction.atomic():
        locked = _lock_minutes(minutes, expected_version)
        transitions.guard(
            locked,
            name,
            actor,
            not_possible=_("“%(action)s” is not possible while the minutes are %(status)s."),
            not_allowed=_("You are not allowed to “%(action)s” these minutes."),
        )
        method = getattr(locked, name)
        method(actor=actor, **params)
        if name == "approve":
            locked.snapshot = minutes_documents.build(locked)
            locked.version += 1
            locked.save()  # still approved-from-circulated: the stored row is not frozen yet
            archive.archive_minutes(locked, actor)
            if locked.corrects_id:
                previous = Minutes.objects.get(pk=locked.corrects_id)
                previous.superseded_by = locked
                previous.save(update_fields=["superseded_by"])
        else:
            locked.version += 1
            try:
                locked.save(update_fields=["status", "archived_at", "version"])
            except ConcurrentTransition as exc:
                raise ConcurrentChange() from exc
        _log_on_cases(
            locked.meeting,
            actor,
            _("Minutes %(ref)s v%(n)d: %(status)s")
            % {
                "ref": locked.meeting.reference,
                "n": locked.number,
                "status": locked.get_status_display(),
            },
        )
    return locked


def minutes_correct(*, minutes: Minutes, actor, reason: str) -> Minutes:
    """Start a correction of approved minutes: a new draft version that copies the summary;
    the approved version stays as it is until the correction is approved."""
    if not permissions.can_write_minutes(minutes, actor):
        raise ActionForbidden(_("You are not allowed to correct these minutes."))
    if not minutes.is_frozen or minutes.superseded_by_id:
        raise TransitionRefused(_("Only the current approved minutes can be corrected."))
    if not (reason or "").strip():
        raise TransitionRefused(_("Give the reason for the correction."))
    if Minutes.objects.filter(corrects=minutes).exists():
        raise TransitionRefused(_("A correction of these minutes is already under way."))
    return Minutes.objects.create(
        meeting=minutes.meeting,
        number=minutes.number + 1,
        summary=minutes.summary,
        corrects=minutes,
        correction_reason=reason.strip(),
        created_by=actor,
    )
