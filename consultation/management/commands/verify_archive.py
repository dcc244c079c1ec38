from django.core.management.base import BaseCommand, CommandError

from consultation.services.archive import verify


class Command(BaseCommand):
    help = "Re-hash every archived file; exit non-zero if any changed or went missing."

    def handle(self, *args, **options):
        checked, findings = verify()
        for finding in findings:
            self.stderr.write(
                f"{finding.problem.upper()}: {finding.record.archival_number} "
                f"({finding.record.file.name})"
            )
        if findings:
            raise CommandError(f"{len(findings)} of {checked} archived files failed verification")
        self.stdout.write(f"{checked} archived files verified")
