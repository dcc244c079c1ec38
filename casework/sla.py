"""The SLA sweep: flag and chase (催办) overdue referrals and cases.

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

from casework import events, hooks, notifications
from casework.models import (
    CLOCK_RUNNING_STATUSES,
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
        transaction.on_commit(lambda: notifications.chase(event.pk))
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
        transaction.on_commit(lambda: notifications.chase(event.pk))
    return True


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
    others = hooks.sweep_reminders(today)
    return SweepResult(
        referrals_overdue=len(referrals),
        referrals_chased=referrals_chased,
        cases_overdue=cases_overdue,
        cases_chased=cases_chased,
        others=others,
    )
