"""Form fields that show people by the person-name rule (``core.names``): a picker or a
filter lists 张晓燕, never the account name "mediator"."""

from __future__ import annotations

from django import forms

from core.names import person_name


class PersonChoiceField(forms.ModelChoiceField):
    """Choose one user, shown by their name."""

    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Choose several users, each shown by their name."""

    def label_from_instance(self, obj) -> str:
        return person_name(obj)
