"""Cases resolved before return visits had a due date (#20) get one, as resolving them now
would: the configured working days after the day they were resolved. Without it they could
not close (closing waits for a return visit) yet no queue or sweep would ever show them.

Reads the working-day calendar through ``casework.calendar`` (the live module: the
calendar's tables are the same in this migration's state and today's)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from casework.calendar import add_working_days

    Case = apps.get_model("casework", "Case")
    days = settings.LINLI["RETURN_VISIT_WORKING_DAYS"]
    pending = Case.objects.filter(
        status="resolved", return_visit_due__isnull=True, resolved_at__isnull=False
    ).only("pk", "resolved_at")
    by_due: dict = {}
    for case in pending.iterator(chunk_size=2000):
        due = add_working_days(timezone.localdate(case.resolved_at), days)
        by_due.setdefault(due, []).append(case.pk)
    for due, pks in by_due.items():
        for start in range(0, len(pks), 2000):
            Case.objects.filter(pk__in=pks[start : start + 2000]).update(return_visit_due=due)


class Migration(migrations.Migration):
    dependencies = [("casework", "0033_hotline_orders_outbox")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
