"""Where the apps built on casework join in without casework naming them (froide's hooks).

Casework never imports the apps that build on it, nor names their fields. They register
here from their ``AppConfig.ready`` (consultation's registrations are in
``consultation.case_hooks``):

- **case guards**: a condition an app adds to case transitions ("a case cannot resolve
  while its mediation is under way"). The case's state machine checks the guards of each
  transition with its own conditions: an unmet guard removes the button and is named in
  words when someone tries (``core.transitions.reasons``);
- **panels**: a section an app adds to the case page, the dashboard or the reports — a
  template the app owns and a function giving that template's context (``None``: nothing
  to show). The page renders them in the order they were registered, each with its context as ``p``;
- **sweep reminders**: what the SLA sweep (``manage.py sla_sweep``) also chases, each
  answering ``(overdue, chased now)`` under its label;
- **report counts**: numbers the supervisors' report takes from another app's records
  (people's mediations reached or failed, counted from the mediations, not the case's
  outcome), each under its name.

The registry is filled once at start-up, the same way in every process: it is
configuration, not state that one process could change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Reason = Callable[[Any], str]


@dataclass(frozen=True)
class CaseGuard:
    """A condition on case transitions: ``check(case)`` holds when they may go ahead,
    ``reason(case)`` says why not."""

    transitions: frozenset[str]
    check: Callable[[Any], bool]
    reason: Reason


@dataclass(frozen=True)
class PanelSpec:
    """A section of a casework page that another app owns."""

    template: str
    context: Callable[..., dict | None]


@dataclass(frozen=True)
class Panel:
    """A registered section ready to render: its template with its context."""

    template: str
    context: dict


@dataclass(frozen=True)
class SweepReminder:
    """What the SLA sweep also chases, under its label."""

    label: str
    chase: Callable[[dt.date], tuple[int, int]]


_case_guards: list[CaseGuard] = []
_case_panels: list[PanelSpec] = []
_dashboard_panels: list[PanelSpec] = []
_report_panels: list[PanelSpec] = []
_sweep_reminders: list[SweepReminder] = []
_report_counts: dict[str, Callable[..., dict[str, int]]] = {}


# ------------------------------------------------------------------- registering


def case_guard(*transitions: str, reason: Reason) -> Callable:
    """Register the decorated ``check(case) -> bool`` as a guard of the case transitions
    ``transitions``; ``reason(case)`` is what a person reads when it does not hold."""

    def register(check):
        _case_guards.append(CaseGuard(frozenset(transitions), check, reason))
        return check

    return register


def case_panel(template: str) -> Callable:
    """Register the decorated ``context(request, case) -> dict | None`` as the provider of
    a case-page section rendered from ``template``."""

    def register(provider):
        _case_panels.append(PanelSpec(template, provider))
        return provider

    return register


def dashboard_panel(template: str) -> Callable:
    """Register the decorated ``context(request, today) -> dict | None`` as the provider of
    a dashboard section rendered from ``template``."""

    def register(provider):
        _dashboard_panels.append(PanelSpec(template, provider))
        return provider

    return register


def report_panel(template: str) -> Callable:
    """Register the decorated ``context(request, cases, period) -> dict | None`` as the
    provider of a reports-page section rendered from ``template`` (``cases``: the report's
    filtered cases; ``period``: its ``first`` and ``last`` days)."""

    def register(provider):
        _report_panels.append(PanelSpec(template, provider))
        return provider

    return register


def sweep_reminder(label: str) -> Callable:
    """Register the decorated ``chase(today) -> (overdue, chased now)`` with the SLA sweep."""

    def register(chase):
        _sweep_reminders.append(SweepReminder(label, chase))
        return chase

    return register


def report_count(name: str) -> Callable:
    """Register the decorated ``count(cases, first, last) -> {label: n}`` as the report's
    section ``name``: counts over the given cases' records dated from ``first`` to ``last``
    (dates, both included)."""

    def register(count):
        _report_counts[name] = count
        return count

    return register


# ------------------------------------------------------------------- using


class GuardsOf:
    """The guards registered for one case transition, as one django-fsm condition: true
    when all hold; ``reasons(case)`` names each that does not."""

    def __init__(self, transition: str):
        self.transition = transition

    def __call__(self, case) -> bool:
        return all(g.check(case) for g in self._guards())

    def reasons(self, case) -> list[str]:
        return [str(g.reason(case)) for g in self._guards() if not g.check(case)]

    def _guards(self) -> list[CaseGuard]:
        return [g for g in _case_guards if self.transition in g.transitions]

    def __repr__(self) -> str:
        return f"GuardsOf({self.transition!r})"


def case_panels(request, case) -> list[Panel]:
    """The sections other apps add to ``case``'s page, for ``request``'s user."""
    return _rendered(_case_panels, request, case)


def dashboard_panels(request, today: dt.date) -> list[Panel]:
    """The sections other apps add to the dashboard of ``request``'s user."""
    return _rendered(_dashboard_panels, request, today)


def report_panels(request, cases, period) -> list[Panel]:
    """The sections other apps add to the reports page for ``cases`` over ``period``."""
    return _rendered(_report_panels, request, cases, period)


def _rendered(specs: list[PanelSpec], *args) -> list[Panel]:
    panels = []
    for spec in specs:
        context = spec.context(*args)
        if context is not None:
            panels.append(Panel(spec.template, context))
    return panels


def sweep_reminders(today: dt.date) -> tuple[tuple[str, int, int], ...]:
    """Run every registered reminder: ``(label, overdue, chased now)`` each."""
    return tuple((r.label, *r.chase(today)) for r in _sweep_reminders)


def report_counts(cases, first: dt.date, last: dt.date) -> dict[str, dict[str, int]]:
    """Every registered report section's counts over ``cases`` in ``first`` .. ``last``."""
    return {name: count(cases, first, last) for name, count in _report_counts.items()}
