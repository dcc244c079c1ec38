from django.core.management.base import BaseCommand
from django.utils import timezone

from casework.calendar import load_official_schedule


class Command(BaseCommand):
    help = "Load China's official holiday schedule (with 调休 make-up days) for some years."

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument(
            "years", nargs="*", type=int, default=[this_year - 1, this_year, this_year + 1]
        )

    def handle(self, *args, years, **options):
        for year in years:
            if load_official_schedule(year):
                self.stdout.write(f"{year}: official schedule loaded")
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: not published in the holidays package; weekends only "
                        "until staff enter it in the admin"
                    )
                )
