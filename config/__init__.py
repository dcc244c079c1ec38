# Celery's app is loaded with Django so that every process (web, worker, beat, commands)
# hands jobs to the same broker (config/celery.py).
from config.celery import app as celery_app

__all__ = ["celery_app"]
