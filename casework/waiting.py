"""What waits for a user ("需要我处理"): the in-app list, its count in the navigation, and
the daily e-mail digest.

Each **kind** of work is a query of what waits now — nothing is stored, so an item leaves
the list the moment it is handled (the reply accepted, the request answered, the first
contact made). Casework's kinds are declared here; apps built on casework add theirs with
``register`` from their ``ready`` (consultation adds the mediations' return visits).

Case return visits (回访 of a resolved case) are the kind ``case_return_visit``, read
through ``casework.selectors.return_visits_due_for`` (the dashboard's queue).

The navigation's count is **one query** whatever the number of kinds or items: every
kind's ``COUNT(*)`` is a scalar sub-select of a single ``SELECT`` (``count_for``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import permissions, public_stages
from casework.models import (
    OPEN_REFERRAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseReturnVisit,
    Rating,
    Referral,
    ReferralStatus,
)
from casework.roles import Role
from casework.selectors import (
    area_by_subselect,
    cases_visible_to,
    follow_up_queue,
    places_for,
    referrals_visible_to,
    return_visits_due_for,
)


@dataclass(frozen=True)
class Item:
    """One thing waiting: what to show and where to handle it."""

    title: str
    detail: str
    url: str
    due: Any = None
    overdue: bool = False


@dataclass(frozen=True)
class WaitingKind:
    """A kind of work: ``rows(user, today)`` is the queryset of what waits (used for the
    count and the list), ``item(row, today)`` turns a row into an ``Item``. ``reads``: the
    models whose rows it counts (a save or delete of one moves the cached counts on; the
    place tree, organisations, memberships and users move them through
    ``casework.filter_forms``' version). ``tests/casework/test_waiting.py`` checks that
    every table a kind's SQL reads is covered."""

    code: str
    label: Any
    rows: Callable[[Any, Any], QuerySet]
    item: Callable[[Any, Any], Item]
    reads: tuple = ()


KINDS: list[WaitingKind] = []


def register(kind: WaitingKind) -> WaitingKind:
    """Add a kind of work (at start-up; the order of registration is the list's order)."""
    if any(k.code == kind.code for k in KINDS):
        raise LookupError(f"waiting kind {kind.code!r} is registered twice")
    KINDS.append(kind)
    # The log every service writes, and what the kind reads: any change moves the counts on.
    for model in (CaseEvent, *kind.reads):
        uid = f"linli-waiting-{model._meta.label}"
        if model._meta.auto_created:  # a many-to-many table: add() and remove() send this
            m2m_changed.connect(_counts_stale, sender=model, dispatch_uid=uid)
            continue
        for signal in (post_save, post_delete):
            signal.connect(_counts_stale, sender=model, dispatch_uid=uid)
    return kind


def _counts_stale(**_kwargs) -> None:
    counts_changed()
    # Again once committed: a request between this bump and the commit would count the
    # old rows under the new version.
    transaction.on_commit(counts_changed)


# ---------------------------------------------------------------- casework's kinds


def _my_cases(user) -> QuerySet[Case]:
    return cases_visible_to(user).filter(assigned_officer=user)


def _my_referrals(user, status) -> QuerySet[Referral]:
    return Referral.objects.filter(
        case__in=_my_cases(user).values("pk"), status=status
    ).select_related("case", "organisation")


def _extension_requests(user, today) -> QuerySet[Referral]:
    """Extension requests wait for the area's supervisors: only they decide (the 12345
    scheme's one extension, approved by a supervisor — casework.permissions)."""
    if not permissions.has_role(user, Role.SUPERVISOR):
        return Referral.objects.none()
    supervised = cases_visible_to(user).filter(place__in=places_for(user, roles=(Role.SUPERVISOR,)))
    return Referral.objects.filter(
        case__in=supervised.values("pk"),
        status=ReferralStatus.EXTENSION_REQUESTED,
    ).select_related("case", "organisation")


def _referral_item(referral, today) -> Item:
    return Item(
        title=referral.case.reference,
        detail=f"{referral.organisation.name} · {referral.get_status_display()}",
        url=reverse("casework:case_detail", args=[referral.case_id]) + "#referrals",
    )


def _reopen_requests(user, today) -> QuerySet[Rating]:
    return Rating.objects.filter(
        case__in=follow_up_queue(user).values("pk"), reopen_requested=True, handled_at__isnull=True
    ).select_related("case")


def _reopen_item(rating, today) -> Item:
    # Due by the date the resident was promised a call (the portal says the same).
    due = public_stages.reopen_contact_due(rating.created_at)
    return Item(
        title=rating.case.reference,
        detail=rating.reopen_reason[:80],
        url=reverse("casework:case_detail", args=[rating.case_id]),
        due=due,
        overdue=due < today,
    )


def _first_contacts(user, today) -> QuerySet[Case]:
    return _my_cases(user).filter(
        status__in=list(OPEN_STATUSES),
        first_contact_at__isnull=True,
        first_contact_due__lte=today,
    )


def _case_item(case, today) -> Item:
    return Item(
        title=case.reference,
        detail=str(case.category) if case.category_id else "",
        url=reverse("casework:case_detail", args=[case.pk]),
        due=case.first_contact_due,
        overdue=bool(case.first_contact_due and case.first_contact_due < today),
    )


def _return_visit_item(case, today) -> Item:
    return Item(
        title=case.reference,
        detail=str(case.category) if case.category_id else "",
        url=reverse("casework:case_detail", args=[case.pk]),
        due=case.return_visit_due,
        overdue=bool(case.return_visit_due and case.return_visit_due < today),
    )


def _inbox(user, status) -> QuerySet[Referral]:
    return (
        referrals_visible_to(user)
        .filter(status=status)
        .select_related("case", "case__place", "organisation")
    )


def _inbox_item(referral, today) -> Item:
    due = referral.sign_due if referral.status == ReferralStatus.DISPATCHED else referral.reply_due
    return Item(
        title=referral.case.reference,
        detail=referral.case.place.full_name,
        url=reverse("casework:inbox_detail", args=[referral.pk]),
        due=due,
        overdue=bool(due and due < today),
    )


register(
    WaitingKind(
        "reply_to_confirm",
        _("Replies to confirm"),
        lambda user, today: _my_referrals(user, ReferralStatus.REPLIED),
        _referral_item,
        reads=(Referral, Case),
    )
)
register(
    WaitingKind(
        "reopen_request",
        _("Requests to reopen"),
        _reopen_requests,
        _reopen_item,
        reads=(Rating, Case),
    )
)
register(
    WaitingKind(
        "extension_request",
        _("Extension requests"),
        _extension_requests,
        _referral_item,
        reads=(Referral, Case),
    )
)
register(
    WaitingKind(
        "return_request",
        _("Return requests"),
        lambda user, today: _my_referrals(user, ReferralStatus.RETURN_REQUESTED),
        _referral_item,
        reads=(Referral, Case),
    )
)
register(
    WaitingKind(
        "first_contact_due",
        _("First contacts due"),
        _first_contacts,
        _case_item,
        reads=(Case,),
    )
)
register(
    WaitingKind(
        "case_return_visit",
        _("Return visits due"),
        lambda user, today: return_visits_due_for(user, today).select_related("category"),
        _return_visit_item,
        reads=(Case, CaseReturnVisit, Rating),
    )
)
register(
    WaitingKind(
        "to_sign_for",
        _("Referrals to sign for"),
        lambda user, today: _inbox(user, ReferralStatus.DISPATCHED),
        _inbox_item,
        reads=(Referral,),
    )
)
register(
    WaitingKind(
        "to_reply",
        _("Referrals to reply to"),
        lambda user, today: _inbox(user, ReferralStatus.SIGNED_FOR),
        _inbox_item,
        reads=(Referral,),
    )
)
register(
    WaitingKind(
        "supervised",
        _("Under supervision (督办)"),
        lambda user, today: (
            referrals_visible_to(user)
            .filter(under_supervision=True, status__in=list(OPEN_REFERRAL_STATUSES))
            .select_related("case", "case__place", "organisation")
        ),
        _inbox_item,
        reads=(Referral,),
    )
)


# ------------------------------------------------------------------------- reads


def count_for(user, today=None) -> int:
    """How many things wait for ``user``, over every kind, in one query."""
    return sum(counts_for(user, today).values())


def counts_for(user, today=None) -> dict[str, int]:
    """{kind code: how many} for ``user`` in one ``SELECT`` of scalar sub-selects."""
    if user is None or not user.is_authenticated or not KINDS:
        return {}
    today = today or timezone.localdate()
    from casework import filter_forms

    versions = cache.get_many([filter_forms.VERSION_KEY, COUNTS_VERSION_KEY])
    if filter_forms.VERSION_KEY not in versions:  # first use, or evicted
        versions[filter_forms.VERSION_KEY] = filter_forms.version()
    if COUNTS_VERSION_KEY not in versions:  # a value no counts were kept under before
        cache.add(COUNTS_VERSION_KEY, _fresh_version(), None)
        versions[COUNTS_VERSION_KEY] = cache.get(COUNTS_VERSION_KEY)
    key = (
        f"linli:waiting-counts:{_BOOT}:{len(KINDS)}:{user.pk}:{today.isoformat()}:"
        f"{versions[filter_forms.VERSION_KEY]}:{versions[COUNTS_VERSION_KEY]}"
    )
    row = cache.get(key)
    if row is None:
        sql, params = _count_sql(user, today)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = [int(n) for n in cursor.fetchone()]
        cache.set(key, row, timeout=COUNTS_TIMEOUT)
    return {kind.code: n for kind, n in zip(KINDS, row, strict=True)}


# The counts themselves, by user, day and the two versions: the one above, and one that
# every save or delete of what the kinds read (and of the case log, which every service
# writes) moves on (``register``). On a staff page the count was the largest single cost
# (3.4 of ~50 ms at 1,000,000 cases, most of it PostgreSQL planning seven sub-selects);
# now one look-up while nothing changed. ``QuerySet.update()`` sends no signal: the
# services that use it also write the case log in the same transaction.
COUNTS_VERSION_KEY = "linli:waiting:counts-version"
COUNTS_TIMEOUT = 600


def counts_changed() -> None:
    """Every cached count is stale (something the kinds read was saved or deleted)."""
    try:
        cache.incr(COUNTS_VERSION_KEY)
    except ValueError:  # not set yet (or evicted): a value no counts were kept under
        cache.set(COUNTS_VERSION_KEY, _fresh_version(), None)


def _fresh_version() -> int:
    """A version number no earlier counts can have been kept under (the key was evicted,
    or never set): random, so it does not start again at a number used before."""
    return uuid.uuid4().int % 10**12


# The count's SQL, by (user, day, version of places and memberships), in the cache: the
# navigation shows the count on every staff page, and building the SQL of a dozen
# querysets cost ~11 ms of the ~20 ms it took (PostgreSQL, 10,000 cases). What the SQL
# holds — the user's grants (their places as tree paths, in sub-selects:
# ``selectors.area_by_subselect``), the day — changes only with the day or with a change
# to places, organisations, users or memberships, which moves the version that the case
# list's filter forms are cached under too (``casework.filter_forms``).
# This process's start: SQL built by an older release (other kinds, other columns) is
# never read after a deploy restarts the workers.
_BOOT = uuid.uuid4().hex[:12]


def _count_key(user, today) -> str:
    from casework import filter_forms

    return (
        f"linli:waiting-sql:{_BOOT}:{len(KINDS)}:{user.pk}:{today.isoformat()}:"
        f"{filter_forms.version()}"
    )


def _count_sql(user, today) -> tuple[str, list]:
    key = _count_key(user, today)
    found = cache.get(key)
    if found is not None:
        return found
    selects, params = [], []
    for kind in KINDS:
        try:
            with area_by_subselect():  # planned in a third of the time of id lists
                rows = kind.rows(user, today).order_by().values("pk")
                sql, kind_params = rows.query.sql_with_params()
        except EmptyResultSet:  # a kind that cannot apply to this user (IN of nothing)
            selects.append("0")
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) waiting_{len(selects)})")
        params.extend(kind_params)
    found = ("SELECT " + ", ".join(selects), list(params))
    cache.set(key, found, timeout=24 * 3600)
    return found


@dataclass(frozen=True)
class Group:
    """One kind's part of the list."""

    code: str
    label: Any
    items: list[Item]
    count: int


def waiting_for(user, today=None, *, limit: int = 50) -> list[Group]:
    """What waits for ``user``, by kind (only kinds with something waiting), each with
    its first ``limit`` items: one query for the counts and one per kind with items."""
    today = today or timezone.localdate()
    counts = counts_for(user, today)
    groups = []
    for kind in KINDS:
        if not counts.get(kind.code):
            continue
        rows = kind.rows(user, today)[:limit]
        groups.append(
            Group(kind.code, kind.label, [kind.item(r, today) for r in rows], counts[kind.code])
        )
    return groups
