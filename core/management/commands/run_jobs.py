"""Run the job outbox's relay once: put back jobs whose worker vanished and hand over (or,
without a broker, run here) every job that is due — retries after a failure included.

With celery beat this runs every minute by itself. On a single machine without a broker
run it from a timer (deploy/systemd/linli-run-jobs.timer) or by hand after an outage.
"""

from django.core.management.base import BaseCommand

from core import jobs


class Command(BaseCommand):
    help = "Hand over (or run, without a broker) every due job of the outbox."

    def handle(self, *args, **options):
        count = jobs.relay()
        depth = jobs.queue_depth()
        self.stdout.write(
            f"{count} due jobs handed over; {depth['pending']} waiting, {depth['failed']} failed."
        )
