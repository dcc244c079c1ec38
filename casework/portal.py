"""The resident's side: online submission, status look-up, rating, added information.

Residents have no account. They prove themselves with a reference and a secret code;
look-ups and submissions go through the one limiter (core.throttle), and wrong or
throttled look-ups are written to the security record with the reference hashed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import events, services, sms, stage_alerts, status_codes
from casework.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Channel,
    EventKind,
    Organisation,
    OrgKind,
    Place,
    PlaceKind,
    Rating,
    SmsPurpose,
    StageAlert,
    Status,
)
from casework.phones import phone_key
from core import throttle
from core.audit import pseudonym, record
from core.exceptions import TransitionRefused
from core.job_kinds import mail
from core.models import SecurityEventKind

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- submission


@dataclass(frozen=True)
class Submission:
    """What a resident typed into the public form."""

    category: object
    place: Place | None
    address: str
    description: str
    requests: str
    name: str
    phone: str
    email: str
    photos: tuple = ()
    # Text the resident at each new public stage (a mobile number only).
    sms_updates: bool = False


def _receiving_organisation(place: Place) -> Organisation | None:
    """The residents' committee covering the place, else the street office above it."""
    for kind in (OrgKind.RESIDENTS_COMMITTEE, OrgKind.STREET_OFFICE):
        orgs = Organisation.objects.filter(
            kind=kind, active=True, places__path__in=place.ancestor_paths
        ).order_by("-places__path")
        if orgs:
            return orgs[0]
    return None


def receiving_organisation(place: Place) -> Organisation | None:
    """Who receives a grievance at ``place`` that no officer registered (the portal,
    Open311, 12345 orders): the residents' committee covering it, else the street office."""
    return _receiving_organisation(place)


def default_place() -> Place | None:
    """Where a grievance with only a typed address lands: the street, if there is one."""
    streets = list(Place.objects.filter(kind=PlaceKind.STREET)[:2])
    return streets[0] if len(streets) == 1 else None


def admit_submission(address: str) -> None:
    """Count one online submission from ``address`` (portal and Open311 POST); raises
    ``core.throttle.Throttled`` past ``submission_address``. Called before the submission's
    transaction, so the security record of a refusal is not rolled back with it."""
    try:
        throttle.consume("submission_address", address)
    except throttle.Throttled as exc:
        if exc.first:
            record(SecurityEventKind.THROTTLED, address=address, detail={"door": exc.door})
        raise


def submit_online(*, data: Submission, status_code: str | None = None) -> services.Registration:
    """Register a resident's own grievance (channel online) and mail the receipt; the
    caller has admitted it (``admit_submission``). ``status_code`` is the code to issue (a
    one-time form token derives it; see ``casework.submissions``), else one is drawn.
    """
    place = data.place or default_place()
    if place is None:
        raise TransitionRefused(_("Choose where it happened."))
    organisation = _receiving_organisation(place)
    if organisation is None:
        raise TransitionRefused(_("No residents' committee covers this place yet."))
    # The receipt mail is queued in the registration's transaction (the outbox).
    with transaction.atomic():
        registration = services.case_register(
            actor=None,
            organisation=organisation,
            category=data.category,
            place=place,
            channel=Channel.ONLINE,
            description=data.description,
            requests=data.requests,
            address=data.address,
            parties=[
                services.PartyData(name=data.name, phone=data.phone, email=data.email),
            ],
            status_code=status_code,
        )
        case, code = registration.case, registration.status_code
        for photo in data.photos:
            # Checked again here (the form checked them for its errors): what is stored
            # is what casework.uploads accepts, without EXIF. Refused: nothing registered.
            services.attachment_add(case=case, actor=None, upload=photo, public=True)
        if data.email:
            _mail_receipt(case, code, data.email, translation.get_language())
        _text_receipt(case, code, data.phone, translation.get_language())
        if data.sms_updates and sms.is_mobile(data.phone):
            StageAlert.objects.create(
                case=case,
                phone=data.phone,
                phone_key=phone_key(data.phone),
                last_stage=stage_alerts.public_stage(case.status),
            )
    return registration


def _text_receipt(case: Case, code: str, phone: str, lang: str) -> None:
    """Text the reference and the code to a mobile number, in the registration's
    transaction (a provider outage delays it, retried, never loses it). The message holds
    the code, so its stored text is blanked once sent."""
    with translation.override(lang):
        body = _(
            "Your grievance was received. Reference %(ref)s, status code %(code)s. "
            "Follow it at %(site)s/r/status/ . Staff will never ask you for the code."
        ) % {"ref": case.reference, "code": code, "site": settings.LINLI["SITE_URL"]}
    sms.queue_sms(to=phone, body=body, purpose=SmsPurpose.RECEIPT, case=case, private=True)


def _mail_receipt(case: Case, code: str, email: str, lang: str) -> None:
    """Queue the receipt in the registration's transaction: the resident has it on screen,
    and a mail outage delays the mail (retried) instead of losing it. The mail holds the
    status code, so the outbox forgets its text once it is sent (a private mail job)."""
    with translation.override(lang):
        subject = _("Your grievance %(ref)s was received") % {"ref": case.reference}
        body = _(
            "Reference: %(ref)s\nStatus code: %(code)s\n\n"
            "Keep both to follow your case at %(site)s/r/status/ . "
            "Staff will never ask you for the code."
        ) % {"ref": case.reference, "code": code, "site": settings.LINLI["SITE_URL"]}
    mail(subject=subject, body=body, recipients=[email], private=True)


# ------------------------------------------------------------------------- look-up


