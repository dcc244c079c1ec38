"""Our own model fields: the state field, and the encrypted field for personal data.

The state field: migrations never import django-fsm.

Migrations record a plain ``CharField``: the state machine is behaviour, not schema, and
swapping or upgrading the FSM library must never require a migration.
"""

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django_fsm import FSMField

from core import crypto


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


class EncryptedCharField(models.TextField):
    """A short text (a phone number, an ID number, a detailed address) stored encrypted
    (core.crypto: SM4-GCM, key id per value). Python code sees the clear text; the
    database holds only ``pii1:…`` tokens, in a text column because a token is longer
    than the value. ``max_length`` limits the clear text (forms, validation).

    It cannot be searched: equal numbers give different tokens. Search the field's
    keyed hash instead (``casework.phones.phone_key`` for phone numbers). A lookup
    other than ``isnull`` or an exact match on "" is refused, so that a filter on the
    ciphertext cannot silently find nothing."""

    description = "Encrypted text (personal data)"
    _SEARCHABLE = {"isnull", "exact"}

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in self._SEARCHABLE:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted and cannot be searched "
                f"with {lookup_name!r}; search its keyed hash (casework.phones.phone_key)."
            )
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        # A one-line input, not the text area a TextField would give.
        return super(models.TextField, self).formfield(
            **{"form_class": forms.CharField, "max_length": self.max_length, **kwargs}
        )

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "core.fields.EncryptedCharField", args, kwargs
