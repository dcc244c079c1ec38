"""A resident who asked for it is texted when their case reaches a new public stage.

The stage is ``casework.public_stages.public_stage(event)`` — the one mapping from the
log to what residents see, the status page's too — collapsed to the stages worth a text:
a pause (waiting) or a reopening is still "being handled", archiving is still "closed",
and a referral's own steps are told on the status page (whom the case waits for), not by
text.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import public_stages as ps
from casework import sms
from casework.models import Case, CaseEvent, SmsPurpose, StageAlert

# Public stages a resident is told of as another stage's (the progress bar does the same).
SAME_STAGE_AS = {
    ps.WAITING: ps.IN_PROGRESS,
    ps.REOPENED: ps.IN_PROGRESS,
    ps.ARCHIVED: ps.CLOSED,
}

# What the text message says the case now is, by public stage code: the stages texted.
STAGE_NAMES = {
    ps.RECEIVED: gettext_lazy("received"),
    ps.ACCEPTED: gettext_lazy("accepted"),
    ps.IN_PROGRESS: gettext_lazy("being handled"),
    ps.RESOLVED: gettext_lazy("resolved, please tell us how we did"),
    ps.CLOSED: gettext_lazy("closed"),
    ps.REJECTED: gettext_lazy("not accepted, the reason is on the status page"),
    ps.WITHDRAWN: gettext_lazy("withdrawn"),
    ps.MERGED: gettext_lazy("joined another case about the same matter"),
}


def text_stage(event: CaseEvent) -> str | None:
    """The stage ``event`` brings the case to, as texted (a code of ``STAGE_NAMES``), or
    None when the event is no stage a text tells of."""
    stage = ps.public_stage(event)
    stage = SAME_STAGE_AS.get(stage, stage)
    return stage if stage in STAGE_NAMES else None


def stage_reached(event: CaseEvent) -> None:
    """After a transition's event: if the case's resident asked for texts and the case is
    at a public stage they were not told yet, queue one (in the event's transaction, sent
    after commit). The stage is public whether or not the event's own note is (the status
    page's progress bar shows it), so every transition is looked at; only the stage code
    decides. The message names the stage in the site's language (Chinese by default)."""
    stage = text_stage(event)
    if stage is None:
        return
    alert = StageAlert.objects.filter(case_id=event.case_id).first()
    if alert is None or stage == alert.last_stage:
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
