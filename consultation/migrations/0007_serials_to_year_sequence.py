"""Mediation serials and archival numbers are numbered by the kernel's one yearly-numbering
table (``core.YearSequence``, names "mediation" and "archive"): carry each year's last
number over. Reversible."""

from django.db import migrations

OLD_TO_NEW = {"MediationSequence": "mediation", "ArchiveSequence": "archive"}


def forward(apps, schema_editor):
    new = apps.get_model("core", "YearSequence")
    for model_name, name in OLD_TO_NEW.items():
        for row in apps.get_model("consultation", model_name).objects.all():
            new.objects.update_or_create(name=name, year=row.year, defaults={"last": row.last})


def backward(apps, schema_editor):
    new = apps.get_model("core", "YearSequence")
    for model_name, name in OLD_TO_NEW.items():
        old = apps.get_model("consultation", model_name)
        for row in new.objects.filter(name=name):
            old.objects.update_or_create(year=row.year, defaults={"last": row.last})
        new.objects.filter(name=name).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0006_rule_set_history_baseline"),
        ("core", "0004_year_sequences"),
    ]

    operations = [migrations.RunPython(forward, backward)]
