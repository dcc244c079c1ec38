"""Indexes for every sort of the case list, and trigram indexes for its free-text search.

Not atomic: on PostgreSQL each index is built ``CONCURRENTLY`` (``core.migration_ops``),
so a deployment with a million cases keeps taking writes while they build (a plain
``CREATE INDEX`` locks the table against writes for the whole build). If a concurrent build
fails halfway PostgreSQL leaves an INVALID index behind: drop it and run migrate again.
On SQLite they are plain indexes and the search stays as it is (no pg_trgm there).

The trigram indexes are on ``UPPER(column)`` because that is what Django's ``icontains``
compares on PostgreSQL; pg_trgm is a trusted extension (PostgreSQL 13+), so the
database's owner may create it.
"""

from django.conf import settings
from django.db import migrations, models

from core.migration_ops import AddIndexConcurrentlyOnPostgres, postgres_only

TRIGRAM_INDEXES = {
    "case_description_trgm": ("casework_case", "description"),
    "case_reference_trgm": ("casework_case", "reference"),
    "party_name_trgm": ("casework_party", "name"),
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0023_summary_tallies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(fields=["created_at", "id"], name="case_sort_created"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(fields=["due_date", "id"], name="case_sort_due"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(fields=["priority", "id"], name="case_sort_priority"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(fields=["status", "id"], name="case_sort_status"),
        ),
        postgres_only(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            *(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
                for name, (table, column) in TRIGRAM_INDEXES.items()
            ),
            reverse=tuple(f"DROP INDEX CONCURRENTLY IF EXISTS {name}" for name in TRIGRAM_INDEXES),
        ),
    ]
