"""A covering index for the reports' reads of the summary table (kinds over a range of
days). Not atomic: built ``CONCURRENTLY`` on PostgreSQL (``core.migration_ops``); SQLite
has no covering indexes and gets a plain one on (kind, day)."""

from django.db import migrations, models

from core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0043_tally_grid_cells"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="tally",
            index=models.Index(
                fields=["kind", "day"],
                include=("place_id", "category_id", "organisation_id", "value", "n"),
                name="tally_kind_day",
            ),
        ),
    ]
