"""Chair and recorder as people: a staff FK beside the free text (kept for outsiders).

The data step links each meeting's typed chair and recorder to the one active user whose
name — display name (core.Profile), else first and last name in Chinese order — is the
typed text (spaces ignored). The typed text is then cleared, as the FK prints the same
name. No user or several users of that name: the text stays as typed."""

import unicodedata

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _key(text):
    return "".join((text or "").split())


def _compose(given, family):
    # Frozen copy of core.names.compose_name.
    given, family = (given or "").strip(), (family or "").strip()
    if any(unicodedata.name(ch, "").startswith("CJK") for ch in given + family):
        return f"{family}{given}"
    return f"{given} {family}".strip()


def link_people(apps, schema_editor):
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    profile = apps.get_model("core", "Profile")
    meeting = apps.get_model("consultation", "Meeting")
    shown = dict(profile.objects.exclude(display_name="").values_list("user_id", "display_name"))
    by_name = {}
    for pk, first, last in user_model.objects.filter(is_active=True).values_list(
        "pk", "first_name", "last_name"
    ):
        key = _key(shown.get(pk) or _compose(first, last))
        if key:
            by_name.setdefault(key, set()).add(pk)
    for m in meeting.objects.filter(chair_person__isnull=True).exclude(chair="").iterator():
        matches = by_name.get(_key(m.chair), set())
        if len(matches) == 1:
            meeting.objects.filter(pk=m.pk).update(chair_person_id=next(iter(matches)), chair="")
    for m in meeting.objects.filter(recorder_person__isnull=True).exclude(recorder="").iterator():
        matches = by_name.get(_key(m.recorder), set())
        if len(matches) == 1:
            meeting.objects.filter(pk=m.pk).update(
                recorder_person_id=next(iter(matches)), recorder=""
            )


class Migration(migrations.Migration):

    dependencies = [
        ('consultation', '0015_publicity_document_number'),
        ('core', '0006_profiles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='meeting',
            name='chair_person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='chair'),
        ),
        migrations.AddField(
            model_name='meeting',
            name='recorder_person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorder'),
        ),
        migrations.AlterField(
            model_name='meeting',
            name='chair',
            field=models.CharField(blank=True, max_length=100, verbose_name='chair (not a staff member)'),
        ),
        migrations.AlterField(
            model_name='meeting',
            name='recorder',
            field=models.CharField(blank=True, max_length=100, verbose_name='recorder (not a staff member)'),
        ),
        migrations.RunPython(link_people, migrations.RunPython.noop),
    ]
