"""Casework's event codes: each entry a service writes on a case's log, as a code and its
parameters (see ``casework.event_text`` for the rule of what a parameter stores).

The English sentences are the ones the services wrote before codes existed, so the
catalogue's translations carry over and the data migration (``0023``) can read old notes
in either language back into codes.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.event_text import choices, register
from casework.models import Channel, PartyRole, Referral, ReferralRole, VisitManner
from core.transitions import label_of

CHASE_WHAT = {"sign": _("sign-for"), "reply": _("reply")}
VERDICTS = {"satisfied": _("satisfied"), "not_satisfied": _("not satisfied")}


def referral_action(name) -> str:
    """A referral transition's label in the reader's language."""
    return label_of(Referral, str(name))


REGISTERED = register("case.registered", _("Registered via %(channel)s."), channel=choices(Channel))
ASSIGNED = register("case.assigned", _("Assigned to %(name)s."))
PARTY_ADDED = register(
    "case.party_added", _("Party added: %(name)s (%(role)s)."), role=choices(PartyRole)
)
MERGED = register("case.merged", _("Merged duplicates: %(refs)s."))
ATTACHED = register("case.attached", _("Attached %(name)s."))
PHOTO_ADDED = register("case.photo_added", _("Added a photo."))
RATED = register(
    "case.rated",
    _("Rated efficiency %(e)s, attitude %(a)s, result %(r)s: %(verdict)s."),
    verdict=lambda v: str(VERDICTS.get(v, v)),
)
# The resident's reason follows in the event's note, as they wrote it.
RATED_REOPEN = register(
    "case.rated_reopen",
    _("Rated efficiency %(e)s, attitude %(a)s, result %(r)s: %(verdict)s. Asks to reopen:"),
    verdict=lambda v: str(VERDICTS.get(v, v)),
)
# The resident's request to reopen after a one-tap "not satisfied"; their reason follows
# in the note, as they wrote it.
REOPEN_REQUESTED = register("case.reopen_requested", _("The resident asks to reopen the case."))
CASE_CHASED = register("case.chased", _("The case was due %(due)s — chased."))
FIRST_CONTACT_CHASED = register(
    "case.first_contact_chased", _("First contact with the resident was due %(due)s — chased.")
)
RETURN_VISIT = register(
    "case.return_visit",
    _("Return visit (%(manner)s): efficiency %(e)s, attitude %(a)s, result %(r)s — %(overall)s."),
    manner=choices(VisitManner),
    overall=lambda v: str(VERDICTS.get(v, v)),
)
RETURN_VISIT_UNREACHED = register(
    "case.return_visit_unreached",
    _("Return visit (%(manner)s): the resident was not reached."),
    manner=choices(VisitManner),
)
RETURN_VISIT_CHASED = register(
    "case.return_visit_chased", _("The return visit (回访) was due %(due)s — chased.")
)
REFERRED = register(
    "referral.dispatched", _("Referred to %(org)s (%(role)s)."), role=choices(ReferralRole)
)
WAITS_FOR_REFERRAL = register("referral.case_waits", _("Referred to %(org)s."))
REFERRAL_MOVED = register("referral.transition", _("%(org)s: %(action)s"), action=referral_action)
SUPERVISED = register("referral.supervised", _("%(org)s: put under supervision (督办)."))
SUPERVISION_LIFTED = register("referral.supervision_lifted", _("%(org)s: supervision lifted."))
REFERRAL_CHASED = register(
    "referral.chased",
    _("%(org)s: %(what)s was due %(due)s — chased."),
    what=lambda v: str(CHASE_WHAT.get(v, v)),
)
