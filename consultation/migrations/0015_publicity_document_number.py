"""Posted notices (公示) carry a document number (公示〔2026〕3号) drawn when posted. Notices
posted before get theirs here, in the order they were posted, from the same yearly
numbering (core.YearSequence "doc:publicity"), so the next one posted continues it."""

from django.db import migrations, models


def number_posted_notices(apps, schema_editor):
    Publicity = apps.get_model("consultation", "Publicity")
    YearSequence = apps.get_model("core", "YearSequence")
    for publicity in Publicity.objects.filter(document_number="").order_by("created_at", "id"):
        year = publicity.starts_on.year
        sequence, _created = YearSequence.objects.get_or_create(name="doc:publicity", year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        publicity.document_number = f"公示〔{year}〕{sequence.last}号"
        publicity.save(update_fields=["document_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0014_event_notes_to_codes"),
        ("core", "0005_job_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="publicity",
            name="document_number",
            field=models.CharField(
                blank=True, editable=False, max_length=40, verbose_name="document number"
            ),
        ),
        migrations.RunPython(number_posted_notices, migrations.RunPython.noop),
    ]
