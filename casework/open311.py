"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) at ``/open311/v2/``.

Our categories are its services and our cases its service requests (the reference is the
``service_request_id``). Responses carry no personal data: no names, phones, e-mails or
descriptions, and the address only down to the estate. ``POST requests`` registers a case
exactly as the resident portal does (channel online, same rate limit per client address)
for a client holding one of the API's per-organisation keys (``api_key``; 403 without). It
answers with the ``service_request_id`` and a ``token`` — a random handle for ``GET
tokens/{token}``, never the resident's status code, which is given once in
``service_notice`` for the client to pass to the resident. A location may be a place id,
an address naming a place, or ``lat``/``long`` (the nearest estate or building with
coordinates, casework.geo). ``media_url`` is kept as a link (never fetched); ``attribute[]``
is checked against the service's definition and kept. Names and notices come in the
language asked for (``locale`` or ``Accept-Language``). Both JSON and XML; every error —
400, 403, 404 (also unknown paths and formats), 405, 429 — in the spec's format (a list of
``code`` and ``description``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from casework import geo, portal
from casework.api_auth import key_failed, key_prefix, token_for_key
from casework.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    EventKind,
    Open311Request,
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
MEDIA_URL_MAX = 1000
ATTRIBUTE_KEY = re.compile(r"^attribute\[([A-Za-z0-9_-]{1,40})\](\[\])?$")


# ----------------------------------------------------------------------- rendering


def _append(parent: ET.Element, key: str, value) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        singular = key[:-1] if key.endswith("s") else "item"
        for item in value:
            if isinstance(item, dict):
                node = ET.SubElement(child, singular)
                for k, v in item.items():
                    _append(node, k, v)
            else:
                ET.SubElement(child, singular).text = str(item)
    elif value is not None:
        child.text = str(value)


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            _append(element, key, value)
    return ET.tostring(top, encoding="UTF-8", xml_declaration=True)


