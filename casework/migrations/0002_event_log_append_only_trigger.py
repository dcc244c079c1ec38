"""Defence in depth for the append-only event log: on PostgreSQL the database itself
refuses UPDATE and DELETE of case events, whatever code (or psql session) tries.

SQLite gets no trigger: Django's test flush empties tables with DELETE, and SQLite
deployments are single-machine installs where the ORM guards are the boundary.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION linli_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'linli: % on % is not allowed, the log is append-only', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER casework_caseevent_append_only
    BEFORE UPDATE OR DELETE ON casework_caseevent
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS casework_caseevent_append_only ON casework_caseevent;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
