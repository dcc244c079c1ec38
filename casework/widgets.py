from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

# Django's empty choice: a row of dashes, which a reader (and a screen reader) does not
# understand. Shown as "Please choose" (请选择) in the reader's language instead.
DASHES = "---------"


class FastSelect(forms.Select):
    """A <select> rendered in Python, not one template per <option>.

    Long lists (the place tree, officers) otherwise cost several ms a page at 100k cases,
    where the case list's whole budget is 25 ms. No optgroups, single choice only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = "" if value is None else str(value)
        please = gettext("Please choose")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    str(v),
                    " selected" if str(v) == selected else "",
                    please if label == DASHES else label,
                )
                for v, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
