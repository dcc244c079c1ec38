from django.core.management.base import BaseCommand

from casework.sla import sla_sweep


class Command(BaseCommand):
    help = (
        "Flag overdue referrals and cases and chase each overdue deadline once "
        "(safe to run from cron every few minutes)."
    )

    def handle(self, *args, **options):
        result = sla_sweep()
        self.stdout.write(
            f"referrals overdue {result.referrals_overdue}, chased now {result.referrals_chased}; "
            f"cases overdue {result.cases_overdue}, chased now {result.cases_chased}"
            + "".join(
                f"; {label} overdue {overdue}, chased now {chased}"
                for label, overdue, chased in result.others
            )
        )
