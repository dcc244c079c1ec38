from django.core.management.base import BaseCommand

from casework.sla import sla_sweep


class Command(BaseCommand):
    help = (
        "Flag overdue referrals, cases, first contacts and return visits and chase each "
        "overdue deadline once "
        "(safe to run from cron every few minutes)."
    )

    def handle(self, *args, **options):
        result = sla_sweep()
        self.stdout.write(
            f"referrals overdue {result.referrals_overdue}, chased now {result.referrals_chased}; "
            f"cases overdue {result.cases_overdue}, chased now {result.cases_chased}; "
            f"first contacts overdue {result.first_contacts_overdue}, "
            f"chased now {result.first_contacts_chased}; "
            f"case return visits overdue {result.return_visits_overdue}, "
            f"chased now {result.return_visits_chased}"
            + "".join(
                f"; {label} overdue {overdue}, chased now {chased}"
                for label, overdue, chased in result.others
            )
        )
