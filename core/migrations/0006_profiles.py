"""Display names (core.Profile): one per existing user, filled from the first and last name
in Chinese order (family + given, no space, for Han names; "Given Family" for Latin ones).
A user with no name gets an empty display name (the account name is shown, as before)."""

import unicodedata

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _compose(given: str, family: str) -> str:
    # Frozen copy of core.names.compose_name: a migration must not follow later edits.
    given, family = (given or "").strip(), (family or "").strip()
    if any(unicodedata.name(ch, "").startswith("CJK") for ch in given + family):
        return f"{family}{given}"
    return f"{given} {family}".strip()


def fill_display_names(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    profile = apps.get_model("core", "Profile")
    have = set(profile.objects.values_list("user_id", flat=True))
    profile.objects.bulk_create(
        [
            profile(user_id=pk, display_name=_compose(first, last)[:100])
            for pk, first, last in user_model.objects.values_list("pk", "first_name", "last_name")
            if pk not in have
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_job_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Profile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "display_name",
                    models.CharField(
                        blank=True,
                        help_text="How your name is written on pages, documents and mail. Chinese names: family name first, no space (张晓燕). Empty: made from the first and last name.",
                        max_length=100,
                        verbose_name="display name",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="profile",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={"verbose_name": "profile", "verbose_name_plural": "profiles"},
        ),
        migrations.RunPython(fill_display_names, migrations.RunPython.noop),
    ]
