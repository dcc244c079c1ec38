"""Migration operations that behave well on a live PostgreSQL and still run on SQLite.

``AddIndexConcurrently`` (django.contrib.postgres) builds an index without taking the write
lock that a plain ``CREATE INDEX`` holds for the whole build — at a million cases that is
tens of seconds in which no case can be saved. It exists only for PostgreSQL; the test
suite and ``make run`` use SQLite. ``AddIndexConcurrentlyOnPostgres`` is the same
operation there and a plain ``AddIndex`` elsewhere. A migration using it must say
``atomic = False`` (PostgreSQL refuses ``CONCURRENTLY`` inside a transaction).
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, ``CREATE INDEX`` on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


def postgres_only(*statements: str, reverse: tuple[str, ...] = ()) -> migrations.RunPython:
    """Run raw ``statements`` on PostgreSQL only (extensions, expression indexes with an
    operator class); nothing on other databases."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in reverse:
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)
