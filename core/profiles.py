"""The user's profile: what they are called (``core.names``). Service and page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.models import Profile
from core.names import compose_name, person_name


@transaction.atomic
def set_display_name(*, user, display_name: str) -> Profile:
    """Set ``user``'s display name (trimmed, inner runs of spaces made one). An empty
    name means "made from the first and last name" (``core.names.person_name``)."""
    cleaned = " ".join((display_name or "").split())[:100]
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    profile.display_name = cleaned
    profile.save(update_fields=["display_name"])
    user._state.fields_cache["profile"] = profile
    return profile


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Display name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "How your name is written on pages, documents and mail. Chinese names: family "
            "name first, no space (张晓燕)."
        ),
    )


@require_http_methods(["GET", "POST"])
def profile_view(request):
    """The signed-in user's own profile: their display name, shown as others will see it."""
    user = request.user
    current = Profile.objects.filter(user=user).values_list("display_name", flat=True).first()
    form = ProfileForm(request.POST or None, initial={"display_name": current or ""})
    if request.method == "POST" and form.is_valid():
        set_display_name(user=user, display_name=form.cleaned_data["display_name"])
        shown = person_name(user)
        messages.success(request, _("Your name is now shown as “%(name)s”.") % {"name": shown})
        return redirect("profile")
    composed = compose_name(given=user.first_name, family=user.last_name)
    form.fields["display_name"].widget.attrs["placeholder"] = composed or user.get_username()
    return render(
        request,
        "core/profile.html",
        {"form": form, "shown_as": person_name(user), "composed": composed},
    )
