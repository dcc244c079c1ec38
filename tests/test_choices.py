"""core.choices.QuickDisplayMixin answers get_FOO_display() exactly as Django does: every
choice of every field with choices on the models that use it, in both languages, and a
value that is not a choice (shown as it is)."""

import pytest
from django.db import models
from django.utils import translation

from casework.models import Case, CaseEvent, Party, Referral
from core.choices import QuickDisplayMixin


@pytest.mark.parametrize("model", [Case, CaseEvent, Party, Referral])
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_display_is_djangos(model, lang):
    assert issubclass(model, QuickDisplayMixin)
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields, model
    with translation.override(lang):
        for field in fields:
            for value in [v for v, _label in field.flatchoices] + ["not-a-choice", None]:
                obj = model()
                obj.__dict__[field.attname] = value  # past django-fsm's protected fields
                quick = getattr(obj, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(obj, field)
                assert quick == django, (field, value)
                assert type(quick) is type(django)
    if lang == "zh-hans":
        event = CaseEvent(kind="transition")
        with translation.override("zh-hans"):
            zh = event.get_kind_display()
        with translation.override("en"):
            en = event.get_kind_display()
        assert zh != en  # translated at each call, in the reader's language
