"""Remove expired one-time submission keys (forms' tokens, API Idempotency-Keys).

New submissions prune as they arrive; run this from cron on a quiet system too, e.g.
``0 3 * * * cd /srv/linli && .venv/bin/python manage.py prune_submission_keys``.
"""

from django.core.management.base import BaseCommand

from core.idempotency import prune


class Command(BaseCommand):
    help = "Delete submission keys older than LINLI_IDEMPOTENCY_HOURS."

    def handle(self, *args, **options):
        removed = prune()
        self.stdout.write(f"{removed} expired submission keys removed.")
