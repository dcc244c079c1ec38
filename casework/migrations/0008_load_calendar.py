"""Load the official schedules for 2025–2027 so deadlines count Chinese working days from
the first migrate. Later years: `manage.py load_calendar` or the admin."""

from django.db import migrations

YEARS = [2025, 2026, 2027]


# The same steps as casework.calendar.load_official_schedule, copied on purpose: a
# migration must keep working with historical models when that code changes later.
def forwards(apps, schema_editor):
    import holidays

    CalendarDay = apps.get_model("casework", "CalendarDay")
    CalendarYear = apps.get_model("casework", "CalendarYear")
    for year in YEARS:
        china = holidays.China(years=year)
        workdays = {d for d in getattr(china, "weekend_workdays", set()) if d.year == year}
        if not workdays:
            CalendarYear.objects.get_or_create(year=year)
            continue
        for day, name in china.items():
            if day.weekday() < 5:
                CalendarDay.objects.update_or_create(
                    date=day, defaults={"is_working": False, "name": name[:100]}
                )
        for day in workdays:
            CalendarDay.objects.update_or_create(
                date=day, defaults={"is_working": True, "name": "调休上班 (make-up working day)"}
            )
        CalendarYear.objects.update_or_create(
            year=year, defaults={"published": True, "source": f"holidays {holidays.__version__}"}
        )


def backwards(apps, schema_editor):
    apps.get_model("casework", "CalendarDay").objects.filter(date__year__in=YEARS).delete()
    apps.get_model("casework", "CalendarYear").objects.filter(year__in=YEARS).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0007_working_day_calendar")]

    operations = [migrations.RunPython(forwards, backwards)]
