"""Residents' rights over their personal information (PIPL Art. 44–47): the services
behind the staff workflow (casework/rights_views.py).

A request is received after the requester's identity is checked (Art. 50: the handler
verifies who asks), gets a deadline, and is answered with its legal basis recorded:

- see (Art. 45) and copy (Art. 45 para. 3 — a machine-readable copy, ``data_copy``): the
  parties' rows of the requester's cases and what they told us;
- correct (Art. 46): the corrected name, phone or address on those rows;
- delete (Art. 47): granted when every case of theirs has ended, by clearing their party
  rows as de-identification does; refused — with the reason recorded and told — while a
  case is open (the purpose is not achieved, Art. 47(1)(1)) or when it is archived (the
  archival retention of 档案法 Art. 19 and the street's archive rules applies: Art. 47
  para. 2, storage only).
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import deidentify, permissions, portal_reads
from casework.calendar import add_working_days
from casework.models import (
    OPEN_STATUSES,
    Case,
    Organisation,
    Party,
    Place,
    RightsKind,
    RightsRequest,
    RightsStatus,
    SmsMessage,
    StageAlert,
    Status,
)
from casework.phones import phone_key
from casework.roles import Role
from core.exceptions import ActionForbidden, TransitionRefused

BASIS = {
    RightsKind.ACCESS: "《个人信息保护法》第四十五条",
    RightsKind.COPY: "《个人信息保护法》第四十五条",
    RightsKind.CORRECT: "《个人信息保护法》第四十六条",
    RightsKind.DELETE: "《个人信息保护法》第四十七条",
}
REFUSED_OPEN = "《个人信息保护法》第四十七条第一款第（一）项（处理目的尚未实现）"
REFUSED_ARCHIVED = "《个人信息保护法》第四十七条第二款；《中华人民共和国档案法》第十九条"


def answer_due(received_on: dt.date) -> dt.date:
    """When an answer is due: ``RIGHTS_REQUEST_WORKING_DAYS`` working days after receipt
    (holidays and 调休 counted by casework.calendar). PIPL Art. 50 asks for a prompt
    answer; GB/T 35273-2020 §8.7 c) sets at most 30 days — 15 working days stays inside
    it even across the Spring Festival."""
    return add_working_days(received_on, settings.LINLI["RIGHTS_REQUEST_WORKING_DAYS"])


HANDLERS = {Role.MEDIATOR, Role.SUPERVISOR}


def handling_organisation_ids(user) -> list[int]:
    """The organisations whose requests ``user`` receives and answers: those where they
    are a mediator or supervisor."""
    return sorted({g.organisation_id for g in permissions.grants(user) if g.role in HANDLERS})


def can_handle(user, organisation: Organisation) -> bool:
    """Mediators and supervisors of ``organisation`` receive and answer its requests."""
    return user.is_superuser or organisation.pk in handling_organisation_ids(user)


def requests_for(user):
    """The requests of the user's organisations (superusers: all)."""
    qs = RightsRequest.objects.select_related("organisation")
    if user.is_superuser:
        return qs
    return qs.filter(organisation_id__in=handling_organisation_ids(user))


def receive(
    *,
    actor,
    organisation: Organisation,
    kind: str,
    name: str,
    phone: str,
    identity_checked: str,
    details: str = "",
) -> RightsRequest:
    """Record a request once the requester's identity has been checked (``identity_checked``
    names the document seen); its answer is due by ``answer_due``."""
    if not can_handle(actor, organisation):
        raise ActionForbidden(_("You cannot receive requests for this organisation."))
    if kind not in RightsKind.values:
        raise TransitionRefused(_("Choose what the resident asks for."))
    if not (identity_checked or "").strip():
        raise TransitionRefused(_("Check the requester's identity and say against what."))
    if not phone_key(phone):
        raise TransitionRefused(
            _("Give the phone number the resident's cases were registered with.")
        )
    today = timezone.localdate()
    return RightsRequest.objects.create(
        organisation=organisation,
        kind=kind,
        name=name.strip(),
        phone=phone.strip(),
        identity_checked=identity_checked.strip(),
        details=(details or "").strip(),
        received_on=today,
        due_date=answer_due(today),
        received_by=actor,
    )


def parties_of(request: RightsRequest):
    """The requester's party rows: same phone number, on cases in the organisation's area."""
    area = Q(pk__in=[])
    for place in request.organisation.places.all():
        area |= Q(path__startswith=place.path)
    return (
        Party.objects.filter(
            phone_key=request.phone_key, case__place__in=Place.objects.filter(area)
        )
        .select_related("case", "case__category", "case__place")
        .order_by("case__created_at", "pk")
    )


