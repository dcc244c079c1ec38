"""Deep pages of the case list in PostgreSQL's own terms: the buffers and time of the page
query (EXPLAIN ANALYZE, BUFFERS) for page 1, page 2000 by OFFSET (capped, so page 400) and
page 2000 by keyset, default order and by priority. Buffers do not depend on how busy the
machine is, so "flat" can be read even on a shared one.

    DATABASE_URL=postgres://…/linli BENCH_CASES=100000 .venv/bin/python tests/perf/keyset_explain.py

Uses the database tests/perf/bench.py built (``<name>_bench_<n>``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
size = os.environ.get("BENCH_CASES", "100000")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"{os.environ['DATABASE_URL']}_bench_{size}"

from tests.perf import bench  # noqa: E402  (sets up Django)


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    supervisor = get_user_model().objects.get(username="supervisor")
    client = Client()
    client.force_login(supervisor)
    device, _ = TOTPDevice.objects.get_or_create(
        user=supervisor, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # signed in with two-factor
    session.save()
    url = reverse("casework:case_list")
    print(f"{'page query':<42} {'buffers':>8} {'rows':>5} {'ms':>8}")
    for label, params in (
        ("page 1", {}),
        ("page 2000 by OFFSET (capped: page 400)", {"page": "2000"}),
        ("page 2000 by keyset", {"after": bench.deep_cursor()}),
        ("page 1 by priority", {"o": "priority"}),
        (
            "page 2000 by priority, keyset",
            {"o": "priority", "after": bench.deep_cursor("priority")},
        ),
    ):
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        sql = next(
            q["sql"]
            for q in captured.captured_queries
            if 'FROM "casework_case"' in q["sql"]
            and "LIMIT" in q["sql"]
            and "COUNT" not in q["sql"]
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]
        top = plan["Plan"]
        buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
        print(
            f"{label:<42} {buffers:>8} {top.get('Actual Rows'):>5} {plan['Execution Time']:>8.2f}"
        )


if __name__ == "__main__":
    main()
