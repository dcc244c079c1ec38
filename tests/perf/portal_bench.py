"""Throughput of the resident status page under gunicorn (2 workers), measured in the
same run as a trivial view served the same way; prints both and their ratio.

Uses the benchmark database that tests/perf/bench.py builds. Load comes from this
machine only (127.0.0.1), bounded in time.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
ENV = {
    "LINLI_ENV": "test",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"),
    "ALLOWED_HOSTS": "127.0.0.1",
}
os.environ.update(ENV)
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CLIENTS = 2  # processes, each with THREADS connections
THREADS = 4


def _prepare() -> str:
    """A verified resident session for a case with a 20-event public timeline."""
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore

    from casework.models import Case, CaseEvent, EventKind
    from casework.portal_views import VERIFIED_KEY

    case = Case.objects.order_by("pk").first()
    missing = 20 - case.events.filter(is_public=True).count()
    if missing > 0:
        CaseEvent.objects.bulk_create(
            CaseEvent(case=case, kind=EventKind.NOTE, note=f"进展说明 {i}", is_public=True)
            for i in range(missing)
        )
    session = SessionStore()
    session[VERIFIED_KEY] = {"pk": case.pk, "at": time.time() + 3600}
    session.create()
    return f"sessionid={session.session_key}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(args) -> int:
    import http.client
    import threading

    port, path, cookie, seconds = args
    counts = [0] * THREADS
    stop = time.monotonic() + seconds

    def run(i):
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts)


def _rate(port: int, path: str, cookie: str) -> float:
    _client((port, path, cookie, 1.0))  # warm-up
    with multiprocessing.Pool(CLIENTS) as pool:
        started = time.monotonic()
        total = sum(pool.map(_client, [(port, path, cookie, SECONDS)] * CLIENTS))
        return total / (time.monotonic() - started)


def main() -> None:
    cookie = _prepare()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        trivial = _rate(port, "/healthz", "")
        status = _rate(port, "/r/status/case/", cookie)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"\ngunicorn, 2 sync workers, {CLIENTS}x{THREADS} clients, {SECONDS:.0f} s each\n")
    print(f"{'view':<36} {'requests/s':>12}")
    print("-" * 50)
    print(f"{'trivial view (/healthz)':<36} {trivial:>12.0f}")
    print(f"{'resident status page (20 events)':<36} {status:>12.0f}")
    print(f"{'ratio':<36} {status / trivial:>11.0%}")


if __name__ == "__main__":
    main()
