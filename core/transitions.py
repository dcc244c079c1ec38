"""One guard for every django-fsm-2 transition the services run (cases, referrals,
meetings, minutes, ballots): the state, the actor's permission and every condition, each
refusal in words a person can act on."""

from __future__ import annotations

from django_fsm import Transition

from core.exceptions import ActionForbidden, TransitionRefused


def label_of(model, name: str) -> str:
    for transition in model._meta.get_field("status").get_all_transitions(model):
        if transition.name == name:
            return str(transition.custom.get("label", name))
    return name


def guard(obj, name: str, actor, *, not_possible, not_allowed) -> Transition:
    """The transition ``name`` of ``obj`` in its current state, if ``actor`` may take it now.

    ``not_possible`` and ``not_allowed`` are the caller's sentences (with ``%(action)s`` and
    ``%(status)s``): the record's noun differs ("the case is", "the minutes are")."""
    transition = getattr(obj, name)._django_fsm.get_transition(obj.status)
    label = label_of(type(obj), name)
    if transition is None:
        raise TransitionRefused(
            not_possible % {"action": label, "status": obj.get_status_display().lower()}
        )
    if not transition.has_perm(obj, actor):
        raise ActionForbidden(not_allowed % {"action": label})
    unmet = [_explain(condition, obj) for condition in transition.conditions if not condition(obj)]
    if unmet:
        raise TransitionRefused(*unmet)
    return transition


def _explain(condition, obj) -> str:
    """A condition's refusal: its ``explain(obj)`` when the words depend on the record
    (e.g. which dossier items are missing), else its fixed ``message``."""
    explain = getattr(condition, "explain", None)
    return str(explain(obj)) if explain is not None else str(condition.message)
