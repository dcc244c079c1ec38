"""Form fields that show people by the person-name rule (``core.names``): a picker or a
filter lists 张晓燕, never the account name "mediator"."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator

from core.names import person_name


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices read in one query. Django's iterator reads them with
    ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor — DECLARE, FETCH
    and CLOSE, three round trips (~1 ms of the case page at 1,000,000 cases) — for what is
    a list of a few dozen people."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class PersonChoiceField(forms.ModelChoiceField):
    """Choose one user, shown by their name."""

    iterator = ListedChoiceIterator

    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Choose several users, each shown by their name."""

    def label_from_instance(self, obj) -> str:
        return person_name(obj)
