"""An index for the reports' reads of the summary table (kinds over a range of days) that
holds every column, so PostgreSQL answers them from the index alone (all key columns: an
INCLUDE clause would warn on SQLite, which has none). Not atomic: built ``CONCURRENTLY``
on PostgreSQL (``core.migration_ops``)."""

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
                fields=["kind", "day", "place_id", "category_id", "organisation_id", "value", "n"],
                name="tally_kind_day",
            ),
        ),
    ]
