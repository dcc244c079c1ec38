"""Partial indexes for the dashboard's mediation reminders: judicial confirmations pending
and return visits owed. Not atomic: built ``CONCURRENTLY`` on PostgreSQL
(``core.migration_ops``); if a build fails halfway, drop the INVALID index and migrate
again."""

from django.db import migrations, models

from core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("consultation", "0017_signed_archive_chained_register"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="agreement",
            index=models.Index(
                condition=models.Q(("effective_at__isnull", False), ("judicial_status", "pending")),
                fields=["judicial_deadline"],
                name="agreement_judicial_open",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="mediation",
            index=models.Index(
                condition=models.Q(("status", "agreed")),
                fields=["return_visit_due"],
                name="mediation_return_visit_queue",
            ),
        ),
    ]
