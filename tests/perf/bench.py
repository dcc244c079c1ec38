"""Benchmarks, run on purpose with `make bench` (never part of the test suite).

Builds (once) a database of N cases with parties and events through bulk inserts, then
times the workspace pages in-process with Django's test client and prints median and
p95 server time and query count per page.

    make bench                       # SQLite in var/bench.sqlite3, 100,000 cases
    BENCH_CASES=20000 make bench
    DATABASE_URL=postgres://... make bench
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.calendar import working_days_between  # noqa: E402
from casework.models import (  # noqa: E402
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Organisation,
    Outcome,
    Party,
    PartyRole,
    Place,
    PlaceKind,
    Priority,
    Rating,
    Referral,
    Status,
)
from core.models import YearSequence  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
BATCH = 5000
ENDED = {Status.RESOLVED, Status.CLOSED, Status.ARCHIVED}


def generate(n: int) -> float:
    """Bulk-insert ``n`` cases with 1–2 parties and 3 events each; returns seconds taken."""
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", cases=0, stdout=quiet)
    rng = random.Random(7)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING))
    committees = {
        o.places.first().path: o
        for o in Organisation.objects.filter(kind="residents_committee").prefetch_related("places")
    }
    officers = list(get_user_model().objects.filter(username__startswith="mediator"))
    categories = list(Category.objects.all())
    agencies = list(Organisation.objects.exclude(kind="residents_committee")[:6])
    statuses = list(Status)
    now = timezone.now()
    previous: list[Case] = []
    for offset in range(Case.objects.count(), n, BATCH):
        size = min(BATCH, n - offset)
        cases = []
        for i in range(offset, offset + size):
            building = rng.choice(buildings)
            status = rng.choice(statuses)
            if status == Status.MERGED and not previous:
                status = Status.REGISTERED
            created = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            worked = status not in {Status.REGISTERED, Status.REJECTED, Status.MERGED}
            accepted = created + dt.timedelta(hours=rng.randint(1, 30)) if worked else None
            contact = (
                accepted + dt.timedelta(hours=rng.randint(1, 60))
                if worked and status != Status.ACCEPTED
                else None
            )
            resolved = created + dt.timedelta(days=rng.randint(1, 25)) if status in ENDED else None
            org = next(o for path, o in committees.items() if building.path.startswith(path))
            if status == Status.MERGED:
                outcome = Outcome.DUPLICATE
            else:
                outcome = Outcome.RESOLVED if status in ENDED else ""
            cases.append(
                Case(
                    reference=f"2026-{i + 1:06d}",
                    organisation=org,
                    channel=rng.choice(Channel.values),
                    category=rng.choice(categories),
                    place=building,
                    description="噪音扰民，夜间施工。" * rng.randint(1, 5),
                    priority=rng.choice(Priority.values),
                    assigned_officer=rng.choice(officers) if status != Status.REGISTERED else None,
                    status=status,
                    outcome=outcome,
                    merged_into=rng.choice(previous) if status == Status.MERGED else None,
                    created_at=created,
                    accepted_at=accepted,
                    first_contact_at=contact,
                    resolved_at=resolved,
                    first_contact_working_days=working_days_between(created.date(), contact.date())
                    if contact
                    else None,
                    resolution_working_days=working_days_between(created.date(), resolved.date())
                    if resolved
                    else None,
                    due_date=(created + dt.timedelta(days=rng.randint(3, 30))).date(),
                )
            )
        with transaction.atomic():
            made = Case.objects.bulk_create(cases)
            if made[0].pk is None:
                made = list(Case.objects.filter(reference__in=[c.reference for c in cases]))
            previous = made
            parties, events = [], []
            for case in made:
                for k in range(rng.randint(1, 2)):
                    parties.append(
                        Party(
                            case=case,
                            role=PartyRole.APPLICANT if k == 0 else PartyRole.RESPONDENT,
                            name=f"居民{case.pk}-{k}",
                            phone=f"138{case.pk:08d}"[-11:],
                        )
                    )
                events += [
                    CaseEvent(
                        case=case,
                        kind=EventKind.REGISTERED,
                        to_status=Status.REGISTERED,
                        created_at=case.created_at,
                        is_public=True,
                    ),
                    CaseEvent(
                        case=case,
                        kind=EventKind.NOTE,
                        note="已联系诉求人。",
                        created_at=case.created_at,
                    ),
                    CaseEvent(
                        case=case,
                        kind=EventKind.TRANSITION,
                        transition="accept",
                        from_status=Status.REGISTERED,
                        to_status=case.status,
                        created_at=case.created_at,
                    ),
                ]
            Party.objects.bulk_create(parties)
            CaseEvent.objects.bulk_create(events)
            # One case in ten referred out, one resolved case in three rated: what the
            # report's rates read.
            referrals, ratings = [], []
            for case in made:
                if case.accepted_at and rng.random() < 0.1:
                    sent = case.accepted_at + dt.timedelta(hours=2)
                    signed = sent + dt.timedelta(hours=rng.randint(1, 48))
                    referrals.append(
                        Referral(
                            case=case,
                            organisation=rng.choice(agencies),
                            role="lead",
                            kind="complaint",
                            instructions="请核查处置。",
                            status="closed",
                            dispatched_by=officers[0],
                            dispatched_at=sent,
                            sign_due=(sent + dt.timedelta(days=1)).date(),
                            signed_at=signed,
                            signed_in_time=signed.date() <= (sent + dt.timedelta(days=1)).date(),
                            reply_due=(sent + dt.timedelta(days=7)).date(),
                            replied_at=(replied := signed + dt.timedelta(days=rng.randint(1, 9))),
                            replied_in_time=replied.date() <= (sent + dt.timedelta(days=7)).date(),
                            reply="已处置。",
                        )
                    )
                if case.resolved_at and rng.random() < 0.33:
                    ratings.append(
                        Rating(
                            case=case,
                            efficiency=rng.randint(1, 5),
                            attitude=rng.randint(1, 5),
                            result=rng.randint(1, 5),
                            satisfied=rng.random() < 0.8,
                            created_at=case.resolved_at + dt.timedelta(days=1),
                        )
                    )
            Referral.objects.bulk_create(referrals)
            Rating.objects.bulk_create(ratings)
    YearSequence.objects.update_or_create(name="case", year=2026, defaults={"last": n})
    return time.perf_counter() - started


def generate_mediations() -> int:
    """One case in fifty goes to people's mediation: a third under way, a third with an
    agreement in effect (some inside the judicial-confirmation window, some with their
    return visit overdue), a third ended. Bulk inserts; returns how many."""
    from consultation.models import Agreement, Mediation

    rng = random.Random(11)
    today = timezone.localdate()
    user = get_user_model().objects.get(username="mediator")
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True)[::50])
    mediations = []
    for serial, case_id in enumerate(case_ids, start=1):
        kind = serial % 3
        mediations.append(
            Mediation(
                case_id=case_id,
                number=f"(2026) 邻里人调字第{serial}号",
                year=2026,
                serial=serial,
                committee="邻里街道人民调解委员会",
                status=("mediating", "agreed", "ended")[kind],
                matters="漏水纠纷",
                notice_given_at=timezone.now(),
                notice_manner="written",
                started_on=today - dt.timedelta(days=rng.randint(0, 60)),
                due_date=today + dt.timedelta(days=rng.randint(-10, 30)),
                told_litigation=kind == 2,
                return_visit_due=today + dt.timedelta(days=rng.randint(-20, 40))
                if kind == 1
                else None,
                created_by=user,
            )
        )
    Mediation.objects.bulk_create(mediations, batch_size=BATCH)
    agreed = Mediation.objects.filter(status="agreed").values_list("pk", flat=True)
    Agreement.objects.bulk_create(
        (
            Agreement(
                mediation_id=pk,
                facts="f",
                disputed_matters="d",
                performance_manner="m",
                performance_place="p",
                performance_deadline=today,
                sealed_at=timezone.now(),
                effective_at=timezone.now(),
                judicial_deadline=today + dt.timedelta(days=rng.randint(-40, 30)),
                drafted_by=user,
            )
            for pk in agreed
        ),
        batch_size=BATCH,
    )
    YearSequence.objects.update_or_create(
        name="mediation", year=2026, defaults={"last": len(mediations)}
    )
    return len(mediations)


def maintain() -> None:
    """What autovacuum does in production: fresh statistics, and on PostgreSQL a visibility
    map so counts can be answered from indexes."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(client: Client, url: str, params: dict | None = None) -> tuple[float, float, int]:
    client.get(url, params or {})  # warm-up
    timings, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url, params or {})
            timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, queries


