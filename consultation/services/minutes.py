"""Every write to a meeting's minutes (DOMAIN.md §5, §8): drafting, editing the draft,
signatures, the lifecycle, and corrections as new versions. Approved minutes never change.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import Transition

from consultation import case_events, permissions
from consultation.documents import minutes as minutes_documents
from consultation.models import (
    Invitee,
    Meeting,
    Minutes,
    MinutesSignerRole,
    MinutesStatus,
    Signature,
)
from consultation.services import archive
from consultation.services.meetings import log_on_cases
from core import documents
from core.exceptions import ActionForbidden, TransitionRefused
from core.transitions import Machine

MINUTES = Machine(
    Minutes,
    not_possible=gettext_lazy("“%(action)s” is not possible while the minutes are %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” these minutes."),
    changed=gettext_lazy(
        "These minutes were changed by someone else. Reload the page and try again."
    ),
    related=("meeting", "meeting__place"),
    # Approved minutes refuse a full save: archiving them writes only these columns.
    save_fields={"archive": ("status", "archived_at", "version")},
)


def all_minutes_transitions() -> dict[str, Transition]:
    """Every declared minutes transition by name."""
    return MINUTES.transitions()


def minutes_draft(*, meeting: Meeting, actor, summary: str = "") -> Minutes:
    """Start the minutes of a held (or closed) meeting: the first version, as a draft."""
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


def minutes_update(
    *,
    minutes: Minutes,
    actor,
    summary: str,
    expected_version: int,
    disagreements: str = "",
    procedural_incidents: str = "",
) -> Minutes:
    """Save the draft minutes' summary, points of disagreement and procedural incidents
    (DOMAIN.md §5; the version the page showed must still be current)."""
    with transaction.atomic():
        locked = MINUTES.lock(minutes, expected_version)
        if not permissions.can_write_minutes(locked, actor):
            raise ActionForbidden(_("You are not allowed to write these minutes."))
        if locked.status != MinutesStatus.DRAFT:
            raise TransitionRefused(_("Only draft minutes can be edited."))
        locked.summary = (summary or "").strip()
        locked.disagreements = (disagreements or "").strip()
        locked.procedural_incidents = (procedural_incidents or "").strip()
        MINUTES.bump(locked)
    return locked


def default_signer_role(meeting: Meeting, invitee: Invitee) -> str:
    """The capacity an attendee signs in when none is given: the meeting's chair or
    recorder by name, else an attendee."""
    if invitee.name.strip() == meeting.chair_name.strip():
        return MinutesSignerRole.CHAIR
    if invitee.name.strip() == meeting.recorder_name.strip():
        return MinutesSignerRole.RECORDER
    return MinutesSignerRole.ATTENDEE


def signature_record(
    *,
    minutes: Minutes,
    actor,
    invitee: Invitee,
    refused: bool,
    note: str = "",
    role: str = "",
) -> Signature:
    """Record an attendee's signature, or their refusal with its reason, on circulated
    minutes, with the capacity they sign in (chair, recorder, attendee: DOMAIN.md §5)."""
    if not permissions.can_write_minutes(minutes, actor):
        raise ActionForbidden(_("You are not allowed to record signatures."))
    if minutes.status != MinutesStatus.CIRCULATED:
        raise TransitionRefused(_("Signatures are collected while the minutes are circulated."))
    if invitee.meeting_id != minutes.meeting_id or not invitee.attended:
        raise TransitionRefused(_("Only attendees of this meeting sign its minutes."))
    if refused and not (note or "").strip():
        raise TransitionRefused(_("Note why the attendee refused to sign."))
    if role and role not in MinutesSignerRole.values:
        raise TransitionRefused(_("Choose the capacity the attendee signs in."))
    signature, _created = Signature.objects.update_or_create(
        minutes=minutes,
        invitee=invitee,
        defaults={
            "role": role or default_signer_role(minutes.meeting, invitee),
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
    """Move minutes along draft → circulated → approved → archived, noting it on every
    linked case's log. Approving also freezes and archives them (``minutes_approve``)."""
    with transaction.atomic():
        locked = MINUTES.run(
            minutes, name, actor=actor, expected_version=expected_version, **params
        ).record
        log_on_cases(
            locked.meeting,
            actor,
            case_events.MINUTES_MOVED,
            {"ref": locked.meeting.reference, "n": locked.number, "status": locked.status},
        )
    return locked


@MINUTES.after("approve")
def minutes_approve(minutes: Minutes, *, actor) -> None:
    """What approving also does: freeze the content (the snapshot the PDF prints and
    embeds), queue the job that renders the PDF/A from it and registers it in the archive
    with its checksum (``archive.archive_minutes_job``, after the commit), and mark the
    version a correction replaces as superseded."""
    minutes.snapshot = minutes_documents.build(minutes)
    # The document number is drawn once and frozen with the content: a re-render prints it.
    minutes.snapshot["document_number"] = documents.issue_document_number("minutes")
    minutes.save(update_fields=["snapshot"])
    archive.request_archive("minutes", minutes.pk, actor=actor)
    if minutes.corrects_id:
        previous = Minutes.objects.get(pk=minutes.corrects_id)
        previous.superseded_by = minutes
        previous.save(update_fields=["superseded_by"])


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
        disagreements=minutes.disagreements,
        procedural_incidents=minutes.procedural_incidents,
        corrects=minutes,
        correction_reason=reason.strip(),
        created_by=actor,
    )
