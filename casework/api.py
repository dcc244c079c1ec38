"""The REST API (Django REST framework, OpenAPI 3 by drf-spectacular).

Organisations read the referrals sent to them and act on them; the street registers cases
(e.g. from 12345 hotline orders, deduplicated on the order number) and reads cases and
their public timelines. Every queryset comes from the same selectors as the pages and every
action from the same services: the API cannot do anything the pages would refuse.
"""

from __future__ import annotations

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response

from casework import selectors, services
from casework.filters import CaseFilter, ReferralFilter
from casework.models import (
    Case,
    Category,
    Channel,
    Outcome,
    Place,
    PlaceKind,
    Priority,
    Referral,
    ReturnReason,
)
from casework.paging import CappedPagination
from core import idempotency
from core.exceptions import ActionForbidden, ConcurrentChange, ServiceError


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Changed by someone else: fetch it again and retry."


def _raise(exc: ServiceError):
    if isinstance(exc, ActionForbidden):
        raise PermissionDenied(" ".join(exc.messages))
    if isinstance(exc, ConcurrentChange):
        raise Conflict(" ".join(exc.messages))
    raise ValidationError({"detail": exc.messages})


# ------------------------------------------------------------------ referrals


class ReferralSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    category = serializers.CharField(source="case.category.code", read_only=True)
    place = serializers.CharField(source="case.place.full_name", read_only=True)
    description = serializers.CharField(source="case.description", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "version",
            "case_reference",
            "category",
            "place",
            "description",
            "organisation",
            "role",
            "kind",
            "instructions",
            "needs_contact",
            "status",
            "sign_due",
            "reply_due",
            "signed_at",
            "replied_at",
            "reply",
            "under_supervision",
            "is_overdue",
        ]
        read_only_fields = fields


ORGANISATION_ACTIONS = [
    name
    for name, t in services.all_referral_transitions().items()
    if t.custom.get("side") == "organisation"
]


class ReferralActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ORGANISATION_ACTIONS)
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    return_reason = serializers.ChoiceField(
        choices=ReturnReason.choices, required=False, allow_blank=True, default=""
    )
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    reply = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")


class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    """The referrals sent to the token's organisation — another's is a 404."""

    serializer_class = ReferralSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReferralFilter
    pagination_class = CappedPagination

    def get_queryset(self):
        return (
            selectors.referrals_visible_to(self.request.user)
            .select_related("case", "case__category", "case__place", "organisation")
            .order_by("reply_due", "id")
        )

    @extend_schema(
        request=ReferralActionSerializer,
        responses={
            200: ReferralSerializer,
            400: OpenApiResponse(description="The action is not possible or lacks input."),
            403: OpenApiResponse(description="Not allowed."),
            409: OpenApiResponse(description="Changed by someone else."),
        },
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        """Sign for, reply, request return or extension (the organisation's actions)."""
        referral = self.get_object()
        data = ReferralActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        name = params.pop("action")
        version = params.pop("version")
        try:
            referral = services.referral_transition(
                referral=referral, name=name, actor=request.user, expected_version=version, **params
            )
        except ServiceError as exc:
            _raise(exc)
        return Response(ReferralSerializer(referral).data)


# ---------------------------------------------------------------------- cases


class CaseSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)
    # Blank until the case ends (Schemathesis caught the schema saying otherwise).
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    place = serializers.CharField(source="place.full_name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "external_ref",
            "channel",
            "category",
            "place",
            "status",
            "priority",
            "created_at",
            "due_date",
            "is_overdue",
            "outcome",
            "resolution_summary",
        ]
        read_only_fields = fields


