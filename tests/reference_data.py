"""Rows the data migrations seed (categories, the working-day calendar, ballot rule sets).

A transactional test (``transaction=True``) empties every table when it ends, and
serialized rollback is not reliable with ``--reuse-db``; a test that runs after one and
needs these rows calls ``ensure_reference_data()``, which re-runs the migrations' own
loaders (they are idempotent)."""

import importlib

from django.apps import apps

LOADERS = [
    ("casework.migrations.0003_seed_categories", "forwards"),
    ("casework.migrations.0008_load_calendar", "forwards"),
    ("consultation.migrations.0003_rule_sets", "load"),
]


def ensure_reference_data() -> None:
    for module, function in LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)
