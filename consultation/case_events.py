"""What consultation writes on a case's log, as event codes and parameters
(``casework.event_text``: choices stored as codes, names and numbers as written then).

The English sentences are the ones the services wrote before codes existed, so the
catalogue's translations carry over and casework's data migration can read old notes.
Mediation entries lead with the mediation's number (``lead="mediation"``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.event_text import choices, register
from consultation.models import (
    CampaignStatus,
    EndReason,
    JudicialStatus,
    Mediation,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
    NoticeManner,
    Performance,
    PublicityKind,
    Route,
    Satisfaction,
)
from core.transitions import label_of


def _action_of(model):
    return lambda name: label_of(model, str(name))


def signed_what(value) -> str:
    """ "agreement" or a session's number, as the words of what was signed."""
    if value == "agreement":
        return str(_("the agreement"))
    try:
        return str(_("session %(n)d") % {"n": int(value)})
    except (TypeError, ValueError):
        return str(value)


# People's mediation (each entry leads with the mediation's number).
MEDIATION_REGISTERED = register(
    "mediation.registered", _("people's mediation registered."), lead="mediation"
)
MEDIATORS_SET = register("mediation.mediators", _("mediators: %(names)s."), lead="mediation")
NOTICE_GIVEN = register(
    "mediation.notice",
    _("rights and duties notice given %(when)s (%(how)s)."),
    lead="mediation",
    how=choices(NoticeManner),
)
MEDIATION_MOVED = register(
    "mediation.transition", "%(action)s", lead="mediation", action=_action_of(Mediation)
)
MEDIATION_STARTED = register(
    "mediation.started",
    _("%(action)s; time limit %(due)s."),
    lead="mediation",
    action=_action_of(Mediation),
)
MEDIATION_ENDED = register(
    "mediation.ended",
    _("%(action)s — %(reason)s; routes told: %(routes)s."),
    lead="mediation",
    action=_action_of(Mediation),
    reason=choices(EndReason),
    routes=choices(Route),
)
MEDIATION_EXTENDED = register(
    "mediation.extended",
    _("time limit extended from %(old)s to %(new)s with both parties' consent."),
    lead="mediation",
)
SESSION_RECORDED = register(
    "mediation.session", _("session %(n)d recorded (%(when)s)."), lead="mediation"
)
VISIT_RECORDED = register(
    "mediation.return_visit",
    _("return visit %(on)s: %(performance)s, %(satisfaction)s."),
    lead="mediation",
    performance=choices(Performance),
    satisfaction=choices(Satisfaction),
)
VISIT_CHASED = register(
    "mediation.return_visit_chased", _("%(number)s: the return visit was due %(due)s — chased.")
)
SIGNED = register(
    "mediation.signed", _("%(name)s signed %(what)s."), lead="mediation", what=signed_what
)
# ``note`` is the signer's stated reason, kept verbatim inside the sentence.
REFUSED = register(
    "mediation.refused",
    _("%(name)s refused to sign %(what)s: %(note)s"),
    lead="mediation",
    what=signed_what,
)
AGREEMENT_DRAFTED = register(
    "mediation.agreement_drafted", _("agreement drafted."), lead="mediation"
)
SEAL_MARKED = register(
    "mediation.seal", _("committee seal marked on the agreement."), lead="mediation"
)
JUDICIAL = register(
    "mediation.judicial",
    _("judicial confirmation: %(status)s (%(on)s)."),
    lead="mediation",
    status=choices(JudicialStatus),
)
JUDICIAL_LATE = register(
    "mediation.judicial_late",
    _("judicial confirmation: %(status)s (%(on)s), after the legal last day: %(why)s"),
    lead="mediation",
    status=choices(JudicialStatus),
)
CLOSING_REPORT = register(
    "mediation.closing_report", _("closing report written."), lead="mediation"
)
DOSSIER_ARCHIVED = register(
    "mediation.dossier_archived", _("dossier archived as %(number)s."), lead="mediation"
)

# The three meetings (on every linked case's log).
MEETING_CALLED = register(
    "meeting.called",
    _("%(kind)s called for %(when)s at %(venue)s: %(topic)s"),
    kind=choices(MeetingKind),
)
MEETING_MOVED = register(
    "meeting.transition",
    _("%(kind)s · %(topic)s: %(status)s"),
    kind=choices(MeetingKind),
    status=choices(MeetingStatus),
)
FOLLOW_UP_DONE = register("meeting.follow_up_done", _("Follow-up done: %(text)s"))
MINUTES_MOVED = register(
    "minutes.transition", _("Minutes %(ref)s v%(n)d: %(status)s"), status=choices(MinutesStatus)
)

# Owner-consent ballots.
BALLOT_PREPARED = register("ballot.prepared", _("Owner ballot prepared: %(title)s"))
BALLOT_MOVED = register(
    "ballot.transition",
    _("Owner ballot “%(title)s”: %(status)s"),
    status=choices(CampaignStatus),
)
BALLOT_OBJECTION = register("ballot.objection", _("Objection to the ballot result from %(name)s."))


# Owner-consent ballots' rule and the publicity (公示) of results and plans (#19).
BALLOT_RULE_CHANGED = register(
    "ballot.rule_changed",
    _("Ballot “%(title)s” now counted under %(new)s (was %(old)s): %(reason)s"),
)
PUBLICITY_POSTED = register(
    "publicity.posted",
    _("Notice posted: %(kind)s, %(first)s to %(last)s."),
    kind=choices(PublicityKind),
)
PUBLICITY_OBJECTION = register(
    "publicity.objection",
    _("Objection received to the notice (%(kind)s)."),
    kind=choices(PublicityKind),
)