def main() -> None:
    call_command("migrate", verbosity=0)
    have = Case.objects.count()
    if have < N:
        print(f"Generating {N - have:,} cases (bulk inserts)...", flush=True)
        print(f"  generated in {generate(N):.1f} s")
        maintain()
    from consultation.models import Mediation

    if not Mediation.objects.exists():
        print(f"Adding {generate_mediations():,} people's mediations...", flush=True)
        maintain()
    client = Client()
    supervisor = get_user_model().objects.get(username="supervisor")
    client.force_login(supervisor)
    # A supervisor signs in with two-factor: the session carries a verified device, as in
    # production after the code (the device is loaded on every request, and counted).
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=supervisor, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    sample = Case.objects.filter(status=Status.IN_PROGRESS).order_by("pk").first()
    area = Place.objects.get(pk=int(sample.place.path[9:17]))
    rows = [
        ("case list, first page", reverse("casework:case_list"), None),
        (
            "case list, status+category+place",
            reverse("casework:case_list"),
            {"status": "in_progress", "category": sample.category_id, "place": area.pk},
        ),
        ("case page", reverse("casework:case_detail", args=[sample.pk]), None),
        ("dashboard (supervisor)", reverse("casework:home"), None),
        (
            "mediation page",
            reverse(
                "consultation:mediation_detail",
                args=[Mediation.objects.filter(status="agreed").order_by("pk").first().pk],
            ),
            None,
        ),
        ("reports, last 12 months (supervisor)", reverse("casework:reports"), None),
    ]
    print(
        f"\n{connection.vendor}, {Case.objects.count():,} cases, {RUNS} runs each "
        "(in-process server time)\n"
    )
    print(f"{'page':<36} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    print("-" * 66)
    for label, url, params in rows:
        median, p95, queries = measure(client, url, params)
        print(f"{label:<36} {median:>10.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
