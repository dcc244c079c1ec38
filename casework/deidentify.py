"""Cases past retention lose their personal data (PIPL Art. 19, 47, 73(4)).

Two kinds, each with its own retention counted from the case's end (settings
``LINLI["PII_RETENTION_DAYS"]``, the cut-off from ``core.retention.personal_data_cutoff``):

- **contact** — the parties' phone numbers, addresses and e-mail, the case's detailed
  address, and those numbers and addresses wherever the case's free text repeats them;
- **identity** — the parties' names (→ "某某"), those names in the free text, and a 12345
  order's caller (already masked by the hotline).

What stays: the case row with its reference, category, place, dates, statuses and
outcome, so the summary tables (``casework.tallies``), the reports and the SLA history
are unchanged; the case log (``CaseEvent``, hashed and chained by #24) is not touched;
archived records (signed PDF/A files with their checksums in the archive register) are
kept as the archival rules require (PIPL Art. 47 para. 2: storage only) and still verify.

A case "ends" when it is closed (``closed_at``) or archived, or, for a case rejected,
withdrawn or merged into another, at its last change (``updated_at``) in that state.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from casework import portal_reads
from casework.models import (
    Case,
    HotlineOrder,
    Party,
    PhoneCode,
    SmsMessage,
    SmsPurpose,
    StageAlert,
    Status,
)
from core.audit import record
from core.models import SecurityEventKind
from core.retention import personal_data_cutoff

logger = logging.getLogger("linli.pii")

ANONYMOUS = "某某"
REMOVED = "***"
# Free-text fields of a case that may repeat a party's name, number or address.
TEXT_FIELDS = ("description", "requests", "resolution_summary", "status_reason")
BATCH = 200

# Numbers recognised in free text even when no party field holds them: mainland mobiles
# (+86 allowed, spaces or dashes between groups), landlines with an area code, and
# resident ID numbers (GB 11643, 18 characters; the 15-digit first generation).
_NUMBERS = re.compile(
    r"(?<![\dA-Za-z])(?:"
    r"\d{17}[\dXx]|\d{15}"
    r"|(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"
    r"|0\d{2,3}[- ]?\d{7,8}"
    r")(?![\dA-Za-z])"
)

_ENDED = (Status.CLOSED, Status.ARCHIVED)
_STOPPED = (Status.REJECTED, Status.WITHDRAWN, Status.MERGED)
_CLEARED = {"contact": "contact_cleared_at", "identity": "identity_cleared_at"}


@dataclass
class Run:
    """What one run did (or, dry, would do): case ids per kind."""

    dry_run: bool
    cutoffs: dict[str, dt.datetime] = field(default_factory=dict)
    cases: dict[str, list[int]] = field(default_factory=dict)
    # One-time-code texts and code rows (about no case) past a day, removed (#22).
    code_texts: int = 0


def due(kind: str, *, now: dt.datetime | None = None) -> QuerySet:
    """Cases whose ``kind`` of personal data is past retention and not yet cleared."""
    cutoff = personal_data_cutoff(
        now=now or timezone.now(), retention_days=settings.LINLI["PII_RETENTION_DAYS"][kind]
    )
    ended = Q(status__in=_ENDED, closed_at__lte=cutoff) | Q(
        status__in=_STOPPED, updated_at__lte=cutoff
    )
    return Case.objects.filter(ended, **{f"{_CLEARED[kind]}__isnull": True}).order_by("pk")


def scrub(text: str, *, names=(), literals=()) -> str:
    """``text`` with every name in ``names`` replaced by 某某 and every string in
    ``literals`` (numbers, addresses as typed) and every phone or ID number removed."""
    if not text:
        return text
    for literal in sorted({s for s in literals if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(literal, REMOVED)
    text = _NUMBERS.sub(REMOVED, text)
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, ANONYMOUS)
    return text


def _clear(kind: str, case: Case, parties: list[Party], now: dt.datetime) -> None:
    if kind == "contact":
        literals = [case.address]
        for p in parties:
            literals += [p.phone, p.address, p.email, "".join(c for c in p.phone if c.isdigit())]
        names: list[str] = []
        for p in parties:
            p.phone = p.address = p.email = p.phone_key = ""
        Party.objects.bulk_update(parties, ["phone", "address", "email", "phone_key"])
        # The texts sent about the case: the number, and words that may quote the code.
        SmsMessage.objects.filter(case_id=case.pk).update(to="", to_key="", body="")
        StageAlert.objects.filter(case_id=case.pk).delete()
        case_fields = {"address": ""}
    else:
        literals, names = [], [p.name for p in parties]
        for p in parties:
            p.name = ANONYMOUS
        Party.objects.bulk_update(parties, ["name"])
        # The 12345 order's caller, as the hotline masked them (王**, 139****5678).
        HotlineOrder.objects.filter(case_id=case.pk).update(caller=ANONYMOUS, caller_phone="")
        case_fields = {}
    for name in TEXT_FIELDS:
        case_fields[name] = scrub(getattr(case, name), names=names, literals=literals)
    # update(), not save(): no version bump, no signal, updated_at kept — the case did not
    # change in any way its users or the statistics see.
    Case.objects.filter(pk=case.pk).update(**case_fields, **{_CLEARED[kind]: now})
    # Nor does the resident's cached status page see a change: its words go now.
    transaction.on_commit(functools.partial(portal_reads.forget_summaries, case.pk))


# A one-time code is good for minutes; its text and its row are kept a day (delivery
# questions), then removed: they are about a number, not a case, so no case retention
# would ever clear them.
CODE_TEXTS_KEPT = dt.timedelta(days=1)


def purge_code_texts(*, now: dt.datetime, dry_run: bool = False) -> int:
    """Remove 我的诉求's code texts and code rows older than ``CODE_TEXTS_KEPT``; returns
    how many texts (or, dry, would be)."""
    before = now - CODE_TEXTS_KEPT
    texts = SmsMessage.objects.filter(
        case__isnull=True, purpose=SmsPurpose.CODE, created_at__lt=before
    )
    count = texts.count()
    if not dry_run:
        texts.delete()
        PhoneCode.objects.filter(created_at__lt=before).delete()
    return count


def deidentify(*, dry_run: bool = False, now: dt.datetime | None = None) -> Run:
    """Clear the personal data of every case past retention, kind by kind (contact
    first, so a case past both loses its numbers before its names), in batches of
    ``BATCH`` cases, each its own transaction. With ``dry_run`` only say which cases.
    Logged, and recorded in the security record (counts only)."""
    now = now or timezone.now()
    run = Run(dry_run=dry_run)
    for kind in ("contact", "identity"):
        days = settings.LINLI["PII_RETENTION_DAYS"][kind]
        run.cutoffs[kind] = personal_data_cutoff(now=now, retention_days=days)
        ids = list(due(kind, now=now).values_list("pk", flat=True))
        run.cases[kind] = ids
        if dry_run:
            continue
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                cases = Case.objects.select_for_update().filter(pk__in=ids[start : start + BATCH])
                by_case: dict[int, list[Party]] = {}
                for party in Party.objects.filter(case_id__in=ids[start : start + BATCH]):
                    by_case.setdefault(party.case_id, []).append(party)
                for case in cases:
                    _clear(kind, case, by_case.get(case.pk, []), now)
            logger.info(
                "de-identified %s of %s cases (%s)", min(start + BATCH, len(ids)), len(ids), kind
            )
    run.code_texts = purge_code_texts(now=now, dry_run=dry_run)
    if not dry_run:
        record(
            SecurityEventKind.PII_DEIDENTIFIED,
            detail={kind: len(ids) for kind, ids in run.cases.items()},
        )
    return run
