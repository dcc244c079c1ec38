"""Public pages for residents (no account). These are the only public views besides
login; each is marked ``login_not_required`` explicitly.

The verified case lives in the session (never in the URL): a resident proves once with
reference + code and then sees only that case's public timeline for a while.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import portal
from casework.exceptions import CaseworkError
from casework.models import OPEN_STATUSES, Case
from casework.portal_forms import InfoForm, LookupForm, RatingForm, SubmitForm

RECEIPT_KEY = "linli-portal-receipt"
VERIFIED_KEY = "linli-portal-case"


def _verified_case(request) -> Case | None:
    data = request.session.get(VERIFIED_KEY)
    if not data or time.time() - data.get("at", 0) > settings.LINLI["PORTAL_SESSION_SECONDS"]:
        request.session.pop(VERIFIED_KEY, None)
        return None
    return Case.objects.select_related("category").filter(pk=data.get("pk")).first()


def _public_timeline(case: Case) -> str:
    """The rendered public timeline. The log is append-only, so the newest public event id
    identifies its content exactly: cached per case, language and that id."""
    events = case.events.filter(is_public=True)
    newest = events.order_by("-id").values_list("id", flat=True).first() or 0
    key = f"linli:timeline:{case.pk}:{get_language()}:{newest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("casework/portal/_timeline.html", {"events": events})
        cache.set(key, html, timeout=24 * 3600)
    return mark_safe(html)


@login_not_required
def submit(request):
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = portal.Submission(
            category=d["category"],
            place=d["place"],
            address=d["address"],
            description=d["description"],
            requests=d["requests"],
            name=d["name"].strip(),
            phone=d["phone"],
            email=d["email"],
        )
        try:
            registration = portal.submit_online(data=data, address=portal.client_address(request))
        except CaseworkError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            request.session[RECEIPT_KEY] = {
                "reference": registration.case.reference,
                "code": registration.status_code,
                "email": bool(d["email"]),
            }
            return redirect("portal:receipt")
    return render(
        request,
        "casework/portal/submit.html",
        {"form": form, "retention_years": settings.LINLI["RETENTION_YEARS"]},
    )


@login_not_required
def receipt(request):
    data = request.session.pop(RECEIPT_KEY, None)
    return render(request, "casework/portal/receipt.html", {"receipt": data})


@login_not_required
def lookup(request):
    form = LookupForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        try:
            case = portal.lookup(
                reference=form.cleaned_data["reference"],
                code=form.cleaned_data["code"],
                address=portal.client_address(request),
            )
        except portal.Throttled as exc:
            form.add_error(None, exc.messages[0])
        else:
            if case is None:
                failed = True
                form = LookupForm()  # echo nothing: both kinds of failure must look the same
            else:
                request.session.cycle_key()
                request.session[VERIFIED_KEY] = {"pk": case.pk, "at": time.time()}
                return redirect("portal:status")
    return render(request, "casework/portal/lookup.html", {"form": form, "failed": failed})


@login_not_required
def status(request):
    case = _verified_case(request)
    if case is None:
        messages.info(request, _("Enter your reference and status code to see your case."))
        return redirect("portal:lookup")
    context = {
        "case": case,
        "stages": portal.stages(case),
        "plain": portal.PLAIN_WORDS.get(case.status, ""),
        "timeline": _public_timeline(case),
        "rating_form": RatingForm() if portal.can_rate(case) else None,
        "info_form": InfoForm() if case.status in OPEN_STATUSES else None,
    }
    return render(request, "casework/portal/status.html", context)


@login_not_required
@require_POST
def rate(request):
    case = _verified_case(request)
    if case is None:
        return redirect("portal:lookup")
    form = RatingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            portal.rate_case(
                case=case,
                efficiency=d["efficiency"],
                attitude=d["attitude"],
                result=d["result"],
                satisfied=d["satisfied"],
                comment=d["comment"],
                reopen_reason=d["reopen_reason"],
            )
        except CaseworkError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Thank you for your rating."))
    else:
        messages.error(request, _("Please answer all four questions."))
    return redirect("portal:status")


@login_not_required
@require_POST
def add_information(request):
    case = _verified_case(request)
    if case is None:
        return redirect("portal:lookup")
    form = InfoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal.resident_add_information(
                case=case, text=form.cleaned_data["text"], upload=form.cleaned_data["photo"]
            )
        except CaseworkError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Thank you. Your information was added to the case."))
    else:
        messages.error(request, _("The information could not be added; please check it."))
    return redirect("portal:status")


@login_not_required
@require_POST
def leave(request):
    request.session.pop(VERIFIED_KEY, None)
    return redirect("portal:lookup")