def data_copy(request: RightsRequest) -> dict:
    """The requester's data, machine-readable (PIPL Art. 45 para. 3): each case of theirs
    with what they gave and told us — not the staff's notes or other people's data."""
    cases = []
    for party in parties_of(request):
        case = party.case
        cases.append(
            {
                "reference": case.reference,
                "registered_at": case.created_at.isoformat(),
                "category": str(case.category),
                "place": case.place.full_name,
                "status": case.status,
                "role": party.role,
                "name": party.name,
                "phone": party.phone,
                "address": party.address,
                "email": party.email,
                "description": case.description,
                "requests": case.requests,
                "privacy_notice_version": case.privacy_notice_version,
            }
        )
    return {
        "format": "linli-personal-data/1",
        "produced_at": timezone.now().isoformat(),
        "controller": request.organisation.name,
        "requester": {"name": request.name, "phone": request.phone},
        "cases": cases,
    }


def data_copy_json(request: RightsRequest) -> str:
    return json.dumps(data_copy(request), ensure_ascii=False, indent=2)


def deletion_hold(request: RightsRequest) -> tuple[str, str] | None:
    """Why the requester's data may not be deleted now — (reason, legal basis) — or None."""
    statuses = {p.case.status for p in parties_of(request)}
    if statuses & set(OPEN_STATUSES) or Status.RESOLVED in statuses:
        return (
            _("A case of yours is still being handled: its purpose is not yet achieved."),
            REFUSED_OPEN,
        )
    if Status.ARCHIVED in statuses:
        return (
            _(
                "A case of yours is in the archive, which the archival rules require us to keep; "
                "it is stored only and used for nothing else."
            ),
            REFUSED_ARCHIVED,
        )
    return None


def answer(
    *,
    request: RightsRequest,
    actor,
    answer: str,
    corrected_name: str = "",
    corrected_phone: str = "",
    corrected_address: str = "",
) -> RightsRequest:
    """Answer ``request``: apply a correction or a deletion where the law allows, refuse a
    deletion under a hold (its reason recorded as the answer), and record the legal
    basis, who answered and when. One transaction; an answered request is final."""
    if not can_handle(actor, request.organisation):
        raise ActionForbidden(_("You cannot answer requests for this organisation."))
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RightsStatus.OPEN:
            raise TransitionRefused(_("This request has already been answered. Reload the page."))
        text = (answer or "").strip()
        status, basis = RightsStatus.DONE, BASIS[locked.kind]
        parties = list(parties_of(locked))
        if locked.kind == RightsKind.CORRECT:
            if not (corrected_name or corrected_phone or corrected_address):
                raise TransitionRefused(_("Give the corrected name, phone number or address."))
            for party in parties:
                party.name = corrected_name.strip() or party.name
                party.phone = corrected_phone.strip() or party.phone
                party.address = corrected_address.strip() or party.address
                party.save()
        elif locked.kind == RightsKind.DELETE:
            hold = deletion_hold(locked)
            if hold:
                status, basis = RightsStatus.REFUSED, hold[1]
                text = f"{hold[0]} {text}".strip()
            else:
                for party in parties:
                    _forget(party)
        if not text:
            raise TransitionRefused(_("Write the answer given to the resident."))
        locked.status, locked.legal_basis, locked.answer = status, basis, text
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.save()
    return locked


def _forget(party: Party) -> None:
    """Delete one party's personal data from its case (its row stays, as 某某, so the
    case and the statistics keep their shape)."""
    case = Case.objects.select_for_update().get(pk=party.case_id)
    literals = [party.phone, party.address, party.email]
    fields = {
        name: deidentify.scrub(getattr(case, name), names=[party.name], literals=literals)
        for name in deidentify.TEXT_FIELDS
    }
    Case.objects.filter(pk=case.pk).update(**fields)
    # The resident's cached status page keeps its key (nothing its users see changed):
    # the scrubbed words go from it now.
    transaction.on_commit(functools.partial(portal_reads.forget_summaries, case.pk))
    if party.phone_key:  # the texts to this number about the case, and its stage alert
        SmsMessage.objects.filter(case_id=case.pk, to_key=party.phone_key).update(
            to="", to_key="", body=""
        )
        StageAlert.objects.filter(case_id=case.pk, phone_key=party.phone_key).delete()
    party.name, party.phone, party.address, party.email = deidentify.ANONYMOUS, "", "", ""
    party.save()
