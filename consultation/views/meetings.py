"""Meeting pages: the list, a new meeting, the meeting's page with its lifecycle and its
record (one view per kind of record). Meetings come from a scoped selector (not visible =
404); every write goes through ``consultation.services.meetings`` (not allowed = 403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import permissions as case_permissions
from casework import selectors as case_selectors
from casework.calendar import unpublished_years_of
from casework.models import Organisation
from casework.roles import Role
from consultation import ics, selectors, services
from consultation.documents import notices
from consultation.forms import meetings as forms
from consultation.models import PREPARABLE_STATUSES, FollowUp, MeetingKind, MeetingStatus
from consultation.permissions import can_run_meeting
from consultation.services.meetings import MEETINGS
from core import pdf
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, posted_version, refused


def visible_meeting(request, pk: int):
    """The meeting ``pk`` if the user may see it (its place is in their area), else 404."""
    return get_object_or_404(
        selectors.meetings_visible_to(request.user).select_related(
            "place", "convening_organisation", "chair_person", "recorder_person"
        ),
        pk=pk,
    )


def meeting_list(request):
    meetings = selectors.meetings_visible_to(request.user).select_related("convening_organisation")
    page = Paginator(meetings.order_by("-starts_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "consultation/meeting_list.html", {"page": page})


def _convening_organisations(user):

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
    staff = selectors.meeting_staff(organisations=organisations, case=case)
    initial.setdefault("chair_person", request.user.pk)
    form = forms.MeetingForm(
        request.POST or None, initial=initial, organisations=organisations, staff=staff
    )
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
                    chair_person=data["chair_person"],
                    recorder_person=data["recorder_person"],
                    starts_at=data["starts_at"],
                    venue=data["venue"],
                )
            except ServiceError as exc:
                refused(request, exc)
            else:
                return redirect("consultation:meeting_detail", pk=meeting.pk)
    return render(request, "consultation/meeting_new.html", {"form": form})


def meeting_detail(request, pk: int):
    meeting = visible_meeting(request, pk)
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
        "transitions": MEETINGS.available(meeting, user),
        "withheld": [o for o in MEETINGS.offers(meeting, user) if not o.allowed],
        "minutes": minutes,
        "is_evaluation": meeting.kind == MeetingKind.EVALUATION,
        "publicities": list(selectors.publicities_of(meeting=meeting)),
    }
    # The meeting's day and its notices' last days: warned when their year's holiday
    # schedule is not published (the notice periods count working days).
    context["unpublished_years"] = unpublished_years_of(
        timezone.localdate(meeting.starts_at), *(p.ends_on for p in context["publicities"])
    )
    if can_run:
        context.update(
            invitee_form=forms.InviteeForm(),
            suggested_invitees=selectors.invitee_suggestions(meeting)
            if meeting.status in PREPARABLE_STATUSES | {MeetingStatus.HELD}
            else [],
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
        context["tally"] = selectors.sheet_tally(meeting)
        context["sheets"] = {s.participant_id: s for s in meeting.sheets.all()}
    return render(request, "consultation/meeting_detail.html", context)


@require_POST
def meeting_transition(request, pk: int, name: str):
    meeting = visible_meeting(request, pk)
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
    except ServiceError as exc:
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


# The small forms of the meeting page: one view each, sharing how a record is added.


def _add_record(request, pk: int, form_class, service, anchor: str, *, with_meeting=False):
    """Validate ``form_class`` and call ``service`` with the meeting and the form's data;
    back to the meeting page at ``anchor``."""
    meeting = visible_meeting(request, pk)
    form = form_class(request.POST, meeting=meeting) if with_meeting else form_class(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            service(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + f"#{anchor}")


@require_POST
def invitee_add(request, pk: int):
    """Invite a participant (also a walk-in during the meeting)."""
    return _add_record(request, pk, forms.InviteeForm, services.invitee_add, "invitee")


@require_POST
def agenda_add(request, pk: int):
    """Add an agenda item."""
    return _add_record(request, pk, forms.AgendaForm, services.agenda_add, "agenda")


@require_POST
def statement_add(request, pk: int):
    """Record what an invitee said."""
    return _add_record(
        request, pk, forms.StatementForm, services.statement_add, "statement", with_meeting=True
    )


@require_POST
def motion_add(request, pk: int):
    """Record a vote on a motion."""
    return _add_record(request, pk, forms.MotionForm, services.motion_add, "motion")


@require_POST
def decision_add(request, pk: int):
    """Record a decision."""
    return _add_record(request, pk, forms.DecisionForm, services.decision_add, "decision")


@require_POST
def follow_up_add(request, pk: int):
    """Record a follow-up action with its owner and due date."""
    return _add_record(
        request, pk, forms.FollowUpForm, services.follow_up_add, "follow_up", with_meeting=True
    )


@require_POST
def criterion_add(request, pk: int):
    """Add a rating criterion (evaluation meetings)."""
    return _add_record(request, pk, forms.CriterionForm, services.criterion_add, "criterion")


@require_POST
def attendance(request, pk: int):
    meeting = visible_meeting(request, pk)
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
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Attendance saved."))
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + "#invitees")


@require_POST
def rating_sheet(request, pk: int):
    meeting = visible_meeting(request, pk)
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
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + "#rating")


def meeting_ics(request, pk: int):
    meeting = visible_meeting(request, pk)
    response = HttpResponse(ics.invitation(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.reference}.ics"'
    return response


def meeting_notice_pdf(request, pk: int):
    """The meeting's notice for the notice board (A4 PDF with a QR code), for its staff."""
    meeting = visible_meeting(request, pk)
    try:
        with translation.override("zh-hans"):  # the board speaks Chinese
            content = notices.meeting_notice_pdf(meeting)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return redirect("consultation:meeting_detail", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{meeting.reference}-notice.pdf"'
    return response


@require_POST
def follow_up_close(request, pk: int):

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
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("consultation:meeting_detail", pk=follow_up.meeting_id)
