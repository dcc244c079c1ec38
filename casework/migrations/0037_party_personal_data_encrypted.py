"""Parties' phone numbers and addresses encrypted at rest (#27, core.crypto), and their
phone look-up keys turned into keyed hashes (casework.phones.phone_key).

A data migration: existing rows are sealed in batches by primary key (a million parties
never sit in memory at once). It is safe to run again — a sealed value is read back and
sealed afresh — and ``manage.py rotate_pii_key`` seals anything written in clear since.
"""

from django.db import migrations

import core.fields

BATCH = 2000


def seal_existing(apps, schema_editor):
    # The field class is the real EncryptedCharField: reading gives clear text (a value
    # written before this migration is returned as it is), saving seals it.
    from casework.phones import phone_key

    Party = apps.get_model("casework", "Party")
    last = 0
    while True:
        batch = list(
            Party.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "phone", "address", "phone_key")[:BATCH]
        )
        if not batch:
            return
        for party in batch:
            party.phone_key = phone_key(party.phone)
        Party.objects.bulk_update(batch, ["phone", "address", "phone_key"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0036_event_hash_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="party",
            name="address",
            field=core.fields.EncryptedCharField(
                blank=True, max_length=300, verbose_name="address"
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="phone",
            field=core.fields.EncryptedCharField(blank=True, max_length=30, verbose_name="phone"),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
