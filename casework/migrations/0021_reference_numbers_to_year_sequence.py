"""Case references are numbered by the kernel's one yearly-numbering table
(``core.YearSequence``, name "case"): carry each year's last number over. Reversible."""

from django.db import migrations

NAME = "case"


def forward(apps, schema_editor):
    old = apps.get_model("casework", "ReferenceSequence")
    new = apps.get_model("core", "YearSequence")
    for row in old.objects.all():
        new.objects.update_or_create(name=NAME, year=row.year, defaults={"last": row.last})


def backward(apps, schema_editor):
    old = apps.get_model("casework", "ReferenceSequence")
    new = apps.get_model("core", "YearSequence")
    for row in new.objects.filter(name=NAME):
        old.objects.update_or_create(year=row.year, defaults={"last": row.last})
    new.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0020_configuration_history_baseline"),
        ("core", "0004_year_sequences"),
    ]

    operations = [migrations.RunPython(forward, backward)]
