"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) at ``/open311/v2/``.

Our categories are its services and our cases its service requests (the reference is the
``service_request_id``). Responses carry no personal data: no names, phones, e-mails or
descriptions, and the address only down to the estate. ``POST requests`` registers a case
exactly as the resident portal does (channel online, same rate limit per client address)
and answers with the ``service_request_id`` and, as ``token``, the resident's status code
for the portal (shown once, as on the portal's receipt). Both JSON and XML; errors in the
spec's format (a list of ``code`` and ``description``).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from casework import portal
from casework.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Place,
    PlaceKind,
    Referral,
    ReferralRole,
)
from core import throttle
from core.audit import record
from core.client import client_address
from core.exceptions import ServiceError
from core.models import SecurityEventKind

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


# ----------------------------------------------------------------------- rendering


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)
    return ET.tostring(top, encoding="UTF-8", xml_declaration=True)


def respond(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> HttpResponse:
    body = _xml(root, item, rows) if fmt == "xml" else json.dumps(rows, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"  # GeoReport is meant for any client
    return response


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    rows = [{"code": status, "description": d} for d in descriptions]
    return respond(fmt, "errors", "error", rows, status=status)


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def too_many(fmt: str, exc: throttle.Throttled) -> HttpResponse:
    """429 in the spec's error format, with Retry-After from the window's end."""
    return throttle.set_retry_after(error(fmt, 429, exc.message()), exc)


def _read_throttled(request, fmt: str) -> HttpResponse | None:
    """Reads per client address (``open311_read_address``): a 429 answer, or None."""
    try:
        throttle.consume("open311_read_address", client_address(request))
    except throttle.Throttled as exc:
        if exc.first:
            record(SecurityEventKind.THROTTLED, request=request, detail={"door": exc.door})
        return too_many(fmt, exc)
    return None


# ------------------------------------------------------------------------ services


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": f"{category.name} / {category.name_zh}",
        "metadata": False,
        "type": "batch",
        "keywords": f"{category.name}, {category.name_zh}",
        "group": category.get_default_org_kind_display() or "",
    }


@login_not_required
@require_GET
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:services", args=["json"])).rsplit("/", 1)[0]
    rows = [
        {
            "changeset": "2026-11-22T00:00:00+08:00",
            "contact": settings.DEFAULT_FROM_EMAIL,
            "key_service": "",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-11-22T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
    ]
    if fmt == "xml":
        top = ET.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ET.SubElement(top, key).text = rows[0][key]
        endpoints = ET.SubElement(top, "endpoints")
        for endpoint in rows[0]["endpoints"]:
            node = ET.SubElement(endpoints, "endpoint")
            for key in ("specification", "url", "changeset", "type"):
                ET.SubElement(node, key).text = endpoint[key]
            formats = ET.SubElement(node, "formats")
            for value in endpoint["formats"]:
                ET.SubElement(formats, "format").text = value
        body = ET.tostring(top, encoding="UTF-8", xml_declaration=True)
        return HttpResponse(body, content_type=CONTENT_TYPES["xml"])
    return HttpResponse(json.dumps(rows[0], ensure_ascii=False), content_type=CONTENT_TYPES["json"])


@login_not_required
@require_GET
def services_list(request, fmt: str):
    rows = [_service(c) for c in Category.objects.filter(active=True)]
    return respond(fmt, "services", "service", rows)


@login_not_required
@require_GET
def service_definition(request, code: str, fmt: str):
    category = Category.objects.filter(active=True, code=code).first()
    if category is None:
        return error(fmt, 404, f"service_code {code!r} not found")
    # No extra attributes: every service takes the standard fields only.
    body = {"service_code": category.code, "attributes": []}
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = category.code
        ET.SubElement(top, "attributes")
        return HttpResponse(
            ET.tostring(top, encoding="UTF-8", xml_declaration=True),
            content_type=CONTENT_TYPES["xml"],
        )
    return HttpResponse(json.dumps(body), content_type=CONTENT_TYPES["json"])


# ------------------------------------------------------------------------ requests


def _estate_level(place: Place) -> str:
    """The address shown: down to the estate, never the building (DOMAIN.md §9)."""
    return " / ".join(place.full_name.split(" / ")[:3])


def _request_rows(cases) -> list[dict]:
    latest_note = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.NOTE, is_public=True)
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    lead = (
        Referral.objects.filter(case=OuterRef("pk"), role=ReferralRole.LEAD)
        .order_by("-dispatched_at", "-id")
        .values("organisation__name")[:1]
    )
    cases = cases.select_related("category", "place", "organisation").annotate(
        public_note=Subquery(latest_note), lead_name=Subquery(lead)
    )
    tz = timezone.get_current_timezone()
    rows = []
    for case in cases:
        expected = (
            dt.datetime.combine(case.due_date, dt.time(18, 0), tzinfo=tz)
            if case.due_date and case.status in OPEN_STATUSES
            else None
        )
        rows.append(
            {
                "service_request_id": case.reference,
                "status": "open" if case.status in OPEN_STATUSES else "closed",
                "status_notes": (case.public_note or "")[:1000] or None,
                "service_name": case.category.label,
                "service_code": case.category.code,
                "agency_responsible": case.lead_name or case.organisation.name,
                "service_notice": None,
                "requested_datetime": _iso(case.created_at),
                "updated_datetime": _iso(case.updated_at),
                "expected_datetime": _iso(expected),
                "address": _estate_level(case.place),
                "address_id": None,
                "zipcode": None,
                "lat": None,
                "long": None,
                "media_url": None,
            }
        )
    return rows


def _parse_date(value: str):
    parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@csrf_exempt  # a public machine endpoint: no session, no cookie-borne authority
@login_not_required
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    if refused := _read_throttled(request, fmt):
        return refused
    cases = Case.objects.all()
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        cases = cases.filter(reference__in=ids[:MAX_RESULTS])
    else:
        problems = []
        start = _parse_date(request.GET.get("start_date", ""))
        end = _parse_date(request.GET.get("end_date", ""))
        if request.GET.get("start_date") and start is None:
            problems.append("start_date must be a w3 ISO 8601 date-time")
        if request.GET.get("end_date") and end is None:
            problems.append("end_date must be a w3 ISO 8601 date-time")
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            problems.append("status must be open, closed or both")
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if problems:
            return error(fmt, 400, *problems)
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            cases = cases.filter(created_at__gte=start)
        if end is not None:
            cases = cases.filter(created_at__lte=end)
        if codes:
            cases = cases.filter(category__code__in=codes)
        if statuses == {"open"}:
            cases = cases.filter(status__in=list(OPEN_STATUSES))
        elif statuses == {"closed"}:
            cases = cases.exclude(status__in=list(OPEN_STATUSES))
    rows = _request_rows(cases.order_by("-created_at", "-id")[:MAX_RESULTS])
    return respond(fmt, "service_requests", "request", rows)


@login_not_required
@require_GET
def request_detail(request, service_request_id: str, fmt: str):
    if refused := _read_throttled(request, fmt):
        return refused
    cases = Case.objects.filter(reference=service_request_id)
    rows = _request_rows(cases)
    if not rows:
        return error(fmt, 404, f"service_request_id {service_request_id!r} not found")
    return respond(fmt, "service_requests", "request", rows)


def _place_for(data) -> tuple[Place | None, str | None]:
    """address_id (our place id of an estate, building or stairwell) or an address_string
    naming one of them exactly; lat/long alone cannot be placed (no map here)."""
    kinds = [PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        if not address_id.isdigit():
            return None, "address_id must be a place id"
        place = Place.objects.filter(pk=int(address_id), kind__in=kinds).first()
        return (place, None) if place else (None, "address_id not found")
    text = (data.get("address_string") or "").strip()
    if text:
        matches = list(Place.objects.filter(kind__in=kinds, full_name=text)[:2]) or list(
            Place.objects.filter(kind__in=kinds, name=text)[:2]
        )
        if len(matches) == 1:
            return matches[0], None
        return portal.default_place(), None  # kept as typed text, placed at the street
    if data.get("lat") or data.get("long"):
        return None, "lat/long cannot be placed here: send address_string or address_id"
    return None, "a location is required: address_string or address_id"


def _create(request, fmt: str) -> HttpResponse:
    data = request.POST
    problems = []
    code = (data.get("service_code") or "").strip()
    category = Category.objects.filter(active=True, code=code).first() if code else None
    if not code:
        problems.append("service_code is required")
    elif category is None:
        problems.append(f"service_code {code!r} not found")
    place, place_problem = _place_for(data)
    if place_problem:
        problems.append(place_problem)
    description = (data.get("description") or "").strip()
    if not description:
        problems.append("description is required")
    elif len(description) > 4000:
        problems.append("description is at most 4000 characters")
    name = " ".join(
        p
        for p in ((data.get("last_name") or "").strip(), (data.get("first_name") or "").strip())
        if p
    )[:100]
    phone = (data.get("phone") or "").strip()[:30]
    email = (data.get("email") or "").strip()[:254]
    if email and "@" not in email:
        problems.append("email is not an e-mail address")
    if problems:
        return error(fmt, 400, *problems)
    submission = portal.Submission(
        category=category,
        place=place,
        address=(data.get("address_string") or "").strip()[:300],
        description=description,
        requests="",
        name=name or "Open311",
        phone=phone,
        email=email,
    )
    try:
        portal.admit_submission(client_address(request))
        registration = portal.submit_online(data=submission)
    except throttle.Throttled as exc:
        return too_many(fmt, exc)
    except ServiceError as exc:
        return error(fmt, 400, *exc.messages)
    rows = [
        {
            "service_request_id": registration.case.reference,
            "token": registration.status_code,
            "service_notice": "Keep the token: it is the status code for the resident portal.",
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", "request", rows, status=201)
