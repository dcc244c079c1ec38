from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.place_points import CRS, PointImportError, import_points, read_csv, read_geojson


class Command(BaseCommand):
    help = (
        "Import WGS-84 points (and outlines) of estates and buildings from a CSV "
        "(place,lat,lng[,polygon]) or GeoJSON file; all or nothing, problems by line. "
        "See casework/place_points.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--crs",
            choices=CRS,
            default="wgs84",
            help="gcj02 for coordinates read off a Chinese base map (AMap, Tencent).",
        )

    def handle(self, *args, file: Path, crs: str, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        reader = read_geojson if file.suffix.lower() in {".geojson", ".json"} else read_csv
        try:
            count = import_points(rows=reader(data), crs=crs)
        except PointImportError as exc:
            raise CommandError(
                "nothing imported:\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{count} places have coordinates now"))