def lookup(*, reference: str, code: str, address: str) -> Case | None:
    """The case for reference + code, None if they do not match; ``Throttled`` when the
    reference or the address has failed too often in the window (even with the right code).

    A wrong code and an unknown reference look the same to the caller; both are recorded
    in the security record with the reference hashed, never the code.
    """
    reference = (reference or "").strip()[:20]
    throttle.check("lookup_reference", reference)
    throttle.check("lookup_address", address)
    case = Case.objects.filter(reference=reference).first()
    if case is not None and status_codes.status_code_matches(case, code):
        return case
    if case is None:
        # Spend the same time as a real check so timing does not reveal the reference.
        status_codes.hash_matches(status_codes.DUMMY_HASH, code)
    locked = [
        usage.door
        for usage in (
            throttle.hit("lookup_reference", reference),
            throttle.hit("lookup_address", address),
        )
        if usage.count == usage.limit
    ]
    detail = {"reference": pseudonym(reference)}
    record(SecurityEventKind.LOOKUP_FAILED, address=address, detail=detail)
    if locked:
        record(SecurityEventKind.THROTTLED, address=address, detail={**detail, "doors": locked})
    return None


# -------------------------------------------------------------- stages for residents

STAGES = [
    (Status.REGISTERED, gettext_lazy("Received")),
    (Status.ACCEPTED, gettext_lazy("Accepted")),
    (Status.IN_PROGRESS, gettext_lazy("Being handled")),
    (Status.RESOLVED, gettext_lazy("Resolved")),
    (Status.CLOSED, gettext_lazy("Closed")),
]
_STAGE_OF = {
    Status.WAITING: Status.IN_PROGRESS,
    Status.REOPENED: Status.IN_PROGRESS,
    Status.ARCHIVED: Status.CLOSED,
}
PLAIN_WORDS = {
    Status.REGISTERED: gettext_lazy("We have received your grievance and will look at it soon."),
    Status.ACCEPTED: gettext_lazy("Your grievance has been accepted and will be assigned."),
    Status.IN_PROGRESS: gettext_lazy("An officer is working on your case."),
    Status.WAITING: gettext_lazy(
        "We are waiting for a reply from another body or a party; the deadline is paused."
    ),
    Status.RESOLVED: gettext_lazy("Your case has been resolved. Please tell us how we did."),
    Status.CLOSED: gettext_lazy("Your case is closed."),
    Status.REOPENED: gettext_lazy("Your case has been reopened and is being handled again."),
    Status.ARCHIVED: gettext_lazy("Your case is closed and archived."),
    Status.REJECTED: gettext_lazy("Your grievance could not be accepted. The reason is below."),
    Status.WITHDRAWN: gettext_lazy("Your grievance was withdrawn."),
    Status.MERGED: gettext_lazy(
        "Your grievance joined another case about the same matter; it is followed there."
    ),
}


def stages(case: Case) -> list[dict]:
    """The progress bar: each stage done, current or to come."""
    current = _STAGE_OF.get(case.status, case.status)
    keys = [s for s, _label in STAGES]
    at = keys.index(current) if current in keys else -1
    return [
        {"label": label, "state": "done" if i < at else "current" if i == at else "todo"}
        for i, (_status, label) in enumerate(STAGES)
    ]


def can_rate(case: Case) -> bool:
    """Whether the resident may rate the case now (resolved or closed, not rated since)."""
    return can_rate_facts(case.pk, case.status, case.resolved_at)


def can_rate_facts(case_id: int, status: str, resolved_at) -> bool:
    """A resolved (or closed) case not rated since its resolution can be rated."""
    if status not in (Status.RESOLVED, Status.CLOSED) or resolved_at is None:
        return False
    return not Rating.objects.filter(case_id=case_id, created_at__gte=resolved_at).exists()


# -------------------------------------------------------------------- rate, add info


def rate_case(
    *,
    case: Case,
    efficiency: int,
    attitude: int,
    result: int,
    satisfied: bool,
    comment: str = "",
    reopen_reason: str = "",
) -> Rating:
    """Record the resident's rating; a dissatisfied resident may ask to reopen."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not can_rate(case):
            raise TransitionRefused(_("This case cannot be rated now."))
        reopen_reason = (reopen_reason or "").strip()
        rating = Rating.objects.create(
            case=case,
            efficiency=efficiency,
            attitude=attitude,
            result=result,
            satisfied=satisfied,
            comment=(comment or "").strip(),
            reopen_requested=not satisfied and bool(reopen_reason),
            reopen_reason=reopen_reason if not satisfied else "",
        )
        scores = {
            "e": efficiency,
            "a": attitude,
            "r": result,
            "verdict": "satisfied" if satisfied else "not_satisfied",
        }
        # A request to reopen carries the resident's reason as the note, as they wrote it.
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.RATING,
            code=events.RATED_REOPEN if rating.reopen_requested else events.RATED,
            params=scores,
            note=reopen_reason if rating.reopen_requested else "",
            is_public=False,
        )
    return rating


def resident_add_information(*, case: Case, text: str, upload=None) -> CaseEvent:
    """A resident's follow-up on their open case: a public note, optionally with a photo."""
    text = (text or "").strip()
    if case.status not in OPEN_STATUSES:
        raise TransitionRefused(_("Information can be added while the case is open."))
    if not text and upload is None:
        raise TransitionRefused(_("Write what you want to add, or choose a photo."))
    with transaction.atomic():
        if upload is not None:
            services.attachment_add(case=case, actor=None, upload=upload, public=True)
        return CaseEvent.objects.create(
            case=case,
            kind=EventKind.RESIDENT,
            code="" if text else events.PHOTO_ADDED,
            note=text,
            is_public=True,
        )
