"""What consultation adds to casework's cases, through casework's hooks
(``casework.hooks``): casework never names mediations, meetings or ballots.

- guards: a case cannot resolve while its people's mediation is under way, cannot close
  while the mediation's dossier misses an item, and is archived only with its dossier;
- panels: the case page's meetings (with their follow-up actions), people's mediation and
  owner ballots; the dashboard's open judicial-confirmation windows and overdue return
  visits (for the mediations the user may read);
- the SLA sweep also chases overdue return visits (回访);
- the supervisors' report counts people's mediations that reached an agreement in effect
  or ended without one, from the mediations themselves (not the case's outcome).

Registered once at start-up by ``ConsultationConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import hooks, waiting
from casework.models import Case, Status
from consultation import selectors
from consultation.models import Mediation, MediationStatus, ReturnVisit, dossier_missing_items
from consultation.services import mediation as mediation_services


def mediation_of(case) -> Mediation | None:
    """The case's people's mediation, if it has one (the reverse one-to-one)."""
    return getattr(case, "mediation", None)


def _dossier_incomplete(case) -> str:
    return _("The mediation dossier is incomplete. Missing: %(items)s.") % {
        "items": "; ".join(dossier_missing_items(case.mediation))
    }


@hooks.case_guard(
    "resolve",
    reason=lambda case: _(
        "The people's mediation is still under way: record its agreement or its end first."
    ),
)
def mediation_settled(case) -> bool:
    """A case resolves only once its mediation has reached an agreement or ended."""
    mediation = mediation_of(case)
    return mediation is None or not mediation.under_way


@hooks.case_guard("close", reason=_dossier_incomplete)
def dossier_complete(case) -> bool:
    """A mediated case closes only with every dossier item present (一案一卷)."""
    mediation = mediation_of(case)
    return mediation is None or not dossier_missing_items(mediation)


def _archive_with_dossier(case) -> str:
    if dossier_missing_items(case.mediation):
        return _dossier_incomplete(case)
    return _(
        "A mediated case is archived with its dossier: use “Archive with the dossier” on its "
        "mediation page."
    )


@hooks.case_guard("archive", reason=_archive_with_dossier)
def dossier_archived(case) -> bool:
    """A mediated case is archived only together with its dossier (``dossier_archive``)."""
    mediation = mediation_of(case)
    return mediation is None or hasattr(mediation, "dossier_record")


# Overdue return visits (回访), each chased once.
hooks.sweep_reminder("return visits")(mediation_services.chase_return_visits)


# ---------------------------------------------------------------- the case page


@hooks.case_panel("consultation/_case_panel_meetings.html")
def meetings_panel(request, case) -> dict:
    """The case's meetings, newest first, and the follow-up actions they gave it."""
    return {
        "meetings": case.meetings.order_by("-starts_at"),
        "follow_ups": case.follow_ups.select_related("organisation"),
    }


@hooks.case_panel("consultation/_case_panel_mediation.html")
def mediation_panel(request, case) -> dict:
    """The case's mediation, and once it is resolved or closed, why "Close" or "Archive" is
    not offered yet: the dossier's missing items."""
    mediation = mediation_of(case)
    missing = []
    if mediation is not None and case.status in (Status.RESOLVED, Status.CLOSED):
        missing = dossier_missing_items(mediation)
    deadlines = ()
    if mediation is not None:
        agreement = mediation.agreement_or_none
        deadlines = (
            mediation.due_date if mediation.under_way else None,
            mediation.return_visit_due,
            agreement.judicial_deadline if agreement is not None else None,
        )
    return {"mediation": mediation, "dossier_missing": missing, "deadlines": deadlines}


@hooks.case_panel("consultation/_case_panel_ballots.html")
def ballots_panel(request, case) -> dict:
    """The case's owner ballots, newest first."""
    return {"ballots": case.ballots.order_by("-created_at")}


# ---------------------------------------------------------------- the dashboard


@hooks.dashboard_panel("consultation/_dashboard_panel_judicial.html")
def judicial_panel(request, today) -> dict | None:
    """Agreements whose judicial-confirmation window is open (the first ten)."""
    rows = list(selectors.judicial_reminders_for(request.user, today)[:10])
    return {"rows": rows} if rows else None


@hooks.report_panel("consultation/_report_panel_late_judicial.html")
def late_judicial_panel(request, cases, period) -> dict | None:
    """Judicial-confirmation filings recorded after the legal last day in the period, for
    the report's cases and the mediations the user may read (with the reasons given)."""
    rows = list(
        selectors.mediations_visible_to(request.user)
        .filter(
            case__in=cases,
            agreement__judicial_late=True,
            agreement__judicial_recorded_on__range=(period.first, period.last),
        )
        .order_by("agreement__judicial_recorded_on", "pk")
        .values(
            "case_id",
            "case__reference",
            "number",
            "agreement__judicial_deadline",
            "agreement__judicial_recorded_on",
            "agreement__judicial_late_reason",
        )[:50]
    )
    return {"rows": rows}


@hooks.dashboard_panel("consultation/_dashboard_panel_return_visits.html")
def return_visits_panel(request, today) -> dict | None:
    """Return visits overdue (the first ten)."""
    rows = list(selectors.return_visits_overdue_for(request.user, today)[:10])
    return {"rows": rows} if rows else None


@hooks.report_count("mediation")
def mediation_outcomes(cases, first, last) -> dict[str, int]:
    """People's mediations of ``cases`` that ended from ``first`` to ``last``: with an
    agreement in effect, or without one. A mediation's end day is stamped by both ways of
    ending (``ended_on``), so one indexed range and a GROUP BY answer it."""
    mediations = Mediation.objects.filter(ended_on__gte=first, ended_on__lte=last)
    if cases.query.where:  # an unfiltered case set needs no "case IN (...)"
        mediations = mediations.filter(case__in=cases)
    counts = dict(
        mediations.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "agreement": counts.get(MediationStatus.AGREED, 0),
        "failed": counts.get(MediationStatus.ENDED, 0),
    }


# ------------------------------------------------------- what waits for a mediator


def _return_visits_due(user, today):
    """Agreements in effect whose return visit (回访) is due today or overdue, for their
    own mediators."""
    return (
        selectors.mediations_visible_to(user)
        .filter(
            mediators=user,
            status="agreed",
            return_visit_due__lte=today,
            return_visits__isnull=True,
        )
        .select_related("case")
        .order_by("return_visit_due")
    )


def _return_visit_item(mediation, today) -> waiting.Item:
    return waiting.Item(
        title=mediation.case.reference,
        detail=mediation.number,
        url=reverse("consultation:mediation_detail", args=[mediation.pk]),
        due=mediation.return_visit_due,
        overdue=mediation.return_visit_due < today,
    )


waiting.register(
    waiting.WaitingKind(
        "mediation_return_visit",
        gettext_lazy("Mediation return visits due"),
        _return_visits_due,
        _return_visit_item,
        reads=(Mediation, Mediation.mediators.through, ReturnVisit, Case),
    )
)
