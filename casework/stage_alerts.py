"""A resident who asked for it is texted when their case reaches a new public stage.

The stage is a code (``public_stage``), not the timeline's words (those are the status
page's): a pause (waiting) or a reopening stays "being handled" and sends nothing new.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import sms
from casework.models import Case, CaseEvent, SmsPurpose, StageAlert, Status

# Statuses a resident sees as another stage's (the portal's progress bar does the same).
SAME_STAGE_AS = {
    Status.WAITING: Status.IN_PROGRESS,
    Status.REOPENED: Status.IN_PROGRESS,
    Status.ARCHIVED: Status.CLOSED,
}

# What the text message says the case now is, by stage code.
STAGE_NAMES = {
    Status.REGISTERED: gettext_lazy("received"),
    Status.ACCEPTED: gettext_lazy("accepted"),
    Status.IN_PROGRESS: gettext_lazy("being handled"),
    Status.RESOLVED: gettext_lazy("resolved, please tell us how we did"),
    Status.CLOSED: gettext_lazy("closed"),
    Status.REJECTED: gettext_lazy("not accepted, the reason is on the status page"),
    Status.WITHDRAWN: gettext_lazy("withdrawn"),
    Status.MERGED: gettext_lazy("joined another case about the same matter"),
}


def public_stage(status: str) -> str:
    """The public stage code of ``status``: waiting and reopened are "in progress",
    archived is "closed", every other status is its own stage."""
    return str(SAME_STAGE_AS.get(status, status))


def stage_reached(event: CaseEvent) -> None:
    """After a transition's event: if the case's resident asked for texts and the case is
    at a public stage they were not told yet, queue one (in the event's transaction, sent
    after commit). The stage is public whether or not the event's own note is (the status
    page's progress bar shows it), so every transition is looked at; only the stage code
    decides. The message names the stage in the site's language (Chinese by default)."""
    if not event.to_status:
        return
    alert = StageAlert.objects.filter(case_id=event.case_id).first()
    if alert is None:
        return
    stage = public_stage(event.to_status)
    if stage == alert.last_stage:
        return
    StageAlert.objects.filter(pk=alert.pk).update(last_stage=stage)
    case = Case.objects.only("pk", "reference").get(pk=event.case_id)
    with translation.override(settings.LANGUAGE_CODE):
        body = _("Your grievance %(ref)s is now %(stage)s. Follow it at %(site)s/r/mine/ .") % {
            "ref": case.reference,
            "stage": STAGE_NAMES.get(stage, stage),
            "site": settings.LINLI["SITE_URL"],
        }
    sms.queue_sms(to=alert.phone, body=body, purpose=SmsPurpose.STAGE, case=case)
