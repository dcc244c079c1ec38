"""Publicity (公示) of results and of an elevator plan: post a notice for the days the
settings say (working or calendar days), receive objections while it is posted, and open
a coordination meeting on an objection (DOMAIN.md §5–6)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.calendar import is_working_day
from casework.models import CaseEvent, EventKind
from consultation import case_events, permissions, statute
from consultation.models import (
    BallotCampaign,
    CampaignStatus,
    Matter,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Publicity,
    PublicityKind,
    PublicityObjection,
)
from consultation.services.meetings import meeting_create
from core import documents
from core.exceptions import ActionForbidden, TransitionRefused

_DAYS_SETTING = {
    PublicityKind.MEETING_RESULT: "RESULT_DAYS",
    PublicityKind.BALLOT_RESULT: "RESULT_DAYS",
    PublicityKind.PLANNING: "PLANNING_DAYS",
    PublicityKind.COMMENTS: "COMMENT_DAYS",
}


def window_for(kind: str, start: dt.date) -> tuple[int, str, dt.date, dt.date]:
    """The days, their basis and the first and last day of a ``kind`` notice posted on
    ``start``, from the settings (``statute.publicity_window``)."""
    conf = settings.LINLI["PUBLICITY"]
    days = int(conf[_DAYS_SETTING[kind]])
    basis = conf["DAY_BASIS"]
    first, last = statute.publicity_window(start, days, basis, is_working_day=is_working_day)
    return days, basis, first, last


def _permitted(record, actor) -> bool:
    if isinstance(record, BallotCampaign):
        return permissions.can_run_ballot(record, actor)
    return permissions.can_run_meeting(record, actor)


def _log(case, actor, code: str, params: dict, public: bool = True) -> None:
    if case is not None:
        CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, actor=actor, code=code, params=params, is_public=public
        )


def post(
    *,
    actor,
    kind: str,
    summary: str,
    campaign: BallotCampaign | None = None,
    meeting: Meeting | None = None,
    start: dt.date | None = None,
) -> Publicity:
    """Post a notice of ``kind`` for a ballot or a meeting from ``start`` (today) for the
    days the settings give; one notice of each kind per record."""
    record = campaign or meeting
    if (campaign is None) == (meeting is None):
        raise TransitionRefused(_("A notice is about one ballot or one meeting."))
    if not _permitted(record, actor):
        raise ActionForbidden(_("You are not allowed to post notices here."))
    if not (summary or "").strip():
        raise TransitionRefused(_("Write the text of the notice."))
    days, basis, first, last = window_for(kind, start or timezone.localdate())
    try:
        with transaction.atomic():
            publicity = Publicity.objects.create(
                kind=kind,
                campaign=campaign,
                meeting=meeting,
                summary=summary.strip(),
                starts_on=first,
                ends_on=last,
                days=days,
                day_basis=basis,
                created_by=actor,
                document_number=documents.issue_document_number("publicity", year=first.year),
            )
            case = campaign.case if campaign else meeting.cases.first()
            _log(
                case,
                actor,
                case_events.PUBLICITY_POSTED,
                {"kind": publicity.kind, "first": first.isoformat(), "last": last.isoformat()},
            )
    except IntegrityError:
        raise TransitionRefused(_("This notice has already been posted.")) from None
    return publicity


def meeting_result_post(*, meeting: Meeting, actor, summary: str) -> Publicity:
    """Post a held meeting's result (公示, DOMAIN.md §5)."""
    if meeting.status not in (MeetingStatus.HELD, MeetingStatus.CLOSED):
        raise TransitionRefused(_("A meeting's result is posted after the meeting is held."))
    return post(actor=actor, kind=PublicityKind.MEETING_RESULT, summary=summary, meeting=meeting)


def elevator_plan_post(*, campaign: BallotCampaign, actor, kind: str, summary: str) -> Publicity:
    """The two steps after an elevator agreement (DOMAIN.md §6): the planning publicity once
    the result's objection window has ended, then the comment period once the planning
    publicity has ended."""
    if campaign.matter != Matter.ELEVATOR:
        raise TransitionRefused(_("Planning publicity is for elevator retrofits."))
    if campaign.status != CampaignStatus.PUBLISHED or not campaign.outcome_passed:
        raise TransitionRefused(_("The plan is posted after the agreement has been published."))
    today = timezone.localdate()
    by_kind = {p.kind: p for p in campaign.publicities.all()}
    if kind == PublicityKind.PLANNING:
        result = by_kind.get(PublicityKind.BALLOT_RESULT)
        if result is None or not result.has_ended(today):
            raise TransitionRefused(
                _("The plan is posted after the result's objection period has ended.")
            )
    elif kind == PublicityKind.COMMENTS:
        planning = by_kind.get(PublicityKind.PLANNING)
        if planning is None or not planning.has_ended(today):
            raise TransitionRefused(
                _("The comment period starts after the planning publicity has ended.")
            )
    else:
        raise TransitionRefused(_("Unknown notice."))
    return post(actor=actor, kind=kind, summary=summary, campaign=campaign)


def objection_record(
    *, publicity: Publicity, actor, name: str, flat: str, text: str
) -> PublicityObjection:
    """Record an objection (who, which flat, what) received while the notice is posted."""
    record = publicity.campaign or publicity.meeting
    if not _permitted(record, actor):
        raise ActionForbidden(_("You are not allowed to record objections here."))
    if not publicity.is_open():
        raise TransitionRefused(
            _("Objections are received from %(first)s to %(last)s.")
            % {"first": publicity.starts_on, "last": publicity.ends_on}
        )
    if not (name or "").strip() or not (text or "").strip():
        raise TransitionRefused(_("Give who objects and what the objection is."))
    with transaction.atomic():
        objection = PublicityObjection.objects.create(
            publicity=publicity,
            name=name.strip(),
            flat=(flat or "").strip(),
            text=text.strip(),
            recorded_by=actor,
        )
        _log(
            publicity.case,
            actor,
            case_events.PUBLICITY_OBJECTION,
            {"kind": publicity.kind},
        )
    return objection


def objection_open_meeting(
    *, objection: PublicityObjection, actor, starts_at: dt.datetime, venue: str, chair: str
) -> Meeting:
    """Open a coordination meeting (协调会) on an objection, linked to the case (DOMAIN.md
    §6: objections go to a coordination meeting), convened by the case's organisation."""
    publicity = objection.publicity
    case = publicity.case
    if case is None:
        raise TransitionRefused(_("This notice has no case to link the meeting to."))
    if objection.meeting_id:
        raise TransitionRefused(_("A coordination meeting has already been opened on it."))
    subject = publicity.campaign.title if publicity.campaign_id else publicity.meeting.topic
    with transaction.atomic():
        locked = PublicityObjection.objects.select_for_update().get(pk=objection.pk)
        if locked.meeting_id:
            raise TransitionRefused(_("A coordination meeting has already been opened on it."))
        meeting = meeting_create(
            actor=actor,
            kind=MeetingKind.COORDINATION,
            topic=_("Objection to “%(subject)s” from %(name)s")
            % {"subject": subject, "name": locked.name},
            cases=[case],
            convening_organisation=case.organisation,
            chair=chair,
            recorder="",
            starts_at=starts_at,
            venue=venue,
        )
        locked.meeting = meeting
        locked.save(update_fields=["meeting"])
    objection.meeting = meeting
    return meeting