class CodeField(serializers.SlugRelatedField):
    """A row by its code. A code with a NUL character is simply unknown: PostgreSQL refuses
    such text outright (a 500 before this; Schemathesis found it)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class CaseCreateSerializer(serializers.Serializer):
    category = CodeField(slug_field="code", queryset=Category.objects.filter(active=True))
    place = serializers.PrimaryKeyRelatedField(
        queryset=Place.objects.filter(
            kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL, PlaceKind.AREA]
        )
    )
    description = serializers.CharField(max_length=20000)
    requests = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE], default=Channel.HOTLINE
    )
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.GENERAL)
    applicant_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    # Blank is allowed, so the pattern allows it too: a default that violates its own
    # pattern made the schema invalid (openapi-spec-validator).
    applicant_phone = serializers.RegexField(
        r"^(\+?[0-9][0-9 \-]{4,24})?$", max_length=30, required=False, allow_blank=True, default=""
    )


IDEMPOTENCY_HEADER = "Idempotency-Key"
# Printable ASCII, no leading or trailing space (an HTTP header value would lose it).
_IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$"
_IDEMPOTENCY_KEY = re.compile(_IDEMPOTENCY_KEY_PATTERN)
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": _IDEMPOTENCY_KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choice, unique per request you mean to make once (a UUID, or the "
        "hotline order number plus an attempt number). Sending the same key and body "
        "again, e.g. after a timeout, returns the first answer (status and body, with "
        "`Idempotent-Replayed: true`) and makes nothing new; the same key with another "
        "body is answered 422. Keys belong to your token and are kept "
        "LINLI_IDEMPOTENCY_HOURS (24) hours. A request that fails (4xx) keeps nothing."
    ),
)


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


# Database ids: positive 64-bit integers (the schema said "integer" and a fuzzer sent
# -1839819549999436775433499997896704).
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
ID_FILTER_PARAMETERS = [
    OpenApiParameter(
        name=name,
        type=ID_SCHEMA,
        location=OpenApiParameter.QUERY,
        required=False,
        description=description,
    )
    for name, description in (
        ("category", "Category id; an id you cannot see matches nothing."),
        ("place", "Place id (that place and everything below it); matches nothing if unseen."),
        ("assigned_officer", "Officer's user id; an id you cannot see matches nothing."),
        ("cell", "Grid cell (微网格) id: cases on its buildings; matches nothing if unseen."),
    )
]


TEXT_FILTER = OpenApiParameter(
    name="q",
    # Form fields refuse the NUL character (PostgreSQL cannot store it): say so.
    type={"type": "string", "pattern": "^[^\\u0000]*$"},
    location=OpenApiParameter.QUERY,
    required=False,
    description="Text in the reference, the description or a party's name.",
)


@extend_schema_view(list=extend_schema(parameters=[*ID_FILTER_PARAMETERS, TEXT_FILTER]))
class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases in the token's area. POST registers one; a hotline order number already
    registered returns the existing case (200) instead of a second one (201)."""

    serializer_class = CaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    pagination_class = CappedPagination  # a count that stops at 10,000 (casework.paging)

    def get_queryset(self):
        return (
            selectors.cases_visible_to(self.request.user)
            .select_related("category", "place")
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self):
        return CaseCreateSerializer if self.action == "create" else CaseSerializer

    def filter_queryset(self, queryset):
        # CaseFilter scopes its choices to the user (as on the case list).
        if self.action != "list":
            return queryset
        case_filter = CaseFilter(
            self.request.query_params, queryset=queryset, user=self.request.user
        )
        if not case_filter.is_valid():
            if self._names_only_unknown_rows(case_filter):
                return queryset.none()
            raise ValidationError(case_filter.errors)
        return case_filter.qs

    # Filters by id: an id that is well formed but names no row the token can see (or none
    # at all) matches nothing — an empty page, as for any other filter — instead of 400.
    ID_FILTERS = frozenset({"category", "place", "assigned_officer", "cell"})

    def _names_only_unknown_rows(self, case_filter) -> bool:
        errors = case_filter.errors.as_data()
        return set(errors) <= self.ID_FILTERS and all(
            re.fullmatch(r"[1-9]\d{0,18}", self.request.query_params.get(name, ""))
            and int(self.request.query_params[name]) <= ID_SCHEMA["maximum"]
            and all(e.code == "invalid_choice" for e in errors[name])
            for name in errors
        )

    @extend_schema(
        request=CaseCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: CaseSerializer,
            201: CaseSerializer,
            422: OpenApiResponse(
                response=inline_serializer(
                    "IdempotencyKeyReused", {"detail": serializers.CharField()}
                ),
                description="The Idempotency-Key was used before with a different body.",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Register a case. With an ``Idempotency-Key`` header, the same key and body sent
        again (even at the same moment) get the first answer again, status and body, with
        ``Idempotent-Replayed: true``; the same key with another body gets 422."""
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return self._create(request)
        if not _IDEMPOTENCY_KEY.match(key):
            raise ValidationError(
                {IDEMPOTENCY_HEADER: ["Use 1 to 255 printable ASCII characters."]}
            )
        # Keys belong to the token that sent them: another system's key is another key.
        scope = f"api:{request.auth.pk}"
        body = request.data
        fingerprint = idempotency.fingerprint(
            {k: body.getlist(k) for k in body} if hasattr(body, "getlist") else body
        )
        previous = idempotency.lookup(scope=scope, key=key)
        try:
            if previous is None:
                outcome = idempotency.run_once(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    work=lambda: self._create(request),
                    # The body as text: a JSON column (jsonb) would reorder its keys.
                    remember=lambda response: {
                        "status": response.status_code,
                        "body": json.dumps(response.data, cls=DjangoJSONEncoder),
                    },
                )
                if not outcome.replayed:
                    return outcome.value
                previous = outcome.previous
            elif not previous.same_content(fingerprint):
                raise idempotency.KeyReused(previous)
        except idempotency.KeyReused:
            return Response(
                {
                    "detail": "This Idempotency-Key was used with a different request body; "
                    "use a new key for a new request."
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(
            json.loads(previous.result["body"]),
            status=previous.result["status"],
            headers={"Idempotent-Replayed": "true"},
        )

    def _create(self, request) -> Response:
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        ref = d["external_ref"].strip()
        if ref:
            existing = Case.objects.filter(external_ref=ref).first()
            if existing is not None:
                if not selectors.cases_visible_to(request.user).filter(pk=existing.pk).exists():
                    raise ValidationError({"external_ref": ["Registered elsewhere already."]})
                return Response(CaseSerializer(existing).data, status=status.HTTP_200_OK)
        organisation = selectors.receiving_organisation(request.user, d["place"])
        if organisation is None:
            raise PermissionDenied("The place is not in this token's area.")
        parties = []
        if d["applicant_name"].strip():
            parties.append(services.PartyData(name=d["applicant_name"], phone=d["applicant_phone"]))
        try:
            registration = services.case_register(
                actor=request.user,
                organisation=organisation,
                category=d["category"],
                place=d["place"],
                channel=d["channel"],
                description=d["description"],
                requests=d["requests"],
                priority=d["priority"],
                address=d["address"],
                external_ref=ref,
                parties=parties,
            )
        except ServiceError as exc:
            _raise(exc)
        except IntegrityError:  # the same order posted twice at the same moment
            existing = Case.objects.filter(external_ref=ref).first()
            if existing is None:
                raise
            return Response(CaseSerializer(existing).data, status=status.HTTP_200_OK)
        return Response(CaseSerializer(registration.case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer("Timeline", {"results": TimelineEntrySerializer(many=True)})
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """The case's public timeline (what the resident sees)."""
        case = self.get_object()
        events = selectors.case_timeline(case, public_only=True)
        return Response({"results": TimelineEntrySerializer(events, many=True).data})


ERROR_RESPONSES = {
    "400": "Invalid input, filter or page; the reasons are in the body.",
    "401": "No token, or an invalid or revoked one.",
    "403": "The token's organisation may not do this.",
    "404": "Not found, or not this organisation's (another organisation's records are 404).",
    "409": "Changed by someone else since it was read.",
    "429": "Too many requests.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing: every operation documents the error answers the
    API can give, with a JSON body (so Schemathesis holds us to them)."""
    body = {"application/json": {"schema": {"type": "object", "additionalProperties": True}}}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": body})
    return result


@csrf_exempt  # no cookie-borne authority: the API takes tokens only
def not_found(request, rest: str = ""):
    """Any path under /api/ that names no operation: the API's JSON 404 (``detail``), for
    every method, instead of Django's HTML page."""
    return JsonResponse(
        {"detail": f"No API operation at {request.path[:200]}: see /api/v1/schema/."},
        status=404,
    )


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def require_non_blank(result, generator, request, public):
    """drf-spectacular post-processing: a required text field of a request body must not
    be blank (DRF's allow_blank=False, after trimming): say ``minLength: 1`` and a
    non-space character, so clients and fuzzers know before the 400. Only bodies that are
    never responses: a response's required text may well be empty."""
    requested, answered = set(), set()
    for path in result.get("paths", {}).values():
        for operation in path.values():
            requested |= _refs(operation.get("requestBody", {}))
            answered |= _refs(operation.get("responses", {}))
    schemas = result.get("components", {}).get("schemas", {})
    for name in requested - answered:
        schema = schemas.get(name, {})
        for field in schema.get("required", []):
            prop = schema.get("properties", {}).get(field, {})
            if prop.get("type") == "string" and "enum" not in prop and not prop.get("readOnly"):
                prop.setdefault("minLength", 1)
                prop.setdefault("pattern", "\\S")
    return result
