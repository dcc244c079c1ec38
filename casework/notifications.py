"""E-mails that follow case events. Called only from ``transaction.on_commit``.

Mails carry a reference and a link (login required), never personal data: the mailbox
is outside our access control.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _bilingual(render) -> str:
    parts = []
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            parts.append(render())
    return "\n\n".join(parts)


def case_event(event_id: int) -> None:
    """Tell the assigned officer about an event on their case that someone else caused."""
    from casework.models import CaseEvent, EventKind

    event = (
        CaseEvent.objects.select_related("case", "case__assigned_officer", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    officer = event.case.assigned_officer
    if officer is None or not officer.email or officer.pk == event.actor_id:
        return
    link = settings.LINLI["SITE_URL"] + reverse("casework:case_detail", args=[event.case.pk])

    def subject():
        if event.kind == EventKind.ASSIGNMENT:
            return _("Case %(ref)s is assigned to you") % {"ref": event.case.reference}
        return _("Case %(ref)s is now %(status)s") % {
            "ref": event.case.reference,
            "status": event.get_to_status_display(),
        }

    def body():
        return "{}\n{}".format(subject(), _("Open the case: %(link)s") % {"link": link})

    with translation.override("zh-hans"):
        title = subject()
    try:
        send_mail(title, _bilingual(body), None, [officer.email])
    except OSError:
        # A mail server outage must not lose the event: it is already committed and shown
        # on the case page; log and move on.
        logger.exception("could not send case event mail %s", event_id)
