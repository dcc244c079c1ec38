from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.hotline.inbound import OrderImportError, import_orders, read_batch


class Command(BaseCommand):
    help = (
        "Import a batch of 12345 work orders (JSON, CSV or XLSX; docs/12345.md): new order "
        "numbers become cases, known ones update the hotline's deadlines. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for file in files:
            try:
                result = import_orders(records=read_batch(file.name, file.read_bytes()))
            except OSError as exc:
                raise CommandError(f"{file}: {exc.strerror}") from None
            except OrderImportError as exc:
                lines = "\n".join(f"  {p}" for p in exc.problems)
                raise CommandError(f"{file}: nothing imported:\n{lines}") from None
            self.stdout.write(
                f"{file}: {len(result.created)} new cases, {len(result.updated)} updated"
            )
            if result.unmapped:
                self.stdout.write(
                    self.style.WARNING(
                        "filed as “other” (add a hotline category mapping in the admin): "
                        + ", ".join(sorted(result.unmapped))
                    )
                )
