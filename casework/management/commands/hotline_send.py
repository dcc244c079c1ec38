from django.core.management.base import BaseCommand

from casework.hotline.outbound import send_due


class Command(BaseCommand):
    help = "Send the 12345 outbox messages that are due (retries with backoff); run it often."

    def handle(self, *args, **options):
        result = send_due()
        self.stdout.write(f"{result.sent} sent, {result.failed} failed (retried later)")
