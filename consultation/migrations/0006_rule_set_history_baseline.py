"""Data: every rule set's state when its history began, as its first record, so that the
first change made afterwards shows its "before" as well as its "after"."""

from django.db import migrations
from django.utils import timezone

REASON = "Baseline: the state when history began"


def baseline(apps, schema_editor):
    model = apps.get_model("consultation", "BallotRuleSet")
    history = apps.get_model("consultation", "HistoricalBallotRuleSet")
    kept = {f.attname for f in history._meta.concrete_fields}
    now = timezone.now()
    history.objects.bulk_create(
        history(
            **{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.attname in kept},
            history_date=now,
            history_type="+",
            history_change_reason=REASON,
        )
        for row in model.objects.all()
    )


def remove_baseline(apps, schema_editor):
    apps.get_model("consultation", "HistoricalBallotRuleSet").objects.filter(
        history_change_reason=REASON
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("consultation", "0005_rule_set_history")]

    operations = [migrations.RunPython(baseline, remove_baseline)]
