"""The form renderer: Django's form templates, with the project's few overrides first.

Django's empty choice is a row of dashes ("---------"), which a reader — and a screen
reader — does not understand; every <select> says "Please choose" (请选择) in the
reader's language instead (``core/form_templates/django/forms/widgets/select_option.html``),
whichever form or field made the empty choice. ``casework.widgets.FastSelect`` renders
its options in Python and does the same there.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """``django.forms.renderers.DjangoTemplates`` with ``core/form_templates/`` searched first."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(__file__).parent / "form_templates",
                    Path(django.forms.__file__).parent / "templates",
                ],
                "NAME": "linliforms",
                "OPTIONS": {},
            }
        )
