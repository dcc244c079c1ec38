from django.core.management.base import BaseCommand, CommandError

from consultation.services.archive import verify_all


class Command(BaseCommand):
    help = (
        "Verify the archive: re-hash every archived file and validate its signature and "
        "timestamp against the trust roots, walk the register's and every case log's hash "
        "chain, and compare with the latest daily anchor. Exit non-zero on any finding."
    )

    def handle(self, *args, **options):
        report = verify_all()
        for finding in report.findings:
            if finding.record is None:  # a case log or an anchor: the detail names it
                self.stderr.write(f"{finding.problem.upper()}: {finding.detail}")
                continue
            detail = f" — {finding.detail}" if finding.detail else ""
            self.stderr.write(
                f"{finding.problem.upper()}: {finding.record.archival_number} "
                f"({finding.record.file.name}){detail}"
            )
        if report.unsigned:
            self.stdout.write(
                f"{report.unsigned} archived files are not signed yet "
                "(manage.py sign_archives queues them)"
            )
        if report.findings:
            raise CommandError(
                f"{len(report.findings)} of {report.checked} archived files failed "
                f"verification (with the register's and {report.events} case events' chains)"
            )
        self.stdout.write(
            f"{report.checked} archived files verified ({report.signed} signed), "
            f"{report.events} case events chained"
        )
