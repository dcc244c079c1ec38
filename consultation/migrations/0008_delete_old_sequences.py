from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0007_serials_to_year_sequence"),
    ]

    operations = [
        migrations.DeleteModel(name="ArchiveSequence"),
        migrations.DeleteModel(name="MediationSequence"),
    ]
