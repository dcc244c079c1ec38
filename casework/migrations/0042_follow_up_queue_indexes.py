"""Partial indexes for the follow-up queues: first contacts, return visits and requests to
reopen still owed.

Not atomic: on PostgreSQL each index is built ``CONCURRENTLY`` (``core.migration_ops``), so
a deployment with a million cases keeps taking writes while they build. If a build fails
halfway PostgreSQL leaves an INVALID index: drop it and run migrate again.
"""

from django.db import migrations, models

from core.migration_ops import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0041_case_address_encrypted"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("first_contact_at__isnull", True), ("first_contact_due__isnull", False)
                ),
                fields=["first_contact_due", "id"],
                name="case_first_contact_queue",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(
                condition=models.Q(("return_visit_due__isnull", False), ("status", "resolved")),
                fields=["return_visit_due", "id"],
                name="case_return_visit_queue",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("handled_at__isnull", True), ("reopen_requested", True)),
                fields=["case"],
                name="rating_reopen_queue",
            ),
        ),
    ]
