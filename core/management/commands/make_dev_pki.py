"""``manage.py make_dev_pki``: the development PKI under var/pki/ (core.pki)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import pki


class Command(BaseCommand):
    help = (
        "Create a local test CA, the office's signing certificate and a timestamp "
        "authority's certificate under var/pki/ (development and tests only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="Where (default: LINLI_DEV_PKI).")
        parser.add_argument("--force", action="store_true", help="Replace an existing one.")

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "The development PKI is not for production: set LINLI_SIGNING_P12, "
                "LINLI_SIGNING_PASSPHRASE, LINLI_TSA_URL and LINLI_TRUST_ROOTS "
                "(docs/archives.md)."
            )
        directory = Path(options["dir"] or settings.LINLI_SIGNING["DEV_PKI"])
        if pki.exists(directory) and not options["force"]:
            self.stdout.write(f"The development PKI is already in {directory}.")
            return
        pki.make(directory)
        self.stdout.write(self.style.SUCCESS(f"Development PKI made in {directory}."))
