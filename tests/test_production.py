"""The production path, run the way an operator runs it.

- `make serve`, the container's command and the systemd unit are one command
  (`bin/linli serve`); `make release` (the container's `release`) is the once-per-release
  step.
- That command, started for real with the production profile against the test database,
  answers the health check, the login page, a staff page and a 404, and every line it
  writes is JSON — a forged path included.
- The scheduled jobs, run exactly as their systemd units say, run in the production profile
  against the database and media the deployment's environment file names.

The servers and jobs are separate processes, so they need committed data in a database
they can reach: PostgreSQL (the `postgres` pass of `.ci/run`).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from casework.models import CaseEvent, EventKind, Status

# Keys for personal data at rest (#27): production refuses to start without its own.
PII_KEYS = "k1:" + base64.b64encode(os.urandom(16)).decode()
PII_HASH_KEY = base64.b64encode(os.urandom(32)).decode()

ROOT = Path(__file__).resolve().parents[1]
HOST = "linli.example.gov.cn"
PASSWORD = "correct horse battery staple"
FORGED = "/x%0d%0aFAKE%22"


# ----------------------------------------------------------------- one command


def makefile_recipe(target: str) -> list[str]:
    """The command lines of a Makefile target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(f"{target}:") if f"{target}:" in lines else None
    if start is None:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        if not line.lstrip().startswith("@#"):
            recipe.append(line.strip())
    return recipe


def dockerfile_instruction(name: str) -> str:
    """The last value of a Dockerfile instruction (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    values = re.findall(rf"^{name}\s+(.+)$", text, flags=re.MULTILINE)
    assert values, f"the Dockerfile has no {name}"
    return values[-1].strip()


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section -> key -> values (a key may repeat, as Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (ROOT / "deploy" / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_command(name: str) -> tuple[list[str], dict[str, str]]:
    """A systemd unit's ExecStart (as it would run in this checkout) and its Environment=."""
    service = unit(name)["Service"]
    (workdir,) = service["WorkingDirectory"]
    (exec_start,) = service["ExecStart"]
    command = shlex.split(exec_start.replace(workdir, str(ROOT)))
    environment = dict(
        item.split("=", 1)
        for value in service.get("Environment", [])
        for item in shlex.split(value)
    )
    return command, environment


def test_make_serve_the_container_and_the_unit_start_the_same_command():
    assert makefile_recipe("serve") == ["bin/linli serve"]
    workdir = dockerfile_instruction("WORKDIR")
    entrypoint = json.loads(dockerfile_instruction("ENTRYPOINT"))
    command = json.loads(dockerfile_instruction("CMD"))
    assert [str(Path(entrypoint[0]).relative_to(workdir)), *entrypoint[1:], *command] == [
        "bin/linli",
        "serve",
    ]
    assert unit_command("linli.service")[0] == [str(ROOT / "bin/linli"), "serve"]
    # The image starts the server only; migrations are the release step's, run once.
    assert "migrate" not in dockerfile_instruction("CMD")
    assert "bin/linli release" in makefile_recipe("release")
    assert os.access(ROOT / "bin" / "linli", os.X_OK)


def test_every_scheduled_job_has_a_timer_and_runs_through_bin_linli():
    for timer in ("linli-sla-sweep.timer", "linli-verify-archive.timer"):
        service = timer.replace(".timer", ".service")
        assert unit(timer)["Timer"]["OnCalendar"] and unit(timer)["Install"]["WantedBy"]
        command, environment = unit_command(service)
        assert command[:2] == [str(ROOT / "bin/linli"), "manage"]
        assert environment["LINLI_ENV_FILE"] == "/etc/linli/linli.env"


