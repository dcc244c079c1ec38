from django.core.management.base import BaseCommand

from consultation.services.archive import sign_pending


class Command(BaseCommand):
    help = "Queue the office's signature for every archived file not signed yet (#24)."

    def handle(self, *args, **options):
        self.stdout.write(f"{sign_pending()} archived files queued for signing")
