"""Meeting, minutes and archive pages. Objects come from scoped selectors (not visible =
404); every write goes through ``consultation.services`` (not allowed = 403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import permissions as case_permissions
from casework import selectors as case_selectors
from casework.exceptions import CaseworkError
from casework.roles import Role
from casework.view_helpers import form_errors, posted_version, refused, serve_file
from consultation import forms, ics, pdf, selectors, services
from consultation.models import MeetingKind, Minutes
from consultation.permissions import can_run_meeting


def _meeting(request, pk: int):
    return get_object_or_404(
        selectors.meetings_visible_to(request.user).select_related(
            "place", "convening_organisation"
        ),
        pk=pk,
    )


def meeting_list(request):
    meetings = selectors.meetings_visible_to(request.user).select_related("convening_organisation")
    page = Paginator(meetings.order_by("-starts_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "consultation/meeting_list.html", {"page": page})


def _convening_organisations(user):
    from casework.models import Organisation

    if user.is_superuser:
        return Organisation.objects.filter(active=True)
    ids = [
        g.organisation_id
        for g in case_permissions.grants(user)
        if g.role in (Role.MEDIATOR, Role.SUPERVISOR)
    ]
    return Organisation.objects.filter(pk__in=ids, active=True)


def meeting_new(request):
    if not case_permissions.has_role(request.user, Role.MEDIATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only mediators and supervisors convene meetings."))
    organisations = _convening_organisations(request.user)
    initial = {"kind": request.GET.get("kind", MeetingKind.COORDINATION)}
    case_ref = request.GET.get("case", "")[:20]
    if case_ref:
        initial["cases"] = case_ref
    # Preselect the convening body: the case's receiving organisation when it is the
    # user's, else the user's only organisation.
    case = case_selectors.cases_visible_to(request.user).filter(reference=case_ref).first()
    if case is not None and organisations.filter(pk=case.organisation_id).exists():
        initial["convening_organisation"] = case.organisation_id
    elif organisations.count() == 1:
        initial["convening_organisation"] = organisations.get().pk
    form = forms.MeetingForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visible = case_selectors.cases_visible_to(request.user)
        cases = list(visible.filter(reference__in=data["cases"]).select_related("place"))
        found = {c.reference for c in cases}
        missing = [r for r in data["cases"] if r not in found]
        if missing:
            form.add_error(
                "cases", _("No case in your area: %(refs)s") % {"refs": ", ".join(missing)}
            )
        else:
            cases.sort(key=lambda c: data["cases"].index(c.reference))
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    kind=data["kind"],
                    topic=data["topic"],
                    cases=cases,
                    convening_organisation=data["convening_organisation"],
                    chair=data["chair"],
                    recorder=data["recorder"],
                    starts_at=data["starts_at"],
                    venue=data["venue"],
                )
            except CaseworkError as exc:
                refused(request, exc)
            else:
                return redirect("consultation:meeting_detail", pk=meeting.pk)
    return render(request, "consultation/meeting_new.html", {"form": form})


def meeting_detail(request, pk: int):
    meeting = _meeting(request, pk)
    user = request.user
    can_run = can_run_meeting(meeting, user)
    minutes = list(meeting.minutes.select_related("superseded_by").order_by("number"))
    context = {
        "meeting": meeting,
        "can_run": can_run,
        "cases": meeting.cases.order_by("reference"),
        "invitees": meeting.invitees.all(),
        "agenda": meeting.agenda.all(),
        "statements": meeting.statements.select_related("speaker"),
        "motions": meeting.motions.all(),
        "decisions": meeting.decisions.all(),
        "follow_ups": meeting.follow_ups.select_related("organisation", "case"),
        "quorum": meeting.quorum(),
        "transitions": list(meeting.get_available_user_status_transitions(user)),
        "minutes": minutes,
        "is_evaluation": meeting.kind == MeetingKind.EVALUATION,
    }
    if can_run:
        context.update(
            invitee_form=forms.InviteeForm(),
            agenda_form=forms.AgendaForm(),
            statement_form=forms.StatementForm(meeting=meeting),
            motion_form=forms.MotionForm(),
            decision_form=forms.DecisionForm(),
            follow_up_form=forms.FollowUpForm(meeting=meeting),
            criterion_form=forms.CriterionForm(),
            today=timezone.localdate(),
        )
    if context["is_evaluation"]:
        context["criteria"] = list(meeting.criteria.all())
        context["tally"] = services.sheet_tally(meeting)
        context["sheets"] = {s.participant_id: s for s in meeting.sheets.all()}
    return render(request, "consultation/meeting_detail.html", context)


@require_POST
def meeting_transition(request, pk: int, name: str):
    meeting = _meeting(request, pk)
    version = posted_version(request)
    params = {}
    if "reason" in request.POST:
        params["reason"] = request.POST["reason"][:5000]
    if name == "reschedule":
        field = forms.MeetingForm.base_fields["starts_at"]
        try:
            params["starts_at"] = field.clean(request.POST.get("starts_at", ""))
        except Exception:
            messages.error(request, _("Give the new date and time."))
            return redirect("consultation:meeting_detail", pk=pk)
    try:
        services.meeting_transition(
            meeting=meeting, name=name, actor=request.user, expected_version=version, **params
        )
    except CaseworkError as exc:
        refused(request, exc)
    else:
        meeting.refresh_from_db()
        if name == "publish_notice" and meeting.short_notice:
            messages.warning(
                request,
                _("The notice is shorter than the %(days)d days the rule asks for this kind.")
                % {"days": meeting.lead_days},
            )
    return redirect("consultation:meeting_detail", pk=pk)


# The small forms of the meeting page: one endpoint, one form and service per record kind.
RECORDS = {
    "invitee": (forms.InviteeForm, False, "invitee_add"),
    "agenda": (forms.AgendaForm, False, "agenda_add"),
    "statement": (forms.StatementForm, True, "statement_add"),
    "motion": (forms.MotionForm, False, "motion_add"),
    "decision": (forms.DecisionForm, False, "decision_add"),
    "follow_up": (forms.FollowUpForm, True, "follow_up_add"),
    "criterion": (forms.CriterionForm, False, "criterion_add"),
}


@require_POST
def meeting_record(request, pk: int, what: str):
    meeting = _meeting(request, pk)
    if what not in RECORDS:
        raise Http404
    form_class, needs_meeting, service = RECORDS[what]
    form = form_class(request.POST, meeting=meeting) if needs_meeting else form_class(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            getattr(services, service)(meeting=meeting, actor=request.user, **form.cleaned_data)
        except CaseworkError as exc:
            refused(request, exc)
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + f"#{what}")


@require_POST
def attendance(request, pk: int):
    meeting = _meeting(request, pk)
    valid_ids = set(meeting.invitees.values_list("pk", flat=True))
    present = []
    for value in request.POST.getlist("present"):
        try:
            invitee_id = int(value)
        except ValueError:
            continue
        if invitee_id in valid_ids:
            present.append(invitee_id)
    try:
        services.attendance_mark(meeting=meeting, actor=request.user, present_ids=present)
    except CaseworkError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + "#invitees")


@require_POST
def rating_sheet(request, pk: int):
    meeting = _meeting(request, pk)
    participant = meeting.invitees.filter(pk=request.POST.get("participant") or 0).first()
    if participant is None:
        messages.error(request, _("Choose a participant."))
        return redirect("consultation:meeting_detail", pk=pk)
    scores = {}
    for criterion in meeting.criteria.all():
        raw = request.POST.get(f"score_{criterion.pk}", "").strip()
        if raw:
            try:
                scores[criterion.pk] = int(raw)
            except ValueError:
                messages.error(request, _("Scores are from 1 to 5."))
                return redirect("consultation:meeting_detail", pk=pk)
    try:
        services.sheet_record(
            meeting=meeting,
            actor=request.user,
            participant=participant,
            returned=bool(request.POST.get("returned")),
            scores=scores,
        )
    except CaseworkError as exc:
        refused(request, exc)
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + "#rating")


def meeting_ics(request, pk: int):
    meeting = _meeting(request, pk)
    response = HttpResponse(ics.invitation(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.reference}.ics"'
    return response


@require_POST
def follow_up_close(request, pk: int):
    from consultation.models import FollowUp

    follow_up = get_object_or_404(
        FollowUp.objects.filter(meeting__in=selectors.meetings_visible_to(request.user)), pk=pk
    )
    form = forms.CloseFollowUpForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.follow_up_close(
                follow_up=follow_up, actor=request.user, note=form.cleaned_data["note"]
            )
        except CaseworkError as exc:
            refused(request, exc)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("consultation:meeting_detail", pk=follow_up.meeting_id)


# ------------------------------------------------------------------- minutes


def _minutes(request, pk: int) -> Minutes:
    return get_object_or_404(
        Minutes.objects.filter(
            meeting__in=selectors.meetings_visible_to(request.user)
        ).select_related("meeting", "meeting__place", "superseded_by", "corrects"),
        pk=pk,
    )


@require_POST
def minutes_new(request, pk: int):
    meeting = _meeting(request, pk)
    try:
        minutes = services.minutes_draft(meeting=meeting, actor=request.user)
    except CaseworkError as exc:
        refused(request, exc)
        return redirect("consultation:meeting_detail", pk=pk)
    return redirect("consultation:minutes_detail", pk=minutes.pk)


def minutes_detail(request, pk: int):
    minutes = _minutes(request, pk)
    meeting = minutes.meeting
    can_write = can_run_meeting(meeting, request.user)
    context = {
        "minutes": minutes,
        "meeting": meeting,
        "can_write": can_write,
        "transitions": list(minutes.get_available_user_status_transitions(request.user)),
        "signatures": {s.invitee_id: s for s in minutes.signatures.all()},
        "attendees": meeting.invitees.filter(attended=True),
        "form": forms.MinutesForm(initial={"summary": minutes.summary, "version": minutes.version}),
        "data": minutes.snapshot,
    }
    return render(request, "consultation/minutes_detail.html", context)


@require_POST
def minutes_edit(request, pk: int):
    minutes = _minutes(request, pk)
    form = forms.MinutesForm(request.POST)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        form_errors(request, form)
    else:
        try:
            services.minutes_update(
                minutes=minutes,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                expected_version=form.cleaned_data["version"],
            )
        except CaseworkError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Minutes saved."))
    return redirect("consultation:minutes_detail", pk=pk)


@require_POST
def minutes_transition(request, pk: int, name: str):
    minutes = _minutes(request, pk)
    version = posted_version(request)
    params = {}
    if "reason" in request.POST:
        params["reason"] = request.POST["reason"][:5000]
    try:
        services.minutes_transition(
            minutes=minutes, name=name, actor=request.user, expected_version=version, **params
        )
    except CaseworkError as exc:
        refused(request, exc)
    return redirect("consultation:minutes_detail", pk=pk)


@require_POST
def minutes_sign(request, pk: int):
    minutes = _minutes(request, pk)
    form = forms.SignatureForm(request.POST, meeting=minutes.meeting)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.signature_record(minutes=minutes, actor=request.user, **form.cleaned_data)
        except CaseworkError as exc:
            refused(request, exc)
    return redirect(reverse("consultation:minutes_detail", args=[pk]) + "#signatures")


@require_POST
def minutes_correct(request, pk: int):
    minutes = _minutes(request, pk)
    try:
        correction = services.minutes_correct(
            minutes=minutes, actor=request.user, reason=request.POST.get("reason", "")[:5000]
        )
    except CaseworkError as exc:
        refused(request, exc)
        return redirect("consultation:minutes_detail", pk=pk)
    return redirect("consultation:minutes_detail", pk=correction.pk)


def minutes_pdf(request, pk: int):
    """The archived PDF of approved minutes, or a draft preview (marked as such)."""
    minutes = _minutes(request, pk)
    record = getattr(minutes, "archive_record", None) if minutes.is_frozen else None
    if record is not None:
        return _archived_file(record)
    from consultation import snapshot

    data = snapshot.build(minutes)
    data["reference"] = f"{data['reference']} ({_('draft')})"
    try:
        content = pdf.minutes_pdf(data)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return redirect("consultation:minutes_detail", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{minutes.meeting.reference}-v{minutes.number}-draft.pdf"'
    )
    return response


def _archived_file(record):
    return serve_file(
        record.file,
        filename=f"{record.archival_number}.pdf",
        content_type="application/pdf",
        download=True,
    )


def archive_list(request):
    records = selectors.archive_visible_to(request.user).select_related("archived_by", "minutes")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "consultation/archive_list.html", {"page": page})


def archive_download(request, pk: int):
    record = get_object_or_404(selectors.archive_visible_to(request.user), pk=pk)
    return _archived_file(record)


def report_pdf(request):
    """The monthly report as a PDF/A (same pipeline as minutes), logged as an export."""
    from casework import charts, exports, reporting
    from casework.models import ExportKind
    from casework.report_views import _require_reporter, report_scope

    _require_reporter(request.user)
    _form, period, cases = report_scope(request)
    report = reporting.build(cases, period)
    with translation.override("zh-hans"):
        labels = [m["month"].strftime("%Y-%m") for m in report.months]
        chart = charts.bars(
            _("Cases opened and resolved by month"),
            labels,
            [
                (_("Opened"), [m["opened"] for m in report.months]),
                (_("Resolved"), [m["resolved"] for m in report.months]),
            ],
        )
        html = render_to_string(
            "casework/pdf/report.html",
            {"report": report, "chart": chart, "generated": timezone.localtime()},
        )
        data = {
            "schema": "linli.monthly-report/1",
            "period": [period.first.isoformat(), period.last.isoformat()],
            "filters": request.GET.urlencode(),
            "totals": report.totals,
            "months": [{**m, "month": m["month"].isoformat()} for m in report.months],
            "organisations": report.organisations,
        }
        try:
            content = pdf.html_to_pdf(
                html, title=_("Monthly report"), attachment_name="report.json", data=data
            )
        except pdf.PdfUnavailable as exc:
            messages.error(request, exc.messages[0])
            return redirect("casework:reports")
    exports.log(
        request.user, ExportKind.REPORT, "pdf", request.GET.urlencode(), len(report.months), False
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="linli-report-{period.first:%Y%m}-{period.last:%Y%m}.pdf"'
    )
    return response
