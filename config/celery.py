"""Celery, wired to Django: ``celery -A config worker`` and ``celery -A config beat``.

Settings come from Django's (``CELERY_*``); the beat schedule is built from
``LINLI_SCHEDULE`` (config/settings.py) so that one table says what runs when.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("linli")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["core"])


@app.on_after_finalize.connect
def _schedule(sender, **kwargs):
    from django.conf import settings

    schedule = {
        "relay-jobs": {"task": "linli.relay_jobs", "schedule": 60.0},
    }
    for name, spec in settings.LINLI_SCHEDULE.items():
        minute, hour, day_of_month, month_of_year, day_of_week = spec.split()
        schedule[f"command-{name}"] = {
            "task": "linli.scheduled_command",
            "schedule": crontab(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
            ),
            "args": (name,),
        }
    sender.conf.beat_schedule = schedule
