"""The resident's own pages beyond the form and the status page: the home page at ``/``,
the nearest place to a phone's location, 我的诉求 by mobile number and SMS code, and the
development outbox of text messages. Every view here is public (``login_not_required``)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework import geo, phone_access, public_stages, views
from casework.models import Category, Organisation, OrgKind, PlaceKind
from casework.portal_forms import PhoneCodeForm, PhoneForm
from casework.portal_views import VERIFIED_KEY
from core import crypto, otp, sms, throttle
from core.client import client_address
from core.http import no_store
from core.masking import mask_phone

# 我的诉求: the verified phone's look-up key (never the number) and when it was verified.
MINE_KEY = "linli-portal-phone"
# The number a code was just asked for (step two needs it; kept in the session, not the URL).
PENDING_KEY = "linli-portal-phone-pending"


def _contacts() -> list[dict]:
    """Who residents can call: the committees' and the street office's phones (a few
    rows, cached ten minutes), or the settings' hotline when one is configured."""
    key = "linli:portal-contacts"
    found = cache.get(key)
    if found is None:
        found = list(
            Organisation.objects.filter(
                kind__in=[OrgKind.RESIDENTS_COMMITTEE, OrgKind.STREET_OFFICE], active=True
            )
            .exclude(phone="")
            .order_by("kind", "name")
            .values("name", "phone")[:12]
        )
        cache.set(key, found, timeout=600)
    return found


@login_not_required
def home(request):
    """``/``: a signed-in staff member's dashboard (what they open the site for), behind
    the same second factor as every staff page; anyone else gets the residents' home page
    (which staff reach at ``/r/home/``)."""
    if request.user.is_authenticated:
        return otp.second_factor_owed(request) or views.dashboard(request)
    return resident_home(request)


@login_not_required
def resident_home(request):
    key = f"linli:portal-categories:{get_language()}"
    categories = cache.get(key)
    if categories is None:
        # The names in the reader's language (Category.label), in that language's order.
        categories = sorted(c.label for c in Category.objects.filter(active=True))
        cache.set(key, categories, timeout=600)
    context = {
        "categories": categories,
        "contacts": _contacts(),
        "hotline": settings.LINLI.get("PORTAL_HOTLINE", ""),
        "hours": settings.LINLI.get("PORTAL_HOURS", ""),
        "address": settings.LINLI.get("PORTAL_ADDRESS", ""),
    }
    return render(request, "casework/portal/home.html", context)


@login_not_required
@require_GET
def nearest(request):
    """ "Use my location": the estate (and building) nearest the phone's WGS-84 position,
    as JSON for the form's steps; nothing found within the limit is ``{"found": false}``."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return JsonResponse({"found": False, "error": _("No position was sent.")}, status=400)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse({"found": False, "error": _("No position was sent.")}, status=400)
    throttle.consume("open311_read_address", client_address(request))
    hit = geo.nearest_place(lat, lng)
    if hit is None:
        return JsonResponse({"found": False})
    place = hit.place
    answer = {"found": True, "name": place.full_name, "distance_m": round(hit.distance_m)}
    if place.kind == PlaceKind.BUILDING:
        answer.update(estate=place.parent_id, building=place.pk)
    else:
        answer.update(estate=place.pk, building=None)
    return JsonResponse(answer)


# -------------------------------------------------------------------------- 我的诉求


def _verified_phone(request) -> str | None:
    data = request.session.get(MINE_KEY)
    if not data or time.time() - data.get("at", 0) > settings.LINLI["PORTAL_SESSION_SECONDS"]:
        request.session.pop(MINE_KEY, None)
        return None
    return data.get("key")


@no_store
@login_not_required
def mine(request):
    """Every case filed with the verified mobile number, newest first; without a verified
    number, the page asking for it."""
    key = _verified_phone(request)
    if key is None:
        return redirect("portal:mine_phone")
    cases = list(
        phone_access.cases_for_key(key).only(
            "pk",
            "reference",
            "status",
            "created_at",
            "description",
            "category__name",
            "category__name_zh",
        )[:100]
    )
    for case in cases:  # the resident's words for where it is, as on its status page
        stage = public_stages.stage_of_status(case.status)
        case.stage, case.stage_title = stage, public_stages.TITLES[stage]
    return render(request, "casework/portal/mine.html", {"cases": cases})


@no_store
@login_not_required
def mine_phone(request):
    """Step one: the mobile number; a code is texted if it filed a case (the answer is
    the same either way)."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        # Past a limit this raises Throttled: the 429 page says when to try again.
        phone_access.request_code(phone=phone, address=client_address(request))
        # Sealed (sessions are stored in the database), with the masked form the next
        # page shows; it lasts as long as a verified session.
        request.session[PENDING_KEY] = {
            "sealed": crypto.encrypt(phone),
            "masked": mask_phone(phone),
            "at": time.time(),
        }
        return redirect("portal:mine_code")
    return render(request, "casework/portal/mine_phone.html", {"form": form})


@no_store
@login_not_required
def mine_code(request):
    """Step two: the code from the text message."""
    pending = request.session.get(PENDING_KEY)
    if (
        not pending
        or "sealed" not in pending
        or time.time() - pending.get("at", 0) > settings.LINLI["PORTAL_SESSION_SECONDS"]
    ):
        request.session.pop(PENDING_KEY, None)
        return redirect("portal:mine_phone")
    form = PhoneCodeForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        try:
            phone = crypto.decrypt(pending["sealed"])
        except crypto.PIIKeyError:  # sealed under a key since retired: start again
            request.session.pop(PENDING_KEY, None)
            return redirect("portal:mine_phone")
        key = phone_access.verify_code(
            phone=phone,
            code=form.cleaned_data["code"],
            address=client_address(request),
        )
        if key is None:
            failed = True
            form = PhoneCodeForm()
        else:
            request.session.cycle_key()
            request.session.pop(PENDING_KEY, None)
            request.session[MINE_KEY] = {"key": key, "at": time.time()}
            return redirect("portal:mine")
    return render(
        request,
        "casework/portal/mine_code.html",
        {"form": form, "failed": failed, "masked": pending["masked"]},
    )


@no_store
@login_not_required
def mine_case(request, reference: str):
    """Open one of the verified number's cases on its status page (no status code needed
    in this session); any other reference is not found."""
    key = _verified_phone(request)
    if key is None:
        return redirect("portal:mine_phone")
    case = phone_access.cases_for_key(key).filter(reference=reference).values("pk").first()
    if case is None:
        raise Http404
    request.session[VERIFIED_KEY] = {"pk": case["pk"], "at": time.time()}
    return redirect("portal:status")


@no_store
@login_not_required
@require_POST
def mine_leave(request):
    request.session.pop(MINE_KEY, None)
    request.session.pop(VERIFIED_KEY, None)
    return redirect("portal:mine_phone")


# ------------------------------------------------------------- development outbox


@no_store
@login_not_required
def sms_outbox(request):
    """The text messages the file backend wrote (``var/sms/``), for the demo and
    development: there is no phone to receive them. Not found anywhere else — in
    production, or with any other backend."""
    if settings.LINLI_ENV == "production" or not settings.LINLI["SMS_BACKEND"].endswith(
        "FileBackend"
    ):
        raise Http404
    return render(request, "casework/portal/sms_outbox.html", {"messages_": sms.read_file_outbox()})
