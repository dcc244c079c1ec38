from django.core.management.base import BaseCommand

from casework.notifications import send_waiting_digests


class Command(BaseCommand):
    help = (
        "Mail each person who asked for it (membership: daily e-mail of what waits) the "
        "list of what waits for them. Run once each morning."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"digests sent {send_waiting_digests()}")
