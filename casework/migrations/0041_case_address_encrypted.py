"""Cases' address details (a flat, a doorway — often the resident's own home) sealed at rest
like the parties' addresses (#27, core.crypto).

A data migration in batches by primary key, safe to run again (a sealed value is read back
and sealed afresh); ``manage.py rotate_pii_key`` seals anything written in clear since.
"""

from django.db import migrations

import core.fields

BATCH = 2000


def seal_existing(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    last = 0
    while True:
        batch = list(
            Case.objects.filter(pk__gt=last)
            .exclude(address="")
            .order_by("pk")
            .only("pk", "address")[:BATCH]
        )
        if not batch:
            return
        Case.objects.bulk_update(batch, ["address"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0040_sms_messages_and_phone_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="address",
            field=core.fields.EncryptedCharField(
                blank=True, max_length=300, verbose_name="address details"
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
