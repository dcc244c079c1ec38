"""Throughput of the resident status page under gunicorn (2 workers), measured in the
same run as a trivial view served the same way; prints both and their ratio.

Two loads on the status page: every request for one case (its cached summary), and — as
residents really come — a different case on each request, from ``BENCH_PORTAL_CASES``
verified sessions (default 5,000) written in one bulk insert. Then the staff case list
for a signed-in supervisor (two-factor verified), as staff work under the same load.
``BENCH_CLIENTS`` is the number of concurrent connections (default 48: 6 processes x 8
threads).

The cache is production's: a ``redis-server`` started for the run (``CACHE_URL``; sessions
are ``cached_db``, so a resident's session — written to the cache and the database when
they look their case up — is read from Redis), or with ``BENCH_CACHE=locmem`` (or no
``redis-server`` on the machine) each worker's own memory, where every session of the
"different case" load is a database read.

Uses the benchmark database that tests/perf/bench.py builds (``DATABASE_URL``; with
``BENCH_CASES`` on PostgreSQL, the ``<name>_bench_<n>`` database bench.py made). Load
comes from this machine only (127.0.0.1), bounded in time.
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
# The largest database tests/perf/bench.py built (BENCH_SIZES, else BENCH_CASES, 100,000).
SIZE = max(
    int(n)
    for n in os.environ.get("BENCH_SIZES", os.environ.get("BENCH_CASES", "100000")).split(",")
    if n.strip()
)
BASE_URL = os.environ.get("DATABASE_URL", "")
ENV = {
    "LINLI_ENV": "test",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": f"{BASE_URL}_bench_{SIZE}"
    if BASE_URL.startswith("postgres")
    else f"sqlite:///{ROOT / 'var' / f'bench-{SIZE}.sqlite3'}",
    "ALLOWED_HOSTS": "127.0.0.1",
}
os.environ.update(ENV)
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
REDIS = None  # the redis-server of the run, when there is one
CONNECTIONS = int(os.environ.get("BENCH_CLIENTS", "48"))
THREADS = 8
CLIENTS = max(1, CONNECTIONS // THREADS)  # processes, each with THREADS connections
MANY = int(os.environ.get("BENCH_PORTAL_CASES", "5000"))


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


def _staff_session() -> str:
    """A signed-in supervisor's session, two-factor verified (as after the code), for the
    staff case list: the page the issue measured at 24 req/s under this load."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username="supervisor")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _start_redis() -> str:
    """A throwaway redis-server for the run (no persistence); its URL, or "" without one."""
    global REDIS
    import shutil

    if os.environ.get("BENCH_CACHE") == "locmem" or not shutil.which("redis-server"):
        return ""
    port = _free_port()
    REDIS = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
    )
    _wait_for(port)
    return f"redis://127.0.0.1:{port}/0"


def _wait_for(port: int) -> None:
    """Until something listens on ``port`` (a server just started), at most ~10 s."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def _many_sessions(n: int) -> list[str]:
    """Verified sessions for ``n`` different cases, written in one bulk insert — and, as
    ``cached_db`` writes a session at look-up, to the cache too."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from casework.models import Case
    from casework.portal_views import VERIFIED_KEY

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(hours=2)
    rows = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode({VERIFIED_KEY: {"pk": pk, "at": time.time() + 3600}}),
            expire_date=expires,
        )
        for pk in Case.objects.order_by("?").values_list("pk", flat=True)[:n]
    ]
    Session.objects.bulk_create(rows, batch_size=2000)
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    caches[settings.SESSION_CACHE_ALIAS].set_many(
        {KEY_PREFIX + row.session_key: store.decode(row.session_data) for row in rows},
        timeout=7200,
    )
    return [f"sessionid={row.session_key}" for row in rows]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(args) -> int:
    import http.client
    import threading

    port, path, cookies, seconds, offset = args
    cookies = cookies if isinstance(cookies, list) else [cookies]
    counts = [0] * THREADS
    stop = time.monotonic() + seconds

    def run(i):
        n = offset * THREADS + i
        while time.monotonic() < stop:
            cookie = cookies[n % len(cookies)]
            n += CONNECTIONS  # each connection its own stride: a different case each time
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def _rate(port: int, path: str, cookie, *, warm: bool = True) -> float:
    if warm:
        _client((port, path, cookie if isinstance(cookie, str) else cookie[:1], 1.0, 0))
    with multiprocessing.Pool(CLIENTS) as pool:
        started = time.monotonic()
        jobs = [(port, path, cookie, SECONDS, k) for k in range(CLIENTS)]
        total = sum(pool.map(_client, jobs))
        return total / (time.monotonic() - started)


def main() -> None:
    cache_url = _start_redis()
    if cache_url:
        os.environ["CACHE_URL"] = ENV["CACHE_URL"] = cache_url
    try:
        _main(cache_url)
    finally:
        if REDIS is not None:
            REDIS.terminate()
            REDIS.wait(timeout=10)


def _main(cache_url: str) -> None:
    cookie = _prepare()
    cookies = _many_sessions(MANY)
    staff = _staff_session()
    from django.db import connection

    vendor = connection.vendor
    connection.close()  # the server's workers open their own
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
        _wait_for(port)
        trivial = _rate(port, "/healthz", "")
        status = _rate(port, "/r/status/case/", cookie)
        spread = _rate(port, "/r/status/case/", cookies, warm=False)
        staff_list = _rate(port, "/cases/", staff)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"\n{vendor}, gunicorn, 2 sync workers, {CLIENTS}x{THREADS} connections, "
        f"{SECONDS:.0f} s each, cache: {'redis-server' if cache_url else 'each worker (locmem)'}\n"
    )
    print(f"{'view':<48} {'requests/s':>12} {'of trivial':>11}")
    print("-" * 73)
    print(f"{'trivial view (/healthz)':<48} {trivial:>12.0f} {'100%':>11}")
    print(f"{'status page, one case (20 events)':<48} {status:>12.0f} {status / trivial:>11.0%}")
    label = f"status page, a different case each ({len(cookies):,})"
    print(f"{label:<48} {spread:>12.0f} {spread / trivial:>11.0%}")
    label = "staff case list (a supervisor, signed in)"
    print(f"{label:<48} {staff_list:>12.0f} {staff_list / trivial:>11.0%}")


if __name__ == "__main__":
    main()
