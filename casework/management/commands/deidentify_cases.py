"""De-identify the personal data of cases past retention (PIPL Art. 19, 47): run it with
``--dry-run`` first to see what it would clear; scheduled nightly (LINLI_SCHEDULE)."""

from django.core.management.base import BaseCommand, CommandError

from casework import deidentify


class Command(BaseCommand):
    help = (
        "Clear parties' contact details, then names, from cases ended longer ago than "
        "LINLI_PII_RETENTION_CONTACT_DAYS / _IDENTITY_DAYS. Statistics and archives stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the cases it would clear; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        try:
            run = deidentify.deidentify(dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        verb = "would be cleared" if dry_run else "cleared"
        for kind, ids in run.cases.items():
            self.stdout.write(
                f"{kind}: {len(ids)} cases ended before {run.cutoffs[kind]:%Y-%m-%d} {verb}."
            )
            if dry_run and ids:
                shown = ", ".join(str(i) for i in ids[:50])
                self.stdout.write(f"  case ids: {shown}{' …' if len(ids) > 50 else ''}")
        self.stdout.write(f"one-time-code texts older than a day: {run.code_texts} {verb}.")
