"""The form renderer: Django's form templates, with the project's few overrides first.

Django's empty choice is a row of dashes ("---------"), which a reader — and a screen
reader — does not understand; every <select> says "Please choose" (请选择) in the
reader's language instead (``core/form_templates/django/forms/widgets/select_option.html``),
whichever form or field made the empty choice. ``casework.widgets.FastSelect`` renders
its options in Python and does the same there.

The three templates every form renders most — a label, an ``<input>`` and the attributes
inside both — are written out here in Python (:data:`FAST`), the same markup as Django's
templates (``tests/test_form_renderer.py`` renders each both ways): through the template
engine each cost ~0.15 ms, and a staff case page renders some thirty of them (~5 of its
~57 ms at 1,000,000 cases). A template the project overrides (``core/form_templates/``)
is always rendered from its template.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

OVERRIDES = Path(__file__).parent / "form_templates"
INPUT = "django/forms/widgets/input.html"
# Django's widgets whose template is only ``{% include "django/forms/widgets/input.html" %}``.
INPUT_WIDGETS = tuple(
    f"django/forms/widgets/{name}.html"
    for name in [
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    ]
)


def attrs_html(attrs: dict) -> str:
    """``attrs.html``: each attribute in order, ``True`` as a bare name, ``False`` left out."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


def _input(context) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else format_html(' value="{}"', value)
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        shown,
        attrs_html(widget["attrs"]),
    )


def _label(context) -> str:
    if not context.get("use_tag"):
        return conditional_escape(context["label"])
    tag = context["tag"]
    return format_html(
        "<{}{}>{}</{}>", tag, attrs_html(context.get("attrs") or {}), context["label"], tag
    )


class FormRenderer(DjangoTemplates):
    """``django.forms.renderers.DjangoTemplates`` with ``core/form_templates/`` searched
    first, and :data:`FAST` templates written in Python unless overridden there."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, Path(django.forms.__file__).parent / "templates"],
                "NAME": "linliforms",
                "OPTIONS": {},
            }
        )

    @cached_property
    def fast(self) -> dict:
        """The templates rendered in Python: those not overridden in ``core/form_templates``
        (an input widget's too, if ``input.html`` is)."""
        if (OVERRIDES / INPUT).exists():
            found = {}
        else:
            found = dict.fromkeys((INPUT, *INPUT_WIDGETS), _input)
        found["django/forms/label.html"] = _label
        return {name: fn for name, fn in found.items() if not (OVERRIDES / name).exists()}

    def render(self, template_name, context, request=None):
        fast = self.fast.get(template_name)
        if fast is not None:
            return fast(context)
        return super().render(template_name, context, request=request)
