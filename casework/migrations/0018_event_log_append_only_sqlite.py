"""The case event log refused at the database on SQLite too (0002 did PostgreSQL only):
BEFORE UPDATE / BEFORE DELETE triggers that abort, whatever code or shell tries.

Triggers are re-created after every ``migrate`` (core.append_only.reinstall_after_migrate)
because SQLite drops them whenever Django rebuilds the table to alter a column.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from core import append_only

        append_only.install(schema_editor, "casework_caseevent", prunable=False)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from core import append_only

        append_only.uninstall(schema_editor, "casework_caseevent")


class Migration(migrations.Migration):
    dependencies = [("casework", "0017_event_kind_mediation")]

    operations = [migrations.RunPython(forwards, backwards)]
