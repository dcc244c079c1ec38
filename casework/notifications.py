"""E-mails that follow case events. Called inside the service's transaction: each mail
is queued in the job outbox with the change (core.jobs), sent after the commit, and
retried with backoff when the mail server fails — an outage delays a mail, never loses it.

Mails carry a reference and a link (login required), never personal data: the mailbox
is outside our access control.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from casework import waiting
from casework.models import CaseEvent, EventKind, Membership, Referral
from casework.permissions import RECEIVING_ROLES
from core.job_kinds import mail
from core.transitions import transitions_of

logger = logging.getLogger(__name__)


def _bilingual(render) -> str:
    parts = []
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            parts.append(render())
    return "\n\n".join(parts)


def case_event(event_id: int) -> None:
    """Tell the assigned officer about an event on their case that someone else caused."""

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
    mail(subject=title, body=_bilingual(body), recipients=[officer.email])


def _send(subject_render, body_render, recipients, what) -> None:
    """Queue one bilingual mail to ``recipients`` (``what`` names it in the logs)."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    with translation.override("zh-hans"):
        title = subject_render()
    logger.debug("queueing %s mail", what)
    mail(subject=title, body=_bilingual(body_render), recipients=recipients)


def organisation_recipients(organisation) -> list[str]:
    """The organisation's notice address and its active referral staff's addresses."""

    emails = list(
        Membership.objects.filter(
            organisation=organisation,
            active=True,
            role__in=RECEIVING_ROLES,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return [organisation.email, *emails]


def referral_event(event_id: int) -> None:
    """Tell the other side of a referral what happened: the organisation when the street
    acts, the case officer when the organisation acts. Link only, no personal data."""

    event = (
        CaseEvent.objects.select_related(
            "case", "case__assigned_officer", "referral", "referral__organisation"
        )
        .filter(pk=event_id, referral__isnull=False)
        .first()
    )
    if event is None:
        return
    referral, case = event.referral, event.case
    transition = transitions_of(Referral).get(event.transition)
    org_side = transition is not None and transition.custom.get("side") == "organisation"
    inbox_link = settings.LINLI["SITE_URL"] + reverse("casework:inbox_detail", args=[referral.pk])
    case_link = settings.LINLI["SITE_URL"] + reverse("casework:case_detail", args=[case.pk])

    def action():
        if event.transition == "dispatch":
            return _("new referral")
        if transition is not None:
            return str(transition.custom.get("label", event.transition))
        return event.get_kind_display()

    def subject():
        return _("Referral of case %(ref)s: %(action)s") % {
            "ref": case.reference,
            "action": action(),
        }

    officer = case.assigned_officer
    tell_officer = org_side or event.kind == EventKind.SUPERVISION
    if tell_officer and officer is not None and officer.pk != event.actor_id:

        def officer_body():
            return "{}\n{}".format(subject(), _("Open the case: %(link)s") % {"link": case_link})

        _send(subject, officer_body, [officer.email], f"referral event {event_id}")
    if not org_side:

        def org_body():
            return "{}\n{}".format(
                subject(), _("Open the referral (login required): %(link)s") % {"link": inbox_link}
            )

        _send(
            subject,
            org_body,
            organisation_recipients(referral.organisation),
            f"referral event {event_id}",
        )


def chase(event_id: int, extra_recipients=()) -> None:
    """An overdue reminder (催办): to the organisation for a referral, and the case officer
    (and ``extra_recipients``, e.g. the mediators of an overdue return visit)."""

    event = (
        CaseEvent.objects.select_related(
            "case", "case__assigned_officer", "case__organisation", "referral__organisation"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return
    case, referral = event.case, event.referral
    case_link = settings.LINLI["SITE_URL"] + reverse("casework:case_detail", args=[case.pk])

    def subject():
        return _("Overdue: case %(ref)s") % {"ref": case.reference}

    def officer_body():
        return "{}\n{}".format(subject(), _("Open the case: %(link)s") % {"link": case_link})

    officer = case.assigned_officer
    officer_mail = officer.email if officer is not None else case.organisation.email
    recipients = list(dict.fromkeys([officer_mail, *extra_recipients]))
    _send(subject, officer_body, recipients, f"chase {event_id}")
    if referral is not None:
        link = settings.LINLI["SITE_URL"] + reverse("casework:inbox_detail", args=[referral.pk])

        def org_body():
            return "{}\n{}".format(
                subject(), _("Open the referral (login required): %(link)s") % {"link": link}
            )

        _send(
            subject, org_body, organisation_recipients(referral.organisation), f"chase {event_id}"
        )


def send_waiting_digests(today=None) -> int:
    """The daily e-mail of what waits (casework.waiting) to every active user who asked
    for it (``Membership.daily_digest``) and has something waiting; how many were sent.
    A plain function: ``manage.py send_waiting_digest`` runs it, and so can a scheduler.
    Counts, kinds and a link only — never personal data."""
    User = get_user_model()
    users = (
        User.objects.filter(
            is_active=True, memberships__active=True, memberships__daily_digest=True
        )
        .exclude(email="")
        .distinct()
    )
    link = settings.LINLI["SITE_URL"] + reverse("casework:waiting")
    labels = {k.code: k.label for k in waiting.KINDS}
    sent = 0
    for user in users:
        counts = waiting.counts_for(user, today)
        if not any(counts.values()):
            continue
        subject, body = _digest(counts, labels, link)
        _send(subject, body, [user.email], f"waiting digest for user {user.pk}")
        sent += 1
    return sent


def _digest(counts: dict[str, int], labels: dict, link: str):
    """The digest's subject and body renderers (called once per language)."""
    total = sum(counts.values())

    def subject():
        return _("%(n)d things wait for you in Linli") % {"n": total}

    def body():
        lines = [subject()]
        lines += [f"- {labels[code]}: {n}" for code, n in counts.items() if n]
        lines.append(_("Open the list: %(link)s") % {"link": link})
        return "\n".join(lines)

    return subject, body
