"""The SLA sweep: flag and chase (催办) overdue referrals and cases, first contacts with
the resident and return visits (回访) after resolution.

Safe to run from cron every few minutes: each overdue period (one deadline of one
referral or case) is chased exactly once. The claim is a conditional UPDATE
(``... WHERE chased_for <> period``), so two sweeps running at once cannot both chase.
Mails go out after the commit that records the chase.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from casework import events, hooks, notifications, selectors
from casework.models import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EventKind,
    Referral,
    ReferralStatus,
)
from casework.models.referrals import REPLY_CLOCK_STATUSES


@dataclass(frozen=True)
class SweepResult:
    """What one sweep found overdue and chased now."""

    referrals_overdue: int
    referrals_chased: int
    cases_overdue: int
    cases_chased: int
    # First contacts with the resident and case return visits (回访) past their day.
    first_contacts_overdue: int = 0
    first_contacts_chased: int = 0
    return_visits_overdue: int = 0
    return_visits_chased: int = 0
    # What other apps chased through ``casework.hooks``: (label, overdue, chased).
    others: tuple[tuple[str, int, int], ...] = ()


def overdue_referrals(today=None):
    """Referrals past their sign-for or reply date."""
    today = today or timezone.localdate()
    return Referral.objects.filter(
        Q(status=ReferralStatus.DISPATCHED, sign_due__lt=today)
        | Q(status__in=list(REPLY_CLOCK_STATUSES), reply_due__lt=today)
    )


def overdue_cases(today=None):
    """Open cases whose clock runs and whose due date has passed."""
    today = today or timezone.localdate()
    return Case.objects.filter(status__in=list(CLOCK_RUNNING_STATUSES), due_date__lt=today)


def _chase_referral(referral: Referral) -> bool:
    period = referral.overdue_period
    if not period:
        return False
    with transaction.atomic():
        claimed = (
            Referral.objects.filter(pk=referral.pk)
            .exclude(chased_for=period)
            .update(chased_for=period)
        )
        if not claimed:
            return False
        kind, due = period.split(":", 1)
        event = CaseEvent.objects.create(
            case_id=referral.case_id,
            referral=referral,
            kind=EventKind.CHASE,
            code=events.REFERRAL_CHASED,
            params={
                "org": referral.organisation.name,
                "what": "sign" if kind == "sign" else "reply",
                "due": due,
            },
        )
        notifications.chase(event.pk)
    return True


def _chase_case(case: Case) -> bool:
    with transaction.atomic():
        claimed = (
            Case.objects.filter(pk=case.pk, status__in=list(CLOCK_RUNNING_STATUSES))
            .exclude(chased_for=F("due_date"))
            .update(chased_for=F("due_date"))
        )
        if not claimed:
            return False
        event = CaseEvent.objects.create(
            case=case,
            kind=EventKind.CHASE,
            code=events.CASE_CHASED,
            params={"due": case.due_date.isoformat()},
        )
        notifications.chase(event.pk)
    return True


def overdue_first_contacts(today=None):
    """Open cases with no first contact with the resident after its due day."""
    today = today or timezone.localdate()
    return Case.objects.filter(
        status__in=list(OPEN_STATUSES),
        first_contact_at__isnull=True,
        first_contact_due__lt=today,
    )


def overdue_return_visits(today=None):
    """Resolved cases not heard back from (no return visit, no rating) after the day the
    return visit was due."""
    today = today or timezone.localdate()
    return selectors.pending_return_visits(Case.objects.all()).filter(return_visit_due__lt=today)


def _chase_once(case: Case, field: str, due, code: str) -> bool:
    """Claim ``field`` (the deadline chased) for ``due`` and log one chase; False when
    another sweep claimed it first."""
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case.pk).exclude(**{field: due}).update(**{field: due})
        if not claimed:
            return False
        event = CaseEvent.objects.create(
            case=case, kind=EventKind.CHASE, code=code, params={"due": due.isoformat()}
        )
        # Queued in this transaction (the job outbox), sent after commit, like every chase.
        notifications.chase(event.pk)
    return True


def _chase_first_contacts(today) -> tuple[int, int]:
    overdue = overdue_first_contacts(today)
    count = overdue.count()
    chased = 0
    for case in overdue.exclude(first_contact_chased_for=F("first_contact_due")).only(
        "pk", "first_contact_due"
    ):
        chased += _chase_once(
            case,
            "first_contact_chased_for",
            case.first_contact_due,
            events.FIRST_CONTACT_CHASED,
        )
    return count, chased


def _chase_return_visits(today) -> tuple[int, int]:
    overdue = overdue_return_visits(today)
    count = overdue.count()
    chased = 0
    for case in overdue.exclude(return_visit_chased_for=F("return_visit_due")).only(
        "pk", "return_visit_due"
    ):
        chased += _chase_once(
            case,
            "return_visit_chased_for",
            case.return_visit_due,
            events.RETURN_VISIT_CHASED,
        )
    return count, chased


def sla_sweep() -> SweepResult:
    """Chase every overdue referral and case once per deadline, then what other apps registered
    (``casework.hooks``)."""
    today = timezone.localdate()
    referrals = list(overdue_referrals(today).select_related("organisation"))
    referrals_chased = sum(_chase_referral(r) for r in referrals)
    # Cases whose current deadline was chased already are skipped in SQL (NULL-safe:
    # a never-chased case has chased_for NULL, which the exclude keeps).
    cases = overdue_cases(today)
    cases_overdue = cases.count()
    to_chase = list(cases.exclude(chased_for=F("due_date")).only("pk", "due_date", "status"))
    cases_chased = sum(_chase_case(c) for c in to_chase)
    first_overdue, first_chased = _chase_first_contacts(today)
    visits_overdue, visits_chased = _chase_return_visits(today)
    others = hooks.sweep_reminders(today)
    return SweepResult(
        referrals_overdue=len(referrals),
        referrals_chased=referrals_chased,
        cases_overdue=cases_overdue,
        cases_chased=cases_chased,
        first_contacts_overdue=first_overdue,
        first_contacts_chased=first_chased,
        return_visits_overdue=visits_overdue,
        return_visits_chased=visits_chased,
        others=others,
    )
