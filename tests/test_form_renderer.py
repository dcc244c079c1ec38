"""core.form_renderer writes a label, an <input> and their attributes in Python: the same
markup as Django's templates, for every input widget, bound and unbound, with errors,
initial values, booleans, escaping, a custom label tag and no label tag."""

import pytest
from django import forms
from django.forms.renderers import get_default_renderer

from core.form_renderer import FormRenderer


class Everything(forms.Form):
    text = forms.CharField(label='Name <b> & "quotes"', initial="王<秀>英 & co")
    number = forms.IntegerField(label="Count", required=False, initial=3)
    email = forms.EmailField(label="Email", required=False)
    password = forms.CharField(widget=forms.PasswordInput, required=False)
    hidden = forms.IntegerField(widget=forms.HiddenInput, initial=7)
    checked = forms.BooleanField(required=False, initial=True, label="Public")
    unchecked = forms.BooleanField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    upload = forms.FileField(required=False)
    phone = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "disabled": False})
    )


def _rendered(form) -> list[str]:
    out = []
    for field in form:
        out += [str(field), str(field.label_tag()), str(field.legend_tag()), field.label]
        out.append(str(field.label_tag("x<y", attrs={"class": "a&b"}, label_suffix=":")))
    return out


@pytest.mark.parametrize(
    "data",
    [None, {"text": "", "number": "abc", "email": "x", "checked": "on", "day": "2026-13-01"}],
)
def test_fast_templates_write_what_djangos_templates_write(data, monkeypatch):
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert "django/forms/label.html" in renderer.fast
    assert "django/forms/widgets/text.html" in renderer.fast
    fast = _rendered(Everything(data))
    monkeypatch.setattr(renderer, "fast", {})  # every template from its template
    slow = _rendered(Everything(data))
    assert fast == slow
    assert any("&lt;b&gt; &amp; &quot;quotes&quot;" in html for html in fast)
    if data is None:
        assert any('value="王&lt;秀&gt;英 &amp; co"' in html for html in fast)


def test_an_overridden_template_is_rendered_from_its_template():
    """select_option.html is the project's ("Please choose"): never written in Python."""
    assert "django/forms/widgets/select_option.html" not in get_default_renderer().fast
