"""Rows the data migrations seed (categories, the working-day calendar, ballot rule sets).

A transactional test (``transaction=True``) empties every table when it ends, and
serialized rollback is not reliable with ``--reuse-db``; so every transactional and
live-server test gets them back from ``tests/conftest.py``'s autouse fixture, which calls
``ensure_reference_data()``: the migrations' own loaders again (they are idempotent)."""

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
