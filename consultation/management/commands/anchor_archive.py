from django.core.management.base import BaseCommand

from consultation.services.archive import write_anchor


class Command(BaseCommand):
    help = (
        "Write today's anchor: the register's and the case logs' latest hashes in a signed, "
        "timestamped PDF to store off-site (#24, docs/archives.md)."
    )

    def handle(self, *args, **options):
        anchor = write_anchor()
        self.stdout.write(
            f"Anchor {anchor.day}: register {anchor.register_head[:16]}… "
            f"({anchor.register_count} rows), case logs {anchor.events_digest[:16]}… "
            f"({anchor.events_count} events) → {anchor.file.name} [{anchor.signature_level}]"
        )