def _send(body: bytes, fmt: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"  # GeoReport is meant for any client
    response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
    return response


def respond(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> HttpResponse:
    body = _xml(root, item, rows) if fmt == "xml" else json.dumps(rows, ensure_ascii=False).encode()
    return _send(body, fmt, status)


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    rows = [{"code": status, "description": str(d)} for d in descriptions]
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


# ------------------------------------------------------------------- the doorway


def requested_language(request) -> str:
    """``locale`` (GeoReport's optional parameter, e.g. ``zh_CN``, ``en-US``) if it names
    one of our languages, else what LocaleMiddleware chose from ``Accept-Language``."""
    asked = (request.GET.get("locale") or request.POST.get("locale") or "").strip().lower()
    if asked.startswith("zh"):
        return "zh-hans"
    if asked.startswith("en"):
        return "en"
    return translation.get_language() or settings.LANGUAGE_CODE


def jurisdiction_problem(request) -> str | None:
    """``jurisdiction_id`` is optional; sent, it must be the one this endpoint serves."""
    sent = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    ours = settings.LINLI.get("OPEN311_JURISDICTION_ID", "")
    if sent.strip() and sent.strip() != ours:
        return _("jurisdiction_id %(sent)r is not served here (this endpoint serves %(ours)r)") % {
            "sent": sent.strip()[:100],
            "ours": ours,
        }
    return None


def door(*methods: str):
    """An Open311 view: public, CSRF-exempt (no cookie-borne authority), in the language
    asked for, answering a wrong method (405) and a foreign ``jurisdiction_id`` (404) in
    the spec's error format."""

    def wrap(view):
        @csrf_exempt
        @login_not_required
        @functools.wraps(view)
        def inner(request, *args, fmt: str, **kwargs):
            with translation.override(requested_language(request)):
                if request.method not in methods:
                    response = error(
                        fmt,
                        405,
                        _("method %(method)s is not allowed here: use %(allowed)s")
                        % {"method": request.method[:10], "allowed": ", ".join(methods)},
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                if problem := jurisdiction_problem(request):
                    return error(fmt, 404, problem)
                return view(request, *args, fmt=fmt, **kwargs)

        return inner

    return wrap


@csrf_exempt
@login_not_required
def not_found(request, rest: str = ""):
    """Every other path under /open311/: 404 in the spec's format — XML if the path ends
    in .xml, else JSON — saying whether the format or the resource is unknown."""
    with translation.override(requested_language(request)):
        name = request.path.rsplit("/", 1)[-1]
        fmt = "xml" if name.endswith(".xml") else "json"
        suffix = name.rsplit(".", 1)[1] if "." in name else ""
        if suffix and suffix not in CONTENT_TYPES:
            return error(
                fmt,
                404,
                _("format %(format)r is not served: use .json or .xml") % {"format": suffix[:20]},
            )
        return error(
            fmt, 404, _("%(path)s is not an Open311 resource") % {"path": request.path[:200]}
        )


# ------------------------------------------------------------------------ services

# Offered for categories whose own definition (Category.attributes) is empty: whether it
# keeps happening, for every service, and when, for noise (the officer's first question).
RECURRING = {
    "code": "recurring",
    "datatype": "singlevaluelist",
    "required": False,
    "description": "Does it keep happening?",
    "description_zh": "是否反复发生？",
    "values": [
        {"key": "once", "name": "Once", "name_zh": "一次"},
        {"key": "often", "name": "Several times", "name_zh": "多次"},
        {"key": "daily", "name": "Every day", "name_zh": "每天"},
    ],
}
TIME_OF_DAY = {
    "code": "time_of_day",
    "datatype": "singlevaluelist",
    "required": True,
    "description": "When is the noise?",
    "description_zh": "噪声出现在什么时段？",
    "values": [
        {"key": "day", "name": "Daytime (06:00–22:00)", "name_zh": "白天（6时至22时）"},
        {"key": "night", "name": "Night (22:00–06:00)", "name_zh": "夜间（22时至次日6时）"},
    ],
}
DEFAULT_ATTRIBUTES = {
    "construction_noise": [TIME_OF_DAY, RECURRING],
    "noise": [TIME_OF_DAY, RECURRING],
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def attribute_definition(category: Category) -> list[dict]:
    """The category's Open311 attributes: its own, else the default definition."""
    return list(category.attributes or DEFAULT_ATTRIBUTES.get(category.code, [RECURRING]))


def attribute_labels(category: Category, attributes: dict) -> list[tuple[str, str]]:
    """The stored attributes as (question, answer) in the active language, for the case
    page; a code the definition no longer has is shown as sent."""
    definition = {entry["code"]: entry for entry in attribute_definition(category)}
    shown = []
    for code, value in attributes.items():
        entry = definition.get(code, {})
        names = {v["key"]: _localised(v, "name") for v in entry.get("values", [])}
        values = value if isinstance(value, list) else [value]
        answer = "、".join(names.get(v, v) for v in values)
        shown.append((_localised(entry, "description") or code, answer))
    return shown


def _localised(entry: dict, key: str) -> str:
    zh = (translation.get_language() or "").startswith("zh")
    return (entry.get(f"{key}_zh") if zh else None) or entry.get(key) or ""


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.label,
        "metadata": bool(attribute_definition(category)),
        "type": "batch",
        "keywords": f"{category.name}, {category.name_zh}",
        "group": category.get_default_org_kind_display() or "",
    }


@door("GET")
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:services", args=["json"])).rsplit("/", 1)[0]
    rows = [
        {
            "changeset": "2026-12-03T00:00:00+08:00",
            "contact": settings.DEFAULT_FROM_EMAIL,
            "key_service": _("API keys are issued by the street office (an API token)."),
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": base,
                    "changeset": "2026-12-03T00:00:00+08:00",
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
        return _send(ET.tostring(top, encoding="UTF-8", xml_declaration=True), fmt)
    return _send(json.dumps(rows[0], ensure_ascii=False).encode(), fmt)


@door("GET")
def services_list(request, fmt: str):
    rows = [_service(c) for c in Category.objects.filter(active=True)]
    return respond(fmt, "services", "service", rows)


@door("GET")
def service_definition(request, code: str, fmt: str):
    category = Category.objects.filter(active=True, code=code).first()
    if category is None:
        return error(fmt, 404, _("service_code %(code)r not found") % {"code": code})
    attributes = [
        {
            "variable": True,
            "code": entry["code"],
            "datatype": entry["datatype"],
            "required": bool(entry.get("required")),
            "datatype_description": None,
            "order": order,
            "description": _localised(entry, "description"),
            "values": [
                {"key": v["key"], "name": _localised(v, "name")} for v in entry.get("values", [])
            ],
        }
        for order, entry in enumerate(attribute_definition(category), start=1)
    ]
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = category.code
        node = ET.SubElement(top, "attributes")
        for attribute in attributes:
            element = ET.SubElement(node, "attribute")
            for key, value in attribute.items():
                _append(element, key, value)
        return _send(ET.tostring(top, encoding="UTF-8", xml_declaration=True), fmt)
    body = {"service_code": category.code, "attributes": attributes}
    return _send(json.dumps(body, ensure_ascii=False).encode(), fmt)


# ------------------------------------------------------------------------ requests


def _estate_level(full_name: str) -> str:
    """The address shown: down to the estate, never the building (DOMAIN.md §9)."""
    return " / ".join(full_name.split(" / ")[:3])


def _estate_id(path: str) -> int | None:
    """The id of the estate at or above the place with tree path ``path``."""
    segments = [s for s in path.split("/") if s]
    return int(segments[2]) if len(segments) >= 3 else None


def _request_rows(cases) -> list[dict]:
    """The GeoReport rows of ``cases`` (at most ``MAX_RESULTS``), as plain values: a page
    of a thousand cases built as model instances (case, place, category, organisation,
    details) spent most of its ~160 ms creating them. Categories and places come from one
    query each for the page."""
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
    found = list(
        cases.annotate(public_note=Subquery(latest_note), lead_name=Subquery(lead)).values(
            "reference",
            "status",
            "due_date",
            "created_at",
            "updated_at",
            "category_id",
            "place_id",
            "organisation__name",
            "open311__media_url",
            "public_note",
            "lead_name",
        )
    )
    if not found:
        return []
    categories = {
        c.pk: c for c in Category.objects.filter(pk__in={r["category_id"] for r in found})
    }
    places = {
        pk: (path, full_name)
        for pk, path, full_name in Place.objects.filter(
            pk__in={r["place_id"] for r in found}
        ).values_list("pk", "path", "full_name")
    }
    # The point shown is the estate's (one query for the page): a building's would say
    # which block the resident lives in.
    estate_ids = {_estate_id(path) for path, _name in places.values()} - {None}
    points = (
        {
            row["pk"]: (row["latitude"], row["longitude"])
            for row in Place.objects.filter(pk__in=estate_ids, latitude__isnull=False).values(
                "pk", "latitude", "longitude"
            )
        }
        if estate_ids
        else {}
    )
    tz = timezone.get_current_timezone()
    rows = []
    for case in found:
        is_open = case["status"] in OPEN_STATUSES
        expected = (
            dt.datetime.combine(case["due_date"], dt.time(18, 0), tzinfo=tz)
            if case["due_date"] and is_open
            else None
        )
        path, full_name = places[case["place_id"]]
        lat, lng = points.get(_estate_id(path), (None, None))
        category = categories[case["category_id"]]
        rows.append(
            {
                "service_request_id": case["reference"],
                "status": "open" if is_open else "closed",
                "status_notes": (case["public_note"] or "")[:1000] or None,
                "service_name": category.label,
                "service_code": category.code,
                "agency_responsible": case["lead_name"] or case["organisation__name"],
                "service_notice": None,
                "requested_datetime": _iso(case["created_at"]),
                "updated_datetime": _iso(case["updated_at"]),
                "expected_datetime": _iso(expected),
                "address": _estate_level(full_name),
                "address_id": None,
                "zipcode": None,
                "lat": float(lat) if lat is not None else None,
                "long": float(lng) if lng is not None else None,
                "media_url": case["open311__media_url"] or None,
            }
        )
    return rows


def _parse_date(value: str):
    parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@door("GET", "POST")
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
            problems.append(_("start_date must be a w3 ISO 8601 date-time"))
        if request.GET.get("end_date") and end is None:
            problems.append(_("end_date must be a w3 ISO 8601 date-time"))
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            problems.append(_("status must be open, closed or both"))
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


@door("GET")
def request_detail(request, service_request_id: str, fmt: str):
    if refused := _read_throttled(request, fmt):
        return refused
    cases = Case.objects.filter(reference=service_request_id)
    rows = _request_rows(cases)
    if not rows:
        return error(
            fmt, 404, _("service_request_id %(id)r not found") % {"id": service_request_id[:40]}
        )
    return respond(fmt, "service_requests", "request", rows)


@door("GET")
def token_detail(request, token: str, fmt: str):
    """``GET tokens/{token}``: the service_request_id the token stands for."""
    if refused := _read_throttled(request, fmt):
        return refused
    found = (
        Open311Request.objects.filter(token=token).values_list("case__reference", flat=True).first()
    )
    if found is None:
        return error(fmt, 404, _("token %(token)r not found") % {"token": token[:40]})
    return respond(
        fmt, "service_requests", "request", [{"service_request_id": found, "token": token}]
    )


PLACEABLE = [PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]


def _place_for(data) -> tuple[Place | None, str | None]:
    """Where it happened, by precision: ``address_id`` (our place id of an estate,
    building or stairwell), then ``lat``/``long`` (the nearest estate or building with
    coordinates), then an ``address_string`` naming a place exactly (any other text is
    kept as typed and the case is placed at the street)."""
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        if not address_id.isdigit() or len(address_id) > 18:
            return None, _("address_id must be a place id")
        place = Place.objects.filter(pk=int(address_id), kind__in=PLACEABLE).first()
        return (place, None) if place else (None, _("address_id not found"))
    lat, lng = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    if lat or lng:
        if not geo.valid_point(lat, lng):
            return None, _("lat and long must both be WGS-84 decimal degrees")
        nearest = geo.nearest_place(float(lat), float(lng))
        if nearest is not None:
            return nearest.place, None
        if not (data.get("address_string") or "").strip():
            return None, _(
                "no estate or building is known within %(m)s m of lat/long: "
                "send address_string or address_id"
            ) % {"m": settings.LINLI.get("NEAREST_PLACE_MAX_M", 1000)}
    text = (data.get("address_string") or "").strip()
    if text:
        matches = list(Place.objects.filter(kind__in=PLACEABLE, full_name=text)[:2]) or list(
            Place.objects.filter(kind__in=PLACEABLE, name=text)[:2]
        )
        if len(matches) == 1:
            return matches[0], None
        return portal.default_place(), None  # kept as typed text, placed at the street
    return None, _("a location is required: address_string, address_id or lat/long")


def _media_url(data) -> tuple[str, str | None]:
    """A photo link, kept as a link: http(s) only, never fetched by us."""
    url = (data.get("media_url") or "").strip()
    if not url:
        return "", None
    if len(url) > MEDIA_URL_MAX:
        return "", _("media_url is at most %(n)s characters") % {"n": MEDIA_URL_MAX}
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "", _("media_url must be an http or https URL")
    return url, None


def _attributes(data, category: Category | None) -> tuple[dict, list[str]]:
    """``attribute[code]=value`` (``attribute[code][]`` for multivaluelist) checked
    against the service's definition; returns what to keep and the problems."""
    sent: dict[str, list[str]] = {}
    for key in data:
        if key.startswith("attribute"):
            match = ATTRIBUTE_KEY.match(key)
            if not match:
                return {}, [_("%(key)s is not of the form attribute[code]") % {"key": key[:60]}]
            sent.setdefault(match.group(1), []).extend(v.strip() for v in data.getlist(key))
    if category is None:
        return {}, []
    definition = {entry["code"]: entry for entry in attribute_definition(category)}
    kept, problems = {}, []
    for code in sent:
        if code not in definition:
            problems.append(
                _("attribute[%(code)s] is not an attribute of service %(service)s")
                % {"code": code, "service": category.code}
            )
    for code, entry in definition.items():
        values = [v for v in sent.get(code, []) if v]
        if not values:
            if entry.get("required"):
                problems.append(_("attribute[%(code)s] is required") % {"code": code})
            continue
        kind = entry.get("datatype", "string")
        keys = {v["key"] for v in entry.get("values", [])}
        label = {"code": code}
        if kind == "multivaluelist":
            if set(values) - keys:
                problems.append(_("attribute[%(code)s] has a value not in its list") % label)
            else:
                kept[code] = values
            continue
        if len(values) > 1:
            problems.append(_("attribute[%(code)s] takes one value") % label)
            continue
        value = values[0]
        if kind == "singlevaluelist" and value not in keys:
            problems.append(_("attribute[%(code)s] has a value not in its list") % label)
        elif kind == "number" and not re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?", value):
            problems.append(_("attribute[%(code)s] must be a number") % label)
        elif kind == "datetime" and _parse_date(value) is None:
            problems.append(_("attribute[%(code)s] must be a w3 ISO 8601 date-time") % label)
        elif len(value) > 1000:
            problems.append(_("attribute[%(code)s] is at most 1000 characters") % label)
        else:
            kept[code] = value
    return kept, problems


def _api_key(request, fmt: str):
    """The token for ``api_key``, or the 403/429 answer. Failed keys count per client
    address exactly as the REST API's do (``api_auth_failure``)."""
    address = client_address(request)
    try:
        throttle.check("api_auth_failure", address)
    except throttle.Throttled as exc:
        return None, too_many(fmt, exc)
    key = (request.POST.get("api_key") or "").strip()
    if not key:
        return None, error(fmt, 403, _("api_key is required to create service requests"))
    token = token_for_key(key)
    if token is None:
        key_failed(request, address, key_prefix(key))
        return None, error(fmt, 403, _("api_key is not valid"))
    return token, None


def _create(request, fmt: str) -> HttpResponse:
    api_token, refused = _api_key(request, fmt)
    if refused:
        return refused
    data = request.POST
    problems = []
    code = (data.get("service_code") or "").strip()
    category = Category.objects.filter(active=True, code=code).first() if code else None
    if not code:
        problems.append(_("service_code is required"))
    elif category is None:
        problems.append(_("service_code %(code)r not found") % {"code": code[:40]})
    place, place_problem = _place_for(data)
    if place_problem:
        problems.append(place_problem)
    description = (data.get("description") or "").strip()
    if not description:
        problems.append(_("description is required"))
    elif len(description) > 4000:
        problems.append(_("description is at most 4000 characters"))
    name = " ".join(
        p
        for p in ((data.get("last_name") or "").strip(), (data.get("first_name") or "").strip())
        if p
    )[:100]
    phone = (data.get("phone") or "").strip()[:30]
    email = (data.get("email") or "").strip()[:254]
    if email and "@" not in email:
        problems.append(_("email is not an e-mail address"))
    media_url, media_problem = _media_url(data)
    if media_problem:
        problems.append(media_problem)
    attributes, attribute_problems = _attributes(data, category)
    problems.extend(attribute_problems)
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
        with transaction.atomic():
            registration = portal.submit_online(data=submission)
            handle = Open311Request.objects.create(
                case=registration.case,
                api_token=api_token,
                media_url=media_url,
                attributes=attributes,
            )
    except throttle.Throttled as exc:
        return too_many(fmt, exc)
    except ServiceError as exc:
        return error(fmt, 400, *exc.messages)
    rows = [
        {
            "service_request_id": registration.case.reference,
            "token": handle.token,
            "service_notice": _(
                "Status code for the resident portal (given only now, pass it to the "
                "resident): %(code)s"
            )
            % {"code": registration.status_code},
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", "request", rows, status=201)
