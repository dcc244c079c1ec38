"""Delete security events past retention: the only way rows leave the security record."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from core.append_only import pruning
from core.audit import record
from core.models import SecurityEvent, SecurityEventKind
from core.retention import security_record_cutoff


class Command(BaseCommand):
    help = (
        "Delete security events older than LINLI_SECURITY_RETENTION_DAYS (at least 184 days, "
        "网络安全法 Art. 21). Run it daily from cron; it records what it deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.LINLI["SECURITY_RETENTION_DAYS"]
        try:
            cutoff = security_record_cutoff(now=timezone.now(), retention_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        due = SecurityEvent.objects.filter(created_at__lt=cutoff).count()
        if dry_run:
            self.stdout.write(f"{due} security events older than {cutoff:%Y-%m-%d %H:%M} UTC.")
            return
        # The ORM refuses to delete these rows; the database allows it only inside
        # ``pruning`` and only for rows older than the cut-off and the legal minimum.
        with pruning(cutoff), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM core_securityevent WHERE created_at < %s",
                [connection.ops.adapt_datetimefield_value(cutoff)],
            )
            deleted = cursor.rowcount
        record(
            SecurityEventKind.RECORD_PRUNED,
            detail={"deleted": deleted, "before": cutoff.isoformat(), "retention_days": days},
        )
        self.stdout.write(f"Deleted {deleted} security events older than {cutoff:%Y-%m-%d}.")
