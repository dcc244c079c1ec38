"""What a resident sees of their case: the public stages, in plain words.

The case's log (``CaseEvent``) records everything the staff do — notes, assignments,
chases, supervision, every step of a referral. A resident is owed the *stages* of their
case and the answers meant for them, never the office's working notes. This module is
the one place that decides which event is a public stage, and what each stage says.

``public_stage(event)`` is the mapping from an event (its kind, transition, code) to the
stage code a resident is shown, or ``None`` when the event is not a stage. The codes are
stable strings: the timeline renders them, and the SMS on a new stage (#22a) sends them.

What is public, decided here:

- the case's own stages (received, accepted, in progress, waiting, resolved, closed,
  reopened, archived; not accepted, withdrawn, merged) — from the case's transitions,
  whether or not the transition's event was marked public;
- a referral out (to whom and by when) and the organisation's reply — the reply's text
  only once the committee has accepted it (a reply sent back for rework is not the
  answer); the referral's internal steps (sign-for, extension, return) are not;
- the reasons a resident is owed: why the case was not accepted, why it was reopened, the
  resolution summary; the reason an officer typed for waiting only when the officer made
  that step public (it may name a party); a waiting step caused by a referral says whom
  the case waits for;
- a note an officer marked public (a message to the resident), and what the resident
  added themselves.

Internal notes, ratings, assignments, chases and supervision never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import event_text
from casework import events as codes
from casework.calendar import add_working_days, working_days_between
from casework.models import CaseEvent, EventKind, Status

RECEIVED = "received"
ACCEPTED = "accepted"
IN_PROGRESS = "in_progress"
REFERRED = "referred"
WAITING = "waiting"
AGENCY_REPLIED = "agency_replied"
REPLY_ACCEPTED = "reply_accepted"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
ARCHIVED = "archived"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
MERGED = "merged"

# Each stage's title in the reader's language (the timeline's heading for the entry).
TITLES = {
    RECEIVED: _("Received"),
    ACCEPTED: _("Accepted"),
    IN_PROGRESS: _("Being handled"),
    REFERRED: _("Passed to another body"),
    WAITING: _("Waiting"),
    AGENCY_REPLIED: _("Reply received"),
    REPLY_ACCEPTED: _("Reply from the body handling it"),
    RESOLVED: _("Resolved"),
    CLOSED: _("Closed"),
    REOPENED: _("Reopened"),
    ARCHIVED: _("Archived"),
    REJECTED: _("Not accepted"),
    WITHDRAWN: _("Withdrawn"),
    MERGED: _("Joined another case"),
}

# A case transition's stage (by the transition's name).
_CASE_TRANSITIONS = {
    "accept": ACCEPTED,
    "start_work": IN_PROGRESS,
    "resume": IN_PROGRESS,
    "wait": WAITING,
    "resolve": RESOLVED,
    "close": CLOSED,
    "reopen": REOPENED,
    "archive": ARCHIVED,
    "reject": REJECTED,
    "withdraw": WITHDRAWN,
    "mark_merged": MERGED,
}
# A referral's steps a resident hears of; the others are the office's business.
_REFERRAL_TRANSITIONS = {
    "dispatch": REFERRED,
    "send_reply": AGENCY_REPLIED,
    "accept_reply": REPLY_ACCEPTED,
}


def public_stage(event: CaseEvent) -> str | None:
    """The public stage ``event`` marks (a code of this module), or None when the event is
    not shown to the resident as a stage (a note, an assignment, a chase, a rating, a
    referral's internal step). The one mapping from the log to what residents see."""
    if event.kind == EventKind.REGISTERED:
        return RECEIVED
    if event.kind == EventKind.TRANSITION:
        if event.transition == "wait" and event.code == codes.WAITS_FOR_REFERRAL:
            return None  # the referral's own entry says whom the case waits for
        return _CASE_TRANSITIONS.get(event.transition)
    if event.kind == EventKind.REFERRAL:
        return _REFERRAL_TRANSITIONS.get(event.transition)
    return None


# The progress bar's steps; a case that ended otherwise ends the bar with its own step.
PROGRESS = [RECEIVED, ACCEPTED, IN_PROGRESS, RESOLVED, CLOSED]
_PROGRESS_OF_STATUS = {
    Status.REGISTERED: RECEIVED,
    Status.ACCEPTED: ACCEPTED,
    Status.IN_PROGRESS: IN_PROGRESS,
    Status.WAITING: IN_PROGRESS,
    Status.REOPENED: IN_PROGRESS,
    Status.RESOLVED: RESOLVED,
    Status.CLOSED: CLOSED,
    Status.ARCHIVED: CLOSED,
}
_ENDED_OTHERWISE = {
    Status.REJECTED: REJECTED,
    Status.WITHDRAWN: WITHDRAWN,
    Status.MERGED: MERGED,
}


def stage_of_status(status: str) -> str:
    """The public stage a case in ``status`` is at (a code of this module): what a list of
    a resident's cases (我的诉求) shows, in the progress bar's words."""
    return _ENDED_OTHERWISE.get(status) or _PROGRESS_OF_STATUS.get(status, RECEIVED)


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    state: str  # "done", "current", "todo", or "ended" (the step a case stopped at)


def progress(status: str) -> list[Step]:
    """The progress bar for a case in ``status``: each stage done, current or to come. A
    case not accepted (不予受理), withdrawn or merged ends the bar at that step, after
    the stages it passed (a rejected case was received and nothing more)."""
    ended = _ENDED_OTHERWISE.get(status)
    if ended is not None:
        return [
            Step(RECEIVED, str(TITLES[RECEIVED]), "done"),
            Step(ended, str(TITLES[ended]), "ended"),
        ]
    at = PROGRESS.index(_PROGRESS_OF_STATUS.get(status, RECEIVED))
    return [
        Step(code, str(TITLES[code]), "done" if i < at else "current" if i == at else "todo")
        for i, code in enumerate(PROGRESS)
    ]


def expected_date(
    *, due: dt.date | None, waiting_since: dt.date | None, until: dt.date | None, today: dt.date
) -> dt.date | None:
    """When a paused case is now expected to be done: its deadline moved by the working days
    it waits — from ``waiting_since`` to ``until`` (the awaited reply's due date) or to
    today, whichever is later. The same rule ``Case.resume`` applies when the wait ends
    (the time limit pauses while waiting, DOMAIN.md §2), so the date shown is the date the
    case will get if the reply comes when it is due."""
    if due is None:
        return None
    if waiting_since is None:
        return due
    end = max(today, until) if until is not None else today
    paused = working_days_between(waiting_since, end)
    return add_working_days(due, paused) if paused else due


def reopen_contact_due(requested_at: dt.datetime) -> dt.date:
    """By when the committee contacts a resident who asked to reopen their case (a one-tap
    "not satisfied"): the working days of a first contact on a new grievance
    (``FIRST_CONTACT_WORKING_DAYS``) after the request, on the holiday calendar — the same
    promise a new grievance gets. The status page tells the resident this date, and the
    officer's 需要我处理 list shows it as the request's due date."""
    return add_working_days(
        timezone.localdate(requested_at), settings.LINLI["FIRST_CONTACT_WORKING_DAYS"]
    )


# ------------------------------------------------------------------ the timeline


@dataclass(frozen=True)
class Entry:
    """One line of the resident's timeline: when, a title, a sentence, and words a person
    wrote for the resident (a reason, a reply, a summary), quoted as written."""

    at: dt.datetime
    stage: str | None
    title: str
    text: str = ""
    quote: str = ""


def _public_note(event: CaseEvent) -> str:
    """The note of a step the officer made public, else nothing."""
    return (event.note or "").strip() if event.is_public else ""


def _org(event: CaseEvent) -> str:
    return str((event.params or {}).get("org") or "")


def _stage_entry(event: CaseEvent, stage: str) -> Entry:
    """The entry of a stage event: the stage's title, a plain sentence, and what is owed."""
    title = str(TITLES[stage])
    text, quote = "", ""
    if stage == RECEIVED:
        text = gettext("We received your grievance.")
    elif stage == ACCEPTED:
        text = gettext("Your grievance was accepted and an officer will take it on.")
    elif stage == IN_PROGRESS and event.transition == "resume":
        text = gettext("The wait is over: work on your case continues.")
    elif stage == IN_PROGRESS:
        text = gettext("An officer has started work on your case.")
    elif stage == REFERRED:
        due = event.referral.reply_due if event.referral_id else None
        if due:
            text = gettext(
                "Your case was passed to %(org)s, who are to reply by %(due)s. "
                "The time limit is paused while we wait."
            ) % {"org": _org(event), "due": due.isoformat()}
        else:
            text = gettext("Your case was passed to %(org)s.") % {"org": _org(event)}
    elif stage == WAITING:
        quote = _public_note(event)
        text = (
            gettext("We are waiting for what is quoted below. The time limit is paused meanwhile.")
            if quote
            else gettext(
                "We are waiting for a party or another body to answer. "
                "The time limit is paused meanwhile."
            )
        )
    elif stage == AGENCY_REPLIED:
        text = gettext("%(org)s has replied; the committee is checking the reply.") % {
            "org": _org(event)
        }
    elif stage == REPLY_ACCEPTED:
        text = gettext("%(org)s replied:") % {"org": _org(event)}
        quote = (event.referral.reply or "").strip() if event.referral_id else ""
    elif stage == RESOLVED:
        # A line of history: the rating card, not the timeline, asks while a rating is owed.
        text = gettext("Your case was resolved.")
        quote = (event.note or "").strip()  # the resolution summary, written for the resident
    elif stage == CLOSED:
        text = gettext("Your case is closed.")
    elif stage == REOPENED:
        text = gettext("Your case was reopened and is being handled again.")
        quote = _public_note(event)
    elif stage == ARCHIVED:
        text = gettext("Your case is closed and its file archived.")
    elif stage == REJECTED:
        text = gettext("Your grievance could not be accepted. The reason:")
        quote = (event.note or "").strip()
    elif stage == WITHDRAWN:
        text = gettext("Your grievance was withdrawn.")
        quote = _public_note(event)
    elif stage == MERGED:
        text = gettext(
            "Your grievance joined another case about the same matter; it is followed there."
        )
    return Entry(at=event.created_at, stage=stage, title=title, text=str(text), quote=quote)


def _other_entry(event: CaseEvent) -> Entry | None:
    """A public event that is not a stage: a message from the committee, what the resident
    added, a file made public, a public step of a meeting or mediation (by its code)."""
    if not event.is_public or event.kind == EventKind.MERGE:
        return None  # a merge on the target names other residents' cases
    if event.kind == EventKind.RESIDENT:
        return Entry(
            event.created_at, None, str(gettext("You added information")), quote=event.note
        )
    if event.kind == EventKind.NOTE and not event.code:
        return Entry(
            event.created_at, None, str(gettext("Message from the committee")), quote=event.note
        )
    if event.kind == EventKind.ATTACHMENT:
        return Entry(event.created_at, None, str(gettext("A file was added")))
    said = event_text.render(event)
    if not said and not event.note:
        return None
    return Entry(event.created_at, None, str(event.get_kind_display()), said, event.note or "")


def timeline(events) -> list[Entry]:
    """The resident's timeline from a case's events (oldest first; each with its
    ``referral`` loaded): every public stage and every public message, nothing else."""
    entries = []
    for event in events:
        stage = public_stage(event)
        entry = _stage_entry(event, stage) if stage else _other_entry(event)
        if entry is not None:
            entries.append(entry)
    return entries


def local_date(moment) -> dt.date | None:
    """The local date of a stored moment (None stays None)."""
    return timezone.localdate(moment) if moment is not None else None
