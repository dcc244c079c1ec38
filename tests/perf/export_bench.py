"""The streamed case export at scale (issue #21): time to the first byte, total time and
memory, on the benchmark database of tests/perf/bench.py (built if missing).

    .venv/bin/python tests/perf/export_bench.py              # SQLite, 100,000 cases
    DATABASE_URL=postgres://... .venv/bin/python tests/perf/export_bench.py

Memory is Python's allocation peak (tracemalloc) over the first 10,000 rows and then over
the rest: flat means the second peak is no larger than the first.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf import bench  # noqa: E402  (sets up Django and the database)


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from casework.models import Case

    call_command("migrate", verbosity=0)
    if Case.objects.count() < bench.N:
        print(f"Generating {bench.N:,} cases...", flush=True)
        bench.generate(bench.N)
        bench.maintain()
    client = Client()
    client.force_login(get_user_model().objects.get(username="supervisor"))
    session = client.session
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=get_user_model().objects.get(username="supervisor"),
        name="bench",
        defaults={"confirmed": True},
    )
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = reverse("casework:export_cases", args=["csv"])

    # Pass 1: time only.
    started = time.perf_counter()
    response = client.get(url)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    first_byte = time.perf_counter() - started
    size, rows = len(first), first.count(b"\n") - 1
    for chunk in chunks:
        size += len(chunk)
        rows += chunk.count(b"\n")
    total = time.perf_counter() - started

    # Pass 2: memory, first 10,000 rows and then the rest.
    tracemalloc.start()
    response = client.get(url)
    seen, early_peak = 0, None
    for chunk in response.streaming_content:
        seen += chunk.count(b"\n")
        if early_peak is None and seen >= 10_000:
            early_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
    late_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    db = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    print(f"\nStreamed case export (CSV), {db}, {rows:,} rows, {size / 1e6:.1f} MB")
    print(f"{'first byte':<34} {first_byte * 1000:>9.0f} ms")
    print(f"{'whole file':<34} {total:>9.1f} s")
    print(f"{'memory peak, first 10,000 rows':<34} {(early_peak or 0) / 1e6:>9.1f} MB")
    print(f"{'memory peak, the rest':<34} {late_peak / 1e6:>9.1f} MB")


if __name__ == "__main__":
    main()
