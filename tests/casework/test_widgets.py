"""casework.widgets.FastSelect renders in Python what Django's Select renders from its
templates (with the project's "Please choose" for the empty choice): the same markup but
for the whitespace between tags, for plain choices, optgroups, model choices, the empty
choice, a selected value and the attributes a form adds (id, required)."""

import re

import pytest
from django import forms
from django.utils import translation

from casework.forms import AssignForm, DispatchForm, PartyForm
from casework.models import Organisation, OrgKind
from casework.widgets import DASHES, FastSelect
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html).strip())


def _both(form, name) -> tuple[str, str]:
    """The field rendered with FastSelect (as the form has it) and with Django's Select."""
    fast = str(form[name])
    field = form.fields[name]
    assert isinstance(field.widget, FastSelect), name
    plain = forms.Select(attrs=field.widget.attrs)
    plain.choices = field.widget.choices
    plain.is_required = field.widget.is_required
    field.widget = plain
    return fast, str(form[name])


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_fast_select_is_djangos_select_markup(world, mediator, supervisor, lang):
    OrganisationFactory(name="<b>物业</b> & 公司", kind=OrgKind.PROPERTY_COMPANY)
    organisations = Organisation.objects.filter(active=True).order_by("kind", "name")
    suggested = [world.police]
    users = type(mediator).objects.filter(pk__in=[mediator.pk, supervisor.pk]).order_by("pk")
    with translation.override(lang):
        cases = [
            (
                DispatchForm(
                    initial={"version": 3}, organisations=organisations, suggested=suggested
                ),
                "organisation",
            ),
            (DispatchForm(initial={"version": 3}, organisations=organisations), "organisation"),
            (DispatchForm(organisations=organisations), "role"),
            (DispatchForm(organisations=organisations), "kind"),
            (AssignForm(initial={"officer": supervisor.pk}, officers=users), "officer"),
            (AssignForm(officers=users), "officer"),
            (PartyForm(initial={"role": "respondent"}), "role"),
            (PartyForm(), "kind"),
        ]
        for form, name in cases:
            fast, plain = _both(form, name)
            assert _tags(fast) == _tags(plain), (name, fast, plain)
    grouped = str(DispatchForm(organisations=organisations, suggested=suggested)["organisation"])
    assert "<optgroup" in grouped and "&lt;b&gt;物业&lt;/b&gt; &amp; 公司" in grouped
    assert " selected" in grouped  # the one suggestion is chosen for the user


@pytest.mark.parametrize(
    ("choices", "value"),
    [
        ([(None, "无"), ("a", "甲"), ("b", "乙")], None),  # a top-level None is ""
        ([("", DASHES), ("a", "甲")], ""),  # the empty choice says "Please choose"
        ([("", [("a", "甲"), ("b", "乙")]), ("组", [(None, "空"), ("c", "丙")])], "c"),
        ([("a", "甲"), ("a", "甲again"), ("b", "<乙>")], "a"),  # only the first is selected
        ([(1, "一"), (2, "二")], 2),
    ],
)
def test_fast_select_follows_djangos_optgroups_rules(choices, value):
    with translation.override("zh-hans"):
        fast = FastSelect(choices=choices).render("x", value, attrs={"id": "id_x"})
        plain = forms.Select(choices=choices).render("x", value, attrs={"id": "id_x"})
    assert _tags(fast) == _tags(plain)
