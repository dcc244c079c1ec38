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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import events, privacy, public_stages, services, sms, status_codes
from casework.models import (
    OPEN_REFERRAL_STATUSES,
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
from core.names import list_separator

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
            privacy_notice_version=privacy.NOTICE_VERSION,
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
                last_stage=public_stages.RECEIVED,  # the receipt's text says so
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

PLAIN_WORDS = {
    Status.REGISTERED: gettext_lazy("We have received your grievance and will look at it soon."),
    Status.ACCEPTED: gettext_lazy("Your grievance has been accepted and will be assigned."),
    Status.IN_PROGRESS: gettext_lazy("An officer is working on your case."),
    Status.WAITING: gettext_lazy(
        "We are waiting for a reply from another body or a party; the deadline is paused."
    ),
    # The rating card below asks for the rating (and only while one is owed): the summary
    # line must not go on asking after the resident has answered.
    Status.RESOLVED: gettext_lazy("Your case has been resolved."),
    Status.CLOSED: gettext_lazy("Your case is closed."),
    Status.REOPENED: gettext_lazy("Your case has been reopened and is being handled again."),
    Status.ARCHIVED: gettext_lazy("Your case is closed and archived."),
    Status.REJECTED: gettext_lazy("Your grievance could not be accepted. The reason is below."),
    Status.WITHDRAWN: gettext_lazy("Your grievance was withdrawn."),
    Status.MERGED: gettext_lazy(
        "Your grievance joined another case about the same matter; it is followed there."
    ),
}


@dataclass(frozen=True)
class Pause:
    """Why a waiting case's time limit is paused, and the date it is now expected by."""

    bodies: str  # the organisations it waits for ("" when it waits for a party)
    reply_due: object  # the latest date they are to reply by (None without a referral)
    expected: object  # the case's expected date if they reply when due


def pause_of(case: Case) -> Pause | None:
    """The pause of a waiting case (None for any other): whom it waits for, by when, and
    the new expected date (``public_stages.expected_date``), so the page says one thing
    instead of "paused" above a due date that no longer holds."""
    if case.status != Status.WAITING:
        return None
    referrals = list(
        case.referrals.filter(status__in=list(OPEN_REFERRAL_STATUSES))
        .select_related("organisation")
        .order_by("reply_due")
    )
    reply_due = max((r.reply_due for r in referrals), default=None)
    return Pause(
        bodies=list_separator().join(r.organisation.name for r in referrals),
        reply_due=reply_due,
        expected=public_stages.expected_date(
            due=case.due_date,
            waiting_since=public_stages.local_date(case.waiting_since),
            until=reply_due,
            today=timezone.localdate(),
        ),
    )


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


# The one tap's three answers (the 12345 hotline's 满意 / 基本满意 / 不满意): each records
# the three scores at its level until the resident gives details; "basically satisfied"
# counts as satisfied, as in the hotline's satisfaction rate.
VERDICTS = {
    "satisfied": (5, True),
    "basically": (4, True),
    "not_satisfied": (2, False),
}
VERDICT_LABELS = {
    "satisfied": gettext_lazy("Satisfied"),
    "basically": gettext_lazy("Basically satisfied"),
    "not_satisfied": gettext_lazy("Not satisfied"),
}


def verdict_of(rating: Rating) -> str:
    """The one-tap answer a rating stands for (from its overall verdict and result)."""
    if not rating.satisfied:
        return "not_satisfied"
    return "satisfied" if rating.result >= 5 else "basically"


def rate_in_one_tap(*, case: Case, verdict: str) -> Rating:
    """The resident's rating in one tap (``VERDICTS``); details may follow
    (``rating_add_details``), and a dissatisfied resident may then ask to reopen
    (``request_reopen``). Refused when the case cannot be rated now (rated already)."""
    if verdict not in VERDICTS:
        raise TransitionRefused(_("Choose one of the three answers."))
    score, satisfied = VERDICTS[verdict]
    return rate_case(case=case, efficiency=score, attitude=score, result=score, satisfied=satisfied)


def rating_add_details(*, case: Case, comment: str) -> Rating:
    """The resident's optional words after rating, once: kept on the newest rating of the
    case's current resolution."""
    comment = (comment or "").strip()
    if not comment:
        raise TransitionRefused(_("Write what you would like to tell us."))
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        rating = _current_rating(case)
        if rating is None or rating.comment:
            raise TransitionRefused(_("There is no rating to add to."))
        rating.comment = comment[:5000]
        rating.save(update_fields=["comment"])
    return rating


def _current_rating(case: Case) -> Rating | None:
    if case.resolved_at is None:
        return None
    return (
        Rating.objects.filter(case=case, created_at__gte=case.resolved_at)
        .order_by("-created_at", "-id")
        .first()
    )


def reopen_contact_due(rating: Rating):
    """By when the committee contacts the resident about their request to reopen."""
    return public_stages.reopen_contact_due(rating.created_at)


def request_reopen(*, case: Case, reason: str = "") -> Rating:
    """A dissatisfied resident asks to reopen the case they rated: the request joins the
    officer's 需要我处理 list (handled when the case is reopened or closed), with the
    resident's reason as they wrote it. Once per rating; refused after a satisfied rating
    or once the case has moved on."""
    reason = (reason or "").strip()[:5000]
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        rating = _current_rating(case)
        if (
            rating is None
            or rating.satisfied
            or case.status
            not in (
                Status.RESOLVED,
                Status.CLOSED,
            )
        ):
            raise TransitionRefused(_("Only a case you were not satisfied with can be reopened."))
        if rating.reopen_requested:
            raise TransitionRefused(_("You have already asked to reopen this case."))
        rating.reopen_requested = True
        rating.reopen_reason = reason
        rating.save(update_fields=["reopen_requested", "reopen_reason"])
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.RATING,
            code=events.REOPEN_REQUESTED,
            note=reason,
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