def test_bin_linli_refuses_another_profile():
    result = subprocess.run(
        ["bin/linli", "manage", "check"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "LINLI_ENV": "dev"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "production profile" in result.stderr


def test_plain_manage_py_in_a_checkout_says_what_to_set():
    if (ROOT / ".env").exists():
        pytest.skip("this checkout has a developer's own .env choosing a profile")
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    message = result.stderr.splitlines()[-1]
    assert "LINLI_ENV is not set" in message and "LINLI_ENV=dev DEBUG=true" in message
    assert "/etc/linli/linli.env" in message


# ----------------------------------------------------------------- helpers


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{quote(db['NAME'], safe='')}"
    )


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("a separate server process needs a shared database: PostgreSQL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(**extra: str) -> dict[str, str]:
    """What a service manager gives a process: a PATH and a locale, nothing of ours."""
    return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **extra}


def _staff_user(mediator):
    """The mediator, with a password hashed as production hashes it (the test settings'
    fast hasher is not one production accepts)."""
    mediator.password = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8))
    mediator.save(update_fields=["password"])
    return mediator


class Server:
    """HTTP requests to the gunicorn under test, as the TLS-terminating proxy sends them."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, https=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        conn.close()
        return response, content


def _wait_for_health(server: Server, process, log: Path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            response, content = server.request("GET", "/healthz", https=False)
        except OSError:
            time.sleep(0.2)
            continue
        return response, content
    pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


# ----------------------------------------------------------------- the server itself


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_documented_production_start_serves_and_logs_only_json(tmp_path, mediator):
    _needs_postgres()
    _staff_user(mediator)
    port = _free_port()
    env = _clean_env(
        LINLI_ENV="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        LINLI_PII_KEYS=PII_KEYS,
        LINLI_PII_HASH_KEY=PII_HASH_KEY,
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=_database_url(),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    # The release step as documented (static files, deploy check, migrations: none due).
    release = subprocess.run(
        ["make", "--no-print-directory", "release"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert "No migrations to apply." in release.stdout
    assert (tmp_path / "static" / "staticfiles.json").exists()

    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            shlex.split(makefile_recipe("serve")[0]),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        server = Server(port)
        # The load balancer's check: plain HTTP, no forwarded scheme, not redirected.
        response, content = _wait_for_health(server, process, log)
        assert (response.status, content) == (200, b"ok")

        # Without the proxy's X-Forwarded-Proto every page is sent to HTTPS.
        response, _ = server.request("GET", "/accounts/login/", https=False)
        assert response.status == 301
        assert response.headers["Location"] == f"https://{HOST}/accounts/login/"

        # The login page, in Chinese for a browser that states no language.
        response, content = server.request("GET", "/accounts/login/")
        page = content.decode()
        assert response.status == 200 and response.headers["Content-Language"] == "zh-hans"
        assert 'lang="zh-hans"' in page and "用户名" in page
        assert "no-store" in response.headers["Cache-Control"]
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

        # Signing in and opening a staff page (session, CSRF over HTTPS, the database).
        response, _ = server.request(
            "POST",
            "/accounts/login/",
            body=f"csrfmiddlewaretoken={token}&username=mediator&password={quote(PASSWORD)}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/accounts/login/",
            },
        )
        assert response.status == 302, response.status
        response, content = server.request("GET", "/cases/")
        assert response.status == 200 and "案件" in content.decode()
        cache_control = {d.strip() for d in response.headers["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control
        staff_request_id = response.headers["X-Request-ID"]

        # A 404, a query string that must not reach the log, and a forged path.
        response, _ = server.request("GET", "/no-such-page/")
        assert response.status == 404 and "camera=()" in response.headers["Permissions-Policy"]
        response, _ = server.request("GET", "/r/status/?code=SECRET-CODE-123")
        assert response.status == 200
        response, _ = server.request("GET", FORGED)
        assert response.status == 404
        forged_request_id = response.headers["X-Request-ID"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()

    text = log.read_bytes().decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) > 10
    records = []
    for number, line in enumerate(lines[:-1], 1):
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"line {number} of the server's output is not JSON: {line!r}")
    for record in records:
        assert {"time", "level", "logger", "message"} <= set(record), record

    messages = [r["message"] for r in records if r["logger"] == "gunicorn.error"]
    assert any(m.startswith("Starting gunicorn") for m in messages)
    assert any(m.startswith("Booting worker") for m in messages)
    assert any("Shutting down" in m for m in messages)

    access = [r for r in records if r["logger"] == "gunicorn.access"]
    staff = next(r for r in access if r.get("request_id") == staff_request_id)
    assert (staff["method"], staff["path"], staff["status"]) == ("GET", "/cases/", 200)
    assert isinstance(staff["ms"], int) and staff["bytes"] > 0

    # The forged path: one access record, its path holding the characters themselves.
    forged = [r for r in access if r.get("path") == '/x\r\nFAKE"']
    assert len(forged) == 1 and forged[0]["status"] == 404
    assert forged[0]["request_id"] == forged_request_id
    assert not any(line.startswith("FAKE") for line in lines)
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert {r["path"] for r in not_found} >= {"/no-such-page/", '/x\r\nFAKE"'}
    assert all(r["status"] == 404 and r["request_id"] for r in not_found)

    # Nothing personal: no query strings, no client addresses.
    assert "SECRET-CODE-123" not in text
    assert not any("127.0.0.1" in json.dumps(r) for r in access + not_found)


# ----------------------------------------------------------------- the scheduled jobs


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_scheduled_jobs_run_in_production_against_the_configured_database(
    tmp_path, world, mediator
):
    from consultation.models import ArchiveRecord
    from tests.factories import make_case

    _needs_postgres()
    import datetime as dt

    overdue = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        due_date=dt.date.today() - dt.timedelta(days=2),
    )
    media, mail = tmp_path / "media", tmp_path / "mail"
    pdf = media / "archive" / "2026" / "LL-2026-0001.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7 archived minutes")
    record = ArchiveRecord.objects.create(
        archival_number="LL-2026-0001",
        title="Minutes",
        file="archive/2026/LL-2026-0001.pdf",
        sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
        size=pdf.stat().st_size,
        retention_years=10,
        archived_by=mediator,
    )

    # The deployment's environment file, as docs/deploy.md has the operator write it.
    env_file = tmp_path / "linli.env"
    env_file.write_text(
        "\n".join(
            [
                "# /etc/linli/linli.env",
                f"SECRET_KEY={secrets.token_urlsafe(50)}",
                f"LINLI_PII_KEYS={PII_KEYS}",
                f"LINLI_PII_HASH_KEY={PII_HASH_KEY}",
                f"ALLOWED_HOSTS={HOST}",
                f"DATABASE_URL={_database_url()}",
                f"MEDIA_ROOT={media}",
                f"EMAIL_URL=filemail:///{mail}",
                f"STATIC_ROOT={tmp_path / 'static'}",
                "",
            ]
        )
    )

    def run(service: str, env_file: Path = env_file):
        command, environment = unit_command(service)
        environment["LINLI_ENV_FILE"] = str(env_file)
        return subprocess.run(
            command,
            cwd=ROOT,
            env=_clean_env(**environment),
            capture_output=True,
            text=True,
            timeout=120,
        )

    sweep = run("linli-sla-sweep.service")
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert "cases overdue 1, chased now 1" in sweep.stdout
    assert CaseEvent.objects.filter(case=overdue, kind=EventKind.CHASE).count() == 1
    assert any(overdue.reference in sent.read_text() for sent in mail.iterdir())

    # verify_archive checks the file in the configured MEDIA_ROOT against the database's
    # checksum, and fails the unit (non-zero) when one byte changed.
    pdf.write_bytes(b"%PDF-1.7 archived minutez")
    verify = run("linli-verify-archive.service")
    assert verify.returncode != 0
    assert f"CHANGED: {record.archival_number}" in verify.stderr

    # The production profile is what ran: without the key production requires, it refuses.
    bare = tmp_path / "bare.env"
    bare.write_text(env_file.read_text().replace("SECRET_KEY=", "NOT_THE_KEY="))
    refused = run("linli-sla-sweep.service", bare)
    assert refused.returncode != 0
    assert "SECRET_KEY (50+ random characters) is required in production" in refused.stderr
    assert CaseEvent.objects.filter(case=overdue, kind=EventKind.CHASE).count() == 1
