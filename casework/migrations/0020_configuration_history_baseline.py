"""Data: the configuration's state when its history began, as each row's first record,
so that the first change made afterwards shows its "before" as well as its "after"."""

from django.db import migrations
from django.utils import timezone

REASON = "Baseline: the state when history began"
MODELS = ["Category", "CalendarYear", "CalendarDay", "Membership", "ApiToken", "Organisation", "Place"]


def baseline(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        model = apps.get_model("casework", name)
        history = apps.get_model("casework", f"Historical{name}")
        kept = {f.attname for f in history._meta.concrete_fields}
        history.objects.bulk_create(
            (
                history(
                    **{
                        f.attname: getattr(row, f.attname)
                        for f in model._meta.concrete_fields
                        if f.attname in kept
                    },
                    history_date=now,
                    history_type="+",
                    history_change_reason=REASON,
                )
                for row in model.objects.all().iterator()
            ),
            batch_size=500,
        )
    organisation = apps.get_model("casework", "Organisation")
    covered = organisation._meta.get_field("places").remote_field.through
    records = dict(
        apps.get_model("casework", "HistoricalOrganisation")
        .objects.filter(history_change_reason=REASON)
        .values_list("id", "history_id")
    )
    apps.get_model("casework", "HistoricalOrganisation_places").objects.bulk_create(
        (
            apps.get_model("casework", "HistoricalOrganisation_places")(
                id=link.id,
                history_id=records[link.organisation_id],
                organisation_id=link.organisation_id,
                place_id=link.place_id,
            )
            for link in covered.objects.all().iterator()
            if link.organisation_id in records
        ),
        batch_size=500,
    )


def remove_baseline(apps, schema_editor):
    baseline_organisations = apps.get_model("casework", "HistoricalOrganisation").objects.filter(
        history_change_reason=REASON
    )
    apps.get_model("casework", "HistoricalOrganisation_places").objects.filter(
        history__in=baseline_organisations
    ).delete()
    for name in MODELS:
        apps.get_model("casework", f"Historical{name}").objects.filter(
            history_change_reason=REASON
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0019_configuration_history")]

    operations = [migrations.RunPython(baseline, remove_baseline)]
