"""Our own state field, so migrations never import django-fsm.

Migrations record a plain ``CharField``: the state machine is behaviour, not schema, and
swapping or upgrading the FSM library must never require a migration.
"""

from django_fsm import FSMField


class StateField(FSMField):
    """A protected FSM state column: it can only change through a declared transition."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("protected", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("protected", None)
        return name, "django.db.models.CharField", args, kwargs
