"""``manage.py rebuild_tallies``: recompute the dashboard's and reports' summary tables
from the cases (after a bulk import, a place moved in the tree, or a restore); with
``--check``, only compare and exit non-zero when they differ."""

from django.core.management.base import BaseCommand, CommandError

from casework import tallies


class Command(BaseCommand):
    help = "Recompute the summary tables behind the dashboard and the reports from the cases."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the tables with a full recount and exit 1 if they differ; write nothing.",
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            expected, held = tallies.recount(), tallies.stored()
            wrong = {k for k in expected.keys() | held.keys() if expected[k] != held[k]}
            if wrong:
                for key in sorted(wrong)[:20]:
                    self.stderr.write(f"{key}: held {held[key]}, recount {expected[key]}")
                raise CommandError(f"{len(wrong)} summary keys differ from a full recount.")
            self.stdout.write(f"The summary tables match a full recount ({len(held)} keys).")
            return
        cases, keys = tallies.rebuild()
        self.stdout.write(f"Rebuilt the summary tables: {cases} cases, {keys} keys.")
