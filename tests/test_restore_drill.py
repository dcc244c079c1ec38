"""The backup and restore drill of docs/deploy.md, performed on a small database: make
data, archive a PDF, `pg_dump -Fc`, copy the stored files (the storage sync), restore into
a new database, and `verify_archive` there — the restored archive must verify, and a
damaged copy must not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from weasyprint import HTML

from consultation.services.archive import register
from tests.factories import make_case

# Transactional (transactional_db below): pg_dump, another process, must see the rows.
pytestmark = pytest.mark.postgres

ROOT = Path(django_settings.BASE_DIR)


def _url(db: dict, name: str) -> str:
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{name}"
    )


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)


@pytest.fixture
def restored_database(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the drill restores a PostgreSQL dump")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump/pg_restore missing: make install adds postgresql-client")
    db = connection.settings_dict
    name = f"linli_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url(db, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield db, name
    with psycopg.connect(_url(db, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dump_restored_into_a_new_database_verifies_its_archive(
    restored_database, settings, tmp_path, world, mediator
):
    db, restored = restored_database
    live_media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    settings.MEDIA_ROOT = str(live_media)
    case = make_case(place=world.building_a, organisation=world.committee_a)
    pdf = HTML(string="<h1>纪要</h1><p>Archived before the backup.</p>").write_pdf()
    record = register(pdf, title="Minutes", retention_years=10, actor=mediator)

    # 1. The database, in PostgreSQL's custom format.
    dump = tmp_path / "linli.dump"
    done = _run("pg_dump", "-Fc", "--no-owner", "-f", str(dump), _url(db, db["NAME"]))
    assert done.returncode == 0, done.stderr
    # 2. The stored files (object storage: `rclone sync` / `aws s3 sync`; here a copy).
    shutil.copytree(live_media, restored_media)
    # 3. Restore into a new, empty database.
    done = _run("pg_restore", "--no-owner", "--exit-on-error", "-d", _url(db, restored), str(dump))
    assert done.returncode == 0, done.stderr
    with psycopg.connect(_url(db, restored)) as conn:
        references = [r[0] for r in conn.execute("SELECT reference FROM casework_case")]
        archived = conn.execute("SELECT archival_number, sha256 FROM consultation_archiverecord")
        assert references == [case.reference]
        assert list(archived) == [(record.archival_number, record.sha256)]

    # 4. verify_archive on the restored copy, as the operator runs it.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LINLI_ENV": "test",
        "DATABASE_URL": _url(db, restored),
        "MEDIA_ROOT": str(restored_media),
    }
    verified = _run(sys.executable, "manage.py", "verify_archive", cwd=ROOT, env=env)
    assert verified.returncode == 0, verified.stderr
    assert "1 archived files verified" in verified.stdout

    # A restore whose files were damaged is caught, not trusted.
    copy = restored_media / record.file.name
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    damaged = _run(sys.executable, "manage.py", "verify_archive", cwd=ROOT, env=env)
    assert damaged.returncode != 0
    assert f"CHANGED: {record.archival_number}" in damaged.stderr
