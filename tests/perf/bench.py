"""Benchmarks, run on purpose with `make bench` (never part of the test suite).

Builds (once per size) a database of N cases with parties, events, referrals and ratings
(``tests/perf/generate.py``: COPY on PostgreSQL), then times the pages in-process with
Django's test client — median and p95 server time and query count — with two anchors
measured in the same run: a trivial view (``/healthz``) and the Django admin's case
changelist. With several sizes each is built in its own database and measured by its own
process, and the table puts the sizes side by side.

    make bench                                      # SQLite, 100,000 cases
    BENCH_SIZES=10000,100000 make bench             # one column per size
    DATABASE_URL=postgres://u@h/linli BENCH_SIZES=10000,100000,1000000 make bench
        # PostgreSQL: databases linli_bench_10000, ... created beside the named one
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("LINLI_TWO_FACTOR_REQUIRED", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.models import (  # noqa: E402
    Case,
    Place,
    Status,
)
from core.models import YearSequence  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
BATCH = 5000
ENDED = {Status.RESOLVED, Status.CLOSED, Status.ARCHIVED}


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


def deep_cursor(sort: str = "") -> str:
    """The "next" cursor on page 1999 of the case list (its 49,975th row, or the last but
    one page of a smaller list) in ``sort``: following it lists page 2000 by keyset."""
    from casework import paging
    from casework.filters import CaseFilter

    rows = Case.objects.order_by("-created_at", "-id")
    if sort:
        rows = CaseFilter({"o": sort}, queryset=Case.objects.all()).qs
    depth = min(1999 * 25, max(0, Case.objects.count() - 26))
    row = rows[depth - 1 : depth].get()
    return paging.cursor_for(row, paging.keyset_order(rows), 1999)


def rows_to_measure():
    """(label, url, params) of every page measured, the anchors first."""
    from consultation.models import Mediation

    sample = Case.objects.filter(status=Status.IN_PROGRESS).order_by("pk").first()
    area = Place.objects.get(pk=int(sample.place.path[9:17]))
    cases = reverse("casework:case_list")
    return [
        ("anchor: trivial view (/healthz)", reverse("healthz"), None),
        ("anchor: admin changelist (cases)", reverse("admin:casework_case_changelist"), None),
        ("case list, first page", cases, None),
        (
            "case list, status+category+place",
            cases,
            {"status": "in_progress", "category": sample.category_id, "place": area.pk},
        ),
        ("case list, by priority", cases, {"o": "priority"}),
        ("case list, by due date desc", cases, {"o": "-due"}),
        ("case list, by status", cases, {"o": "status"}),
        ("case list, by reference", cases, {"o": "reference"}),
        ("case list, ?page=2000 typed (shows page 10)", cases, {"page": "2000"}),
        ("case list, last page by priority", cases, {"o": "-priority", "page": "last"}),
        ("case list, page 2000 by keyset (next)", cases, {"after": deep_cursor()}),
        (
            "case list, page 2000 by priority (next)",
            cases,
            {"o": "priority", "after": deep_cursor("priority")},
        ),
        ("case list, search 施工", cases, {"q": "施工扰民"}),
        ("case list, search reference", cases, {"q": f"2026-{sample.pk:06d}"[:-1]}),
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
        ("Open311 requests.json", reverse("open311:requests", args=["json"]), None),
    ]


def child() -> dict:
    """Build this process's database if needed, measure, and return the results."""
    call_command("migrate", verbosity=0)
    from tests.perf.generate import generate

    have = Case.objects.count()
    if have < N:
        print(f"[{N:,}] generating {N - have:,} cases (COPY / bulk inserts)...", flush=True)
        seconds = generate(N)
        print(f"[{N:,}]   generated in {seconds:.1f} s", flush=True)
        maintain()
    from consultation.models import Mediation

    if not Mediation.objects.exists():
        print(f"[{N:,}] adding {generate_mediations():,} people's mediations...", flush=True)
        maintain()
    if os.environ.get("BENCH_BUILD_ONLY"):
        return {"vendor": connection.vendor, "cases": Case.objects.count(), "rows": {}}
    client = Client()
    supervisor = get_user_model().objects.get(username="supervisor")
    supervisor.is_staff = supervisor.is_superuser = False
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
    admin = get_user_model().objects.filter(is_superuser=True).first()
    admin_client = Client()
    admin_client.force_login(admin)
    admin_device, _ = TOTPDevice.objects.get_or_create(
        user=admin, name="bench", defaults={"confirmed": True}
    )
    admin_session = admin_client.session
    admin_session[DEVICE_ID_SESSION_KEY] = admin_device.persistent_id
    admin_session.save()
    results = {}
    for label, url, params in rows_to_measure():
        who = admin_client if label.startswith("anchor: admin") else client
        results[label] = measure(who, url, params)
    return {"vendor": connection.vendor, "cases": Case.objects.count(), "rows": results}


def print_table(runs: list[dict]) -> None:
    sizes = [f"{r['cases']:,}" for r in runs]
    print(f"\n{runs[0]['vendor']}, {RUNS} runs each, median / p95 ms (queries), in-process\n")
    head = f"{'page':<38}" + "".join(f"{s:>24}" for s in sizes)
    print(head)
    print("-" * len(head))
    for label in runs[0]["rows"]:
        cells = []
        for r in runs:
            median, p95, queries = r["rows"][label]
            cells.append(f"{median:.1f} / {p95:.1f} ({queries})")
        print(f"{label:<38}" + "".join(f"{c:>24}" for c in cells))


def main() -> None:
    if os.environ.get("BENCH_CHILD"):
        print("BENCH-RESULT " + json.dumps(child()), flush=True)
        return
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", str(N)).split(",") if s.strip()]
    base = os.environ["DATABASE_URL"]
    runs = []
    for size in sizes:
        env = {**os.environ, "BENCH_CHILD": "1", "BENCH_CASES": str(size)}
        env["DATABASE_URL"] = database_for(base, size)
        out = subprocess.run(
            [sys.executable, __file__], env=env, stdout=subprocess.PIPE, text=True, check=True
        ).stdout
        for line in out.splitlines():
            if line.startswith("BENCH-RESULT "):
                runs.append(json.loads(line.removeprefix("BENCH-RESULT ")))
            else:
                print(line, flush=True)
    if runs and runs[0]["rows"]:
        print_table(runs)


def database_for(url: str, size: int) -> str:
    """The database of one size beside ``url``'s (created on PostgreSQL if missing)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{ROOT / 'var' / f'bench-{size}.sqlite3'}"
    import psycopg

    head, _, name = url.rpartition("/")
    name = f"{name.split('?')[0]}_bench_{size}"
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{head}/{name}"


if __name__ == "__main__":
    main()
