"""Append-only tables refused at the database, on PostgreSQL and on SQLite.

The ORM already refuses to change or delete these rows; the triggers here make the
database refuse too, whatever code, shell or SQL session tries. Two flavours:

- ``sealed``: no UPDATE, no DELETE, ever (the case event log).
- ``prunable``: no UPDATE; DELETE only of rows older than a cut-off that the pruning
  command announces for its own transaction (PostgreSQL: ``SET LOCAL
  linli.prune_before``; SQLite: a per-connection SQL function that only Django's
  connections define), and never of rows younger than the legal minimum (184 days, see
  ``core.retention``) — even a pruning session cannot cut deeper.

An ordinary ``UPDATE`` or ``DELETE`` — from the ORM, a raw cursor, ``psql`` or the
``sqlite3`` shell — fails. Someone who may alter the schema can drop a trigger; that is
the database administrator's power and outside what an application can prevent (see
docs/security.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import connections, transaction

from core.retention import LEGAL_MINIMUM_DAYS

# The name SQLite triggers call to learn the pruning cut-off of this connection.
SQLITE_PRUNE_FUNCTION = "linli_prune_before"
PG_PRUNE_SETTING = "linli.prune_before"


def _pg_sealed(table: str) -> list[str]:
    return [
        """
        CREATE OR REPLACE FUNCTION linli_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'linli: % on % is not allowed, the log is append-only',
                TG_OP, TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION linli_append_only();
        """,
    ]


def _pg_prunable(table: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION linli_append_only_prunable() RETURNS trigger AS $$
        DECLARE
            cutoff text := current_setting('{PG_PRUNE_SETTING}', true);
        BEGIN
            IF TG_OP = 'DELETE' AND coalesce(cutoff, '') <> ''
               AND OLD.created_at < cutoff::timestamptz
               AND OLD.created_at < now() - interval '{LEGAL_MINIMUM_DAYS} days' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'linli: % on % is not allowed, the record is append-only',
                TG_OP, TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION linli_append_only_prunable();
        """,
    ]


def _sqlite_sealed(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN
            SELECT RAISE(ABORT, 'linli: UPDATE on {table} is not allowed, the log is append-only');
        END;
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
        BEGIN
            SELECT RAISE(ABORT, 'linli: DELETE on {table} is not allowed, the log is append-only');
        END;
        """,
    ]


def _sqlite_prunable(table: str) -> list[str]:
    # Django stores datetimes on SQLite as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which
    # sorts like the time; SQLite's 'now' is UTC too. NULL from a missing cut-off must
    # refuse, hence the coalesce; outside Django the function does not exist and the
    # statement fails.
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN
            SELECT RAISE(ABORT, 'linli: UPDATE on {table} refused, the record is append-only');
        END;
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
        WHEN NOT coalesce(
            OLD.created_at < {SQLITE_PRUNE_FUNCTION}()
            AND OLD.created_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{LEGAL_MINIMUM_DAYS} days'),
            0
        )
        BEGIN
            SELECT RAISE(ABORT, 'linli: DELETE on {table} refused, the record is append-only');
        END;
        """,
    ]


def sqlite_trigger_names(table: str) -> list[str]:
    return [f"{table}_no_update", f"{table}_no_delete"]


def sqlite_install_statements(table: str, *, prunable: bool) -> list[str]:
    """The SQL that guards ``table`` on SQLite (idempotent)."""
    return _sqlite_prunable(table) if prunable else _sqlite_sealed(table)


def install(schema_editor, table: str, *, prunable: bool) -> None:
    """Create (or re-create) the guard triggers of ``table`` on this database."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _pg_prunable(table) if prunable else _pg_sealed(table)
    elif vendor == "sqlite":
        statements = sqlite_install_statements(table, prunable=prunable)
    else:
        return
    for sql in statements:
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor, table: str) -> None:
    """Drop the guard triggers of ``table`` (a migration's way back)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    elif vendor == "sqlite":
        for name in sqlite_trigger_names(table):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


# Tables guarded here, by the apps that own them: {table: prunable}. Re-installed after
# every ``migrate`` because SQLite loses a table's triggers whenever Django rebuilds the
# table to alter a column.
GUARDED: dict[str, bool] = {}


def guard(table: str, *, prunable: bool) -> None:
    """Declare ``table`` append-only (an app calls this from its ``ready``)."""
    GUARDED[table] = prunable


def reinstall_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: make sure every guarded table still has its triggers."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return  # PostgreSQL keeps a table's triggers through ALTER TABLE
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, prunable in GUARDED.items():
            if table in existing:
                for sql in sqlite_install_statements(table, prunable=prunable):
                    cursor.execute(sql)


def triggers_present(table: str, using: str = "default") -> bool:
    """Whether the database guards ``table`` (for the health check and tests)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal",
                [f"{table}_append_only"],
            )
            return cursor.fetchone()[0] == 1
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
                sqlite_trigger_names(table),
            )
            return cursor.fetchone()[0] == 2
    return False


# ------------------------------------------------------------------------- pruning


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: give each SQLite connection the function the triggers call.

    It answers this connection's pruning cut-off, or '' (nothing may be deleted).
    """
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_PRUNE_FUNCTION, 0, lambda: getattr(connection, "linli_prune_before", "")
    )


@contextlib.contextmanager
def pruning(cutoff: dt.datetime, using: str = "default"):
    """Inside this block (one transaction) the database lets rows older than ``cutoff``
    — and older than the legal minimum — be deleted from prunable tables."""
    connection = connections[using]
    cutoff = cutoff.astimezone(dt.UTC)
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config(%s, %s, true)", [PG_PRUNE_SETTING, cutoff.isoformat()]
                )
            yield
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PG_PRUNE_SETTING])
        else:
            connection.ensure_connection()
            connection.linli_prune_before = cutoff.replace(tzinfo=None).isoformat(sep=" ")
            try:
                yield
            finally:
                connection.linli_prune_before = ""
