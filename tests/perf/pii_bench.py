"""What encrypting personal data costs (#27), run on purpose (`make bench`), never a test.

Times, in-process with Django's test client, the two pages that touch the most sealed
values — the staff intake (a POST sealing three parties' phones and addresses) and the
case page (reading them) — once with SM4-GCM as configured and once with the field's
encryption switched off (values stored in clear, for comparison only), interleaved in
rounds so that both see the same machine load. The budget: < 10 % added.

    .venv/bin/python tests/perf/pii_bench.py            # SQLite in var/
    DATABASE_URL=postgres://… .venv/bin/python tests/perf/pii_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'pii_bench.sqlite3'}")
os.environ.setdefault("LINLI_TWO_FACTOR_REQUIRED", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from unittest import mock  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from casework.models import Case, Category, Place, PlaceKind  # noqa: E402
from core import crypto  # noqa: E402
from core.idempotency import new_token  # noqa: E402

ROUNDS = int(os.environ.get("PII_BENCH_ROUNDS", "15"))
PER_ROUND = 10


def setup() -> tuple[Client, int, dict]:
    call_command("migrate", verbosity=0)
    if not Place.objects.exists():
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", cases=30, stdout=quiet)
    user = get_user_model().objects.get(username="mediator")
    client = Client()
    client.force_login(user)
    case = Case.objects.filter(
        parties__isnull=False,
        place__path__startswith=(Place.objects.get(kind=PlaceKind.AREA, name="番禺居民区").path),
    ).first()
    building = Place.objects.filter(
        kind=PlaceKind.BUILDING, path__startswith=case.place.path[:8]
    ).first()
    form = {
        "category": Category.objects.first().pk,
        "place": building.pk,
        "channel": "walk_in",
        "description": "楼上装修噪音，晚上十点后仍在施工。",
        "requests": "请协调。",
        "priority": "general",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
    }
    for i, role in enumerate(("applicant", "respondent", "third_party")):
        form |= {
            f"party-{i}-role": role,
            f"party-{i}-kind": "resident",
            f"party-{i}-name": f"居民{i}",
            f"party-{i}-phone": f"1381234{i:04d}",
            f"party-{i}-address": f"长宁路{i}号3号楼201室",
        }
    return client, case.pk, form


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    client, case_pk, form = setup()
    case_url = reverse("casework:case_detail", args=[case_pk])
    intake_url = reverse("casework:case_new")

    def case_page():
        assert client.get(case_url).status_code == 200

    def intake():
        response = client.post(intake_url, {**form, "submission_token": new_token()})
        assert response.status_code == 302, response.status_code

    clear = mock.patch.multiple(crypto, encrypt=lambda v, **k: v, decrypt=lambda v: v)
    results = {
        ("case page", True): [],
        ("case page", False): [],
        ("intake", True): [],
        ("intake", False): [],
    }
    for fn in (case_page, intake):  # warm up both paths
        fn()
    for _round in range(ROUNDS):
        for sealed in (True, False):
            for name, fn in (("case page", case_page), ("intake", intake)):
                if sealed:
                    results[(name, sealed)] += [timed(fn) for _ in range(PER_ROUND)]
                else:
                    with clear:
                        results[(name, sealed)] += [timed(fn) for _ in range(PER_ROUND)]
    print(
        f"{'page':<10} {'SM4-GCM ms':>11} {'clear ms':>9} {'added':>7}"
        f"   (median of {ROUNDS * PER_ROUND})"
    )
    for name in ("intake", "case page"):
        on = statistics.median(results[(name, True)])
        off = statistics.median(results[(name, False)])
        print(f"{name:<10} {on:>11.2f} {off:>9.2f} {100 * (on - off) / off:>6.1f}%")


if __name__ == "__main__":
    main()
