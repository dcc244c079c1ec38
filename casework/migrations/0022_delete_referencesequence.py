from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0021_reference_numbers_to_year_sequence"),
    ]

    operations = [
        migrations.DeleteModel(name="ReferenceSequence"),
    ]
