"""Casework pages: plain function views. Each object comes from a selector scoped to the
user (not visible = 404), and each action goes through a service (not allowed = 403).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casework import selectors, services
from casework.exceptions import ActionForbidden, CaseworkError
from casework.models import RESOLVING_OUTCOMES, Case


def _visible_case(request, pk: int) -> Case:
    """Load a case the user may see, or 404: one access check per object."""
    return get_object_or_404(
        selectors.cases_visible_to(request.user).select_related(
            "category", "place", "organisation", "assigned_officer"
        ),
        pk=pk,
    )


def home(request):
    cases = (
        selectors.cases_visible_to(request.user)
        .select_related("category", "place", "assigned_officer")
        .order_by("-created_at", "-id")[:50]
    )
    return render(request, "casework/home.html", {"cases": cases})


def case_detail(request, pk: int):
    case = _visible_case(request, pk)
    context = {
        "case": case,
        "parties": case.parties.all(),
        "events": selectors.case_timeline(case),
        "transitions": services.available_transitions(case, request.user),
        "outcome_choices": RESOLVING_OUTCOMES,
    }
    return render(request, "casework/case_detail.html", context)


@require_POST
def case_transition(request, pk: int, name: str):
    case = _visible_case(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        raise Http404 from None
    params = {k: request.POST.get(k, "") for k in ("reason", "outcome", "summary")}
    try:
        services.case_transition(
            case=case,
            name=name,
            actor=request.user,
            note=request.POST.get("note", ""),
            expected_version=version,
            **params,
        )
    except ActionForbidden as exc:
        return HttpResponseForbidden(" ".join(exc.messages))
    except CaseworkError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("casework:case_detail", pk=case.pk)
