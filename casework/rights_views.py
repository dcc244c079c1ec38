"""Residents' rights over their personal information (PIPL Art. 44–47), the staff side:
receive a request after checking identity, answer it by its deadline with its legal
basis, hand over a machine-readable copy; and the processing register (个人信息处理活动
记录) for supervisors. The rules are in casework/rights.py and casework/privacy.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import permissions, privacy, rights
from casework.forms import clean_phone
from casework.models import Organisation, RightsKind, RightsRequest, RightsStatus
from casework.roles import Role
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, refused


class ReceiveForm(forms.ModelForm):
    class Meta:
        model = RightsRequest
        fields = ["organisation", "kind", "name", "phone", "identity_checked", "details"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = rights.handling_organisation_ids(user)
        orgs = (
            Organisation.objects.all()
            if user.is_superuser
            else Organisation.objects.filter(pk__in=ids)
        )
        self.fields["organisation"].queryset = orgs
        if len(ids) == 1:
            self.fields["organisation"].initial = ids[0]
        self.fields["details"].widget.attrs["rows"] = 3

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer given to the resident"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    corrected_name = forms.CharField(
        label=gettext_lazy("Corrected name"), max_length=200, required=False
    )
    corrected_phone = forms.CharField(
        label=gettext_lazy("Corrected phone"), max_length=30, required=False
    )
    corrected_address = forms.CharField(
        label=gettext_lazy("Corrected address"), max_length=300, required=False
    )


def _handler_only(request):
    if not rights.handling_organisation_ids(request.user) and not request.user.is_superuser:
        raise PermissionDenied(
            _("Requests about personal information are handled by mediators and supervisors.")
        )


def rights_list(request):
    """Open requests first, soonest due; the form to receive a new one."""
    _handler_only(request)
    form = ReceiveForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = rights.receive(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                refused(request, exc)
            else:
                done(request)
                return redirect("casework:rights_detail", pk=created.pk)
        else:
            form_errors(request, form)
    return render(
        request,
        "casework/rights_list.html",
        {
            "requests": rights.requests_for(request.user)[:200],
            "form": form,
            "open": RightsStatus.OPEN,
        },
    )


def rights_detail(request, pk: int):
    """One request: the requester's cases found by phone, and the answer form (POST)."""
    _handler_only(request)
    item = get_object_or_404(rights.requests_for(request.user), pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                rights.answer(request=item, actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                refused(request, exc)
            else:
                done(request)
                return redirect("casework:rights_detail", pk=item.pk)
        else:
            form_errors(request, form)
    return render(
        request,
        "casework/rights_detail.html",
        {
            "item": item,
            "parties": rights.parties_of(item),
            "form": form if item.status == RightsStatus.OPEN else None,
            "hold": rights.deletion_hold(item) if item.kind == RightsKind.DELETE else None,
            "is_correction": item.kind == RightsKind.CORRECT,
        },
    )


def rights_copy(request, pk: int):
    """The requester's data as JSON (PIPL Art. 45 para. 3), to hand over."""
    _handler_only(request)
    item = get_object_or_404(rights.requests_for(request.user), pk=pk)
    response = HttpResponse(
        rights.data_copy_json(item), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{item.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


def privacy_register(request):
    """个人信息处理活动记录: every personal field the models declare, with its purpose, who
    may see it, how long it is kept and whether it is encrypted — for supervisors."""
    if not permissions.has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("The processing register is for supervisors."))
    return render(
        request,
        "casework/privacy_register.html",
        {"rows": privacy.register_rows(), "version": privacy.NOTICE_VERSION},
    )
