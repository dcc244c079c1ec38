"""Casework pages: plain function views. Each object comes from a selector scoped to the
user (not visible = 404), and each action goes through a service (not allowed = 403).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import documents as case_documents
from casework import (
    filter_forms,
    grid,
    hooks,
    open311,
    paging,
    permissions,
    phones,
    privacy,
    selectors,
    services,
    status_codes,
    submissions,
    tallies,
    waiting,
)
from casework.calendar import add_working_days, unpublished_years_of
from casework.filters import CaseFilter
from casework.forms import (
    STAFF_CHANNELS,
    AssignForm,
    AttachmentForm,
    IntakeForm,
    MergeForm,
    NoteForm,
    PartyForm,
    PartyFormSet,
    ReturnVisitForm,
    dispatch_form_for,
)
from casework.models import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    RESOLVING_OUTCOMES,
    Case,
    Category,
    Open311Request,
    Party,
    PartyKind,
    PartyRole,
    Status,
)
from casework.paging import LIST_CAP, CappedPaginator
from casework.roles import Role
from casework.sla import overdue_referrals
from core import idempotency, pdf
from core.audit import record
from core.exceptions import ServiceError
from core.models import SecurityEventKind
from core.transitions import label_of
from core.view_helpers import done, form_errors, posted_version, refused, serve_attachment

PAGE_SIZE = 25
RECEIPT_SESSION_KEY = "linli-receipt-{pk}"


def visible_case(request, pk: int) -> Case:
    """Load a case the user may see, or 404: one access check per object."""
    return get_object_or_404(
        selectors.cases_visible_to(request.user).select_related(
            "category", "place", "organisation", "assigned_officer"
        ),
        pk=pk,
    )


def _list_rows(queryset):
    applicants = Prefetch(
        "parties",
        queryset=Party.objects.filter(role=PartyRole.APPLICANT).order_by("id"),
        to_attr="applicants",
    )
    return queryset.select_related("category", "place", "assigned_officer").prefetch_related(
        applicants
    )


# ------------------------------------------------------------------- dashboard


def dashboard(request):
    user = request.user
    roles = {g.role for g in permissions.grants(user)}
    if roles and roles <= permissions.RECEIVING_ROLES and not user.is_superuser:
        return redirect("casework:inbox")  # agencies and property companies work referrals
    visible = selectors.cases_visible_to(user)
    today = timezone.localdate()
    soon = add_working_days(today, settings.LINLI["DUE_SOON_WORKING_DAYS"])
    active = visible.filter(status__in=CLOCK_RUNNING_STATUSES)
    context = {
        "mine": _list_rows(
            visible.filter(assigned_officer=user, status__in=OPEN_STATUSES).order_by(
                "due_date", "-created_at"
            )
        )[:10],
        "due_soon": _list_rows(
            active.filter(due_date__gte=today, due_date__lte=soon).order_by("due_date")
        )[:10],
        "overdue": _list_rows(active.filter(due_date__lt=today).order_by("due_date"))[:10],
        # The officer's follow-ups (a supervisor's: the area's): first contacts with the
        # resident and return visits (回访) due by the "due soon" horizon, overdue first.
        "first_contacts": selectors.first_contacts_due_for(user, soon).values(
            "pk", "reference", "first_contact_due"
        )[:10],
        "return_visits": selectors.return_visits_due_for(user, soon).values(
            "pk", "reference", "return_visit_due"
        )[:10],
        "today": today,
        "recent": _list_rows(visible.order_by("-updated_at"))[:10],
        # A join on the case's place (indexed), not "case IN (visible cases)": at 100,000
        # cases the subquery form cost the supervisor's dashboard ~55 ms.
        "overdue_referrals": selectors.in_area(overdue_referrals(), user, "case__place")
        .select_related("case", "organisation")
        .order_by("sign_due", "reply_due")[:10],
        "is_supervisor": permissions.has_role(user, Role.SUPERVISOR),
        "can_register": permissions.can_register_case(user),
        # Sections the apps built on casework add (casework.hooks).
        "panels": hooks.dashboard_panels(request, today),
    }
    # Everyone is warned when this year's notice is missing or a deadline the dashboard
    # shows falls in a year without one (the lists are evaluated once, here).
    for key in ("mine", "due_soon", "overdue", "first_contacts", "return_visits"):
        context[key] = list(context[key])
    shown = [c.due_date for key in ("mine", "due_soon", "overdue") for c in context[key]]
    shown += [r["first_contact_due"] for r in context["first_contacts"]]
    shown += [r["return_visit_due"] for r in context["return_visits"]]
    context["unpublished_years"] = unpublished_years_of(today, soon, *shown)
    if context["is_supervisor"]:
        # From the summary tables (casework.tallies): the same few hundred rows whether
        # the area holds ten thousand cases or a million.
        scope = tallies.scope_for(user)
        by_status = {
            kind.removeprefix("status:"): n
            for kind, n in tallies.rows(scope, [f"status:{s}" for s in Status], group=("kind",))
        }
        by_category: dict[int, int] = {}
        for _kind, category_id, n in tallies.rows(
            scope, [f"status:{s}" for s in OPEN_STATUSES], group=("kind", "category_id")
        ):
            by_category[category_id] = by_category.get(category_id, 0) + n
        context["by_status"] = [(s, by_status.get(s.value, 0)) for s in Status]
        context["by_category"] = [
            (c, by_category.get(c.pk, 0)) for c in Category.objects.filter(active=True)
        ]
        context["total"] = sum(by_status.values())
        context["by_grid"] = grid.open_counts_by_cell(scope)
    return render(request, "casework/dashboard.html", context)


# ------------------------------------------------------------------- case list


def case_list(request):
    base = selectors.cases_visible_to(request.user)
    case_filter = CaseFilter(request.GET or None, queryset=base, user=request.user)
    queryset = case_filter.qs if case_filter.is_bound else base
    if case_filter.is_bound and not case_filter.is_valid():
        queryset = base.none()
    if not request.GET.get("o"):
        queryset = queryset.order_by("-created_at", "-id")
    rows = _list_rows(queryset)
    paginator = CappedPaginator(rows, PAGE_SIZE)
    # Past the numbered pages the list moves by keyset (casework.paging): page 2000 costs
    # what page 1 costs. A cursor that is not ours, or an order it cannot walk: page 1.
    page = None
    if request.GET.get("after") or request.GET.get("before"):
        page = paging.keyset_page(
            rows,
            after=request.GET.get("after", ""),
            before="" if request.GET.get("after") else request.GET.get("before", ""),
            per_page=PAGE_SIZE,
            paginator=paginator,
        )
    if page is None:
        cursor = request.GET.get("after") or request.GET.get("before")
        order = paging.keyset_order(rows)
        number = request.GET.get("page")
        if order is not None:  # past the numbered pages by cursor only
            number = paging.within_numbered(number)
        page = paginator.get_page(1 if cursor else number)
        page.next_cursor = paging.numbered_next_cursor(page, order)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(
        request,
        "casework/case_list.html",
        {
            "filter": case_filter,
            "filter_fields": filter_forms.rendered_fields(request, case_filter.form),
            "page": page,
            "numbered_pages": range(1, min(paginator.num_pages, paging.NUMBERED_PAGES) + 1),
            "query": query.urlencode(),
            "capped": paginator.capped,
            "cap": LIST_CAP,
            # The export buttons keep the filters (reports are for mediators, supervisors).
            "can_export": permissions.has_role(request.user, Role.SUPERVISOR, Role.MEDIATOR),
            "unpublished_years": unpublished_years_of(
                *(c.due_date for c in page if c.status in OPEN_STATUSES)
            ),
        },
    )


# ---------------------------------------------------------------------- intake


def case_new(request):
    if not permissions.can_register_case(request.user):
        return HttpResponseForbidden(_("Only mediators and supervisors register cases."))
    places = selectors.places_for(request.user)
    intake = intake_defaults(request)
    form = IntakeForm(request.POST or None, places=places, initial=intake["initial"])
    if request.method == "POST":
        parties = PartyFormSet(request.POST, prefix="party")
    else:  # the rows' starting roles are the rows: no extra empty ones after them
        parties = PartyFormSet(prefix="party", initial=intake.pop("party_rows"))
        parties.extra = 0
    # One-time tokens are per user: one mediator's token never finds another's case.
    scope = f"intake:{request.user.pk}"
    token = form.posted_token
    if token:
        previous = idempotency.lookup(scope=scope, key=token)
        if previous is not None:
            if previous.same_content(idempotency.fingerprint_post(request.POST)):
                return _intake_sent_again(request, scope, token, previous)
            return _intake_already_used(request, form, parties, previous)
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        organisation = selectors.receiving_organisation(request.user, data["place"])
        party_data = [
            services.PartyData.from_form(p) for p in parties.cleaned_data if p and p.get("name")
        ]
        if not any(p.role == PartyRole.APPLICANT for p in party_data):
            messages.error(request, _("Add at least one applicant."))
        elif organisation is None:
            messages.error(request, _("No organisation of yours covers this place."))
        else:
            try:
                outcome = submissions.register_once(
                    scope=scope,
                    token=token,
                    post=request.POST,
                    register=lambda status_code: services.case_register(
                        actor=request.user,
                        organisation=organisation,
                        category=data["category"],
                        place=data["place"],
                        channel=data["channel"],
                        description=data["description"],
                        requests=data["requests"],
                        priority=data["priority"],
                        escalation_risk=data["escalation_risk"],
                        address=data["address"],
                        external_ref=data["external_ref"],
                        parties=party_data,
                        status_code=status_code,
                        privacy_notice_version=privacy.NOTICE_VERSION,
                    ),
                )
            except idempotency.KeyReused as exc:
                return _intake_already_used(request, form, parties, exc.previous)
            except ServiceError as exc:
                refused(request, exc)
            else:
                if outcome.replayed:  # the same form, sent at the same moment: it waited
                    return _intake_sent_again(request, scope, token, outcome.previous)
                case = outcome.value.case
                # Shown once on the receipt, then forgotten: only the hash is stored.
                request.session[RECEIPT_SESSION_KEY.format(pk=case.pk)] = outcome.value.status_code
                return redirect("casework:case_receipt", pk=case.pk)
    intake.pop("party_rows", None)
    return render(request, "casework/case_new.html", {**intake, "form": form, "parties": parties})


def intake_defaults(request) -> dict:
    """What the intake form starts with: the channel the desk chose (``?channel=phone``:
    a call is 来电, not 来访), the first row an applicant — the caller on a call — and the
    others respondents; with ``?caller=<number>`` the earlier cases of that number (the
    one phone look-up, casework.phones) and the caller's name from the latest of them."""
    channel = request.GET.get("channel", "")
    channels = {value for value, _label in STAFF_CHANNELS}
    initial = {"channel": channel} if channel in channels else {}
    caller = (request.GET.get("caller") or "").strip()[:30]
    first = {"role": PartyRole.APPLICANT, "kind": PartyKind.RESIDENT}
    earlier = []
    if caller:
        visible = selectors.cases_visible_to(request.user)
        earlier = list(
            phones.cases_with_phone(visible, caller)
            .select_related("category", "place")
            .order_by("-created_at")[:10]
        )
        first["phone"] = caller
        known = (
            Party.objects.filter(
                case__in=[c.pk for c in earlier], phone_key=phones.phone_key(caller)
            )
            .order_by("-case__created_at")
            .values_list("name", flat=True)
            .first()
        )
        if known:
            first["name"] = known
    others = [{"role": PartyRole.RESPONDENT, "kind": PartyKind.RESIDENT}] * 2
    return {
        "initial": initial,
        "party_rows": [first, *others],
        "channel": initial.get("channel", ""),
        "caller": caller,
        "earlier_cases": earlier,
    }


def _intake_sent_again(request, scope: str, token: str, previous: idempotency.Previous):
    """The same form arrived again: land on the receipt of the case it registered."""
    case = visible_case(request, previous.result["case"])
    code = submissions.replayed_code(case=case, scope=scope, token=token, previous=previous)
    if code:
        request.session[RECEIPT_SESSION_KEY.format(pk=case.pk)] = code
    messages.info(
        request,
        _("This form was sent more than once; it registered one case, %(ref)s.")
        % {"ref": case.reference},
    )
    return redirect("casework:case_receipt", pk=case.pk)


def _intake_already_used(request, form, parties, previous: idempotency.Previous):
    """The form's token made a case from other content (edited after going back): keep what
    was typed, register nothing, and say so; a fresh token lets it be sent as a new case."""
    form.renew_token()
    form.is_valid()
    form.add_error(
        None,
        _(
            "This form was already sent and registered case %(ref)s. Nothing new was "
            "registered. If this is another grievance, check the form and send it again."
        )
        % {"ref": previous.result["reference"]},
    )
    return render(request, "casework/case_new.html", {"form": form, "parties": parties})


def case_receipt(request, pk: int):
    case = visible_case(request, pk)
    code = request.session.pop(RECEIPT_SESSION_KEY.format(pk=case.pk), None)
    return render(request, "casework/case_receipt.html", {"case": case, "status_code": code})


def case_receipt_pdf(request, pk: int):
    """The resident's receipt as an A4 PDF with a QR code to the status look-up. By GET
    (from the case page) without the status code; by POST from the one-time receipt page
    with it — printed only if it matches the stored hash, so no other code can be printed
    as the case's."""
    case = visible_case(request, pk)
    code = None
    if request.method == "POST":
        posted = (request.POST.get("status_code") or "")[:40]
        if posted and status_codes.status_code_matches(case, posted):
            code = status_codes.normalise_status_code(posted)
    try:
        with translation.override("zh-hans"):  # handed to the resident, in Chinese
            content = case_documents.receipt_pdf(case, status_code=code)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return redirect("casework:case_detail", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{case.reference}.pdf"'
    # The PDF may carry the status code: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------- case page


def case_detail(request, pk: int):
    case = visible_case(request, pk)
    user = request.user
    # Numbers are masked on the page for everyone; those who may see them in full ask
    # for one party at a time ("显示完整号码"), and each look is recorded (party_contact).
    full_contact = permissions.can_reveal_contact(case, user)
    can_work = permissions.can_add_note(case, user) and case.status != Status.ARCHIVED
    officers = selectors.officers_for(case)
    can_assign = permissions.can_offer_assignment(case, user)
    # Every step with why it is withheld, once: the guards query the case's referrals.
    offers = services.case_offers(case, user)
    context = {
        "case": case,
        "parties": case.parties.select_related("merged_from"),
        "events": selectors.case_timeline(case),
        "attachments": case.attachments.select_related("uploaded_by"),
        "transitions": [o.transition for o in offers if o.allowed],
        # Steps this user cannot take now, each with why (disabled buttons), for those
        # who work the case.
        "withheld": [o for o in offers if not o.allowed] if can_work else [],
        "outcome_choices": RESOLVING_OUTCOMES,
        "full_contact": full_contact,
        "can_work": can_work,
        "note_form": NoteForm(),
        "party_form": PartyForm(initial={"role": PartyRole.RESPONDENT})
        if permissions.can_work_case(case, user)
        and case.status not in (Status.ARCHIVED, Status.MERGED, Status.REJECTED, Status.WITHDRAWN)
        else None,
        "attachment_form": AttachmentForm(),
        "assign_form": AssignForm(initial={"version": case.version}, officers=officers)
        if can_assign
        else None,
        "merge_form": MergeForm()
        if case.status == Status.REGISTERED and permissions.can_work_case(case, user)
        else None,
        # values(), not only(): deferring `status` on an FSM model re-fetches it per row.
        "ratings": case.ratings.all()[:5],
        "return_visits": case.return_visits.select_related("recorded_by")[:10],
        "return_visit_form": ReturnVisitForm()
        if case.status == Status.RESOLVED and permissions.can_work_case(case, user)
        else None,
        "merged_cases": case.merged_cases.order_by("reference").values("pk", "reference"),
        "referrals": street_referral_rows(case, user),
        "dispatch_form": dispatch_form_for(case)
        if case.status in services.REFERABLE_STATUSES and permissions.can_work_case(case, user)
        else None,
    }
    # What an Open311 client sent beyond the case (the photo link, service attributes).
    context["open311"] = Open311Request.objects.filter(case=case).first()
    if context["open311"]:
        context["open311_attributes"] = open311.attribute_labels(
            case.category, context["open311"].attributes
        )
    # Sections the apps built on casework add (casework.hooks): meetings, mediation...
    context["panels"] = hooks.case_panels(request, case)
    context["unpublished_years"] = unpublished_years_of(
        case.due_date,
        case.first_contact_due,
        case.return_visit_due,
        *(row["referral"].current_due for row in context["referrals"]),
        *(d for panel in context["panels"] for d in panel.context.get("deadlines", ())),
    )
    return render(request, "casework/case_detail.html", context)


def street_referral_rows(case, user) -> list[dict]:
    """The case page's referral table with the actions this user may take on each."""
    rows = []
    for referral in case.referrals.select_related("organisation", "dispatched_by").order_by(
        "dispatched_at", "id"
    ):
        referral.case = case  # permission checks read the case; it is loaded already
        actions = [
            t
            for t in services.available_referral_transitions(referral, user)
            if t.custom.get("side") == "street"
        ]
        rows.append(
            {
                "referral": referral,
                "actions": actions,
                "can_supervise": referral.is_open
                and permissions.can_supervise_referral(referral, user),
            }
        )
    return rows


@require_POST
def case_transition(request, pk: int, name: str):
    case = visible_case(request, pk)
    version = posted_version(request)
    params = {k: request.POST.get(k, "")[:20000] for k in ("reason", "outcome", "summary")}
    try:
        services.case_transition(
            case=case,
            name=name,
            actor=request.user,
            note=request.POST.get("note", "")[:20000],
            expected_version=version,
            **params,
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request, label_of(Case, name))
    return redirect("casework:case_detail", pk=case.pk)


@require_POST
def case_party_add(request, pk: int):
    case = visible_case(request, pk)
    form = PartyForm(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("name"):
        if form.is_valid():
            form.add_error("name", _("Give the name of this party."))
        form_errors(request, form)
    else:
        data = form.cleaned_data
        try:
            services.case_add_party(
                case=case,
                actor=request.user,
                party=services.PartyData.from_form(data),
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#parties")


@require_POST
def party_contact(request, pk: int):
    """One party's full phone number and address ("显示完整号码"), for the assigned
    officer and supervisors only, by POST so that no link, prefetch or history replays
    it. Each look is appended to the security record (who, which party, when — never the
    number itself) and the page is not cached: the full value lives in this response only.
    """
    case = visible_case(request, pk)
    if not permissions.can_reveal_contact(case, request.user):
        return HttpResponseForbidden(
            _("Full contact details are shown to the assigned officer and supervisors.")
        )
    party_id = request.POST.get("party", "")
    party = get_object_or_404(case.parties, pk=int(party_id) if party_id.isdigit() else 0)
    record(
        SecurityEventKind.PII_REVEALED,
        request=request,
        obj=party,
        detail={"case": case.pk, "fields": ["phone", "address", "email"]},
    )
    response = render(request, "casework/party_contact.html", {"case": case, "party": party})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def case_note(request, pk: int):
    case = visible_case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("casework:case_detail", pk=case.pk)
    try:
        services.case_add_note(
            case=case,
            actor=request.user,
            text=form.cleaned_data["text"],
            public=form.cleaned_data["public"],
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#timeline")


@require_POST
def case_return_visit(request, pk: int):
    """Record the return visit (回访) to a resolved case."""
    case = visible_case(request, pk)
    form = ReturnVisitForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(reverse("casework:case_detail", args=[case.pk]) + "#return-visit")
    try:
        visit = services.case_return_visit_record(
            case=case,
            actor=request.user,
            expected_version=posted_version(request),
            **form.service_kwargs(),
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        if visit.dissatisfied:
            messages.warning(
                request,
                _("The resident is not satisfied: consider reopening the case (below)."),
            )
        else:
            messages.success(request, _("Return visit recorded."))
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#return-visit")


@require_POST
def case_assign(request, pk: int):
    case = visible_case(request, pk)
    form = AssignForm(request.POST, officers=selectors.officers_for(case))
    if not form.is_valid():
        messages.error(request, _("Choose an officer from the list."))
        return redirect("casework:case_detail", pk=case.pk)
    try:
        services.case_assign(
            case=case,
            officer=form.cleaned_data["officer"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect("casework:case_detail", pk=case.pk)


@require_POST
def case_merge(request, pk: int):
    case = visible_case(request, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = (
            selectors.cases_visible_to(request.user)
            .filter(reference=form.cleaned_data["target"].strip())
            .first()
        )
        if target is None:
            messages.error(request, _("No case with that reference in your area."))
        else:
            try:
                services.case_merge(
                    target=target,
                    duplicates=[case],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ServiceError as exc:
                refused(request, exc)
            else:
                messages.success(request, _("Merged into %(ref)s.") % {"ref": target.reference})
                return redirect("casework:case_detail", pk=target.pk)
    else:
        messages.error(request, _("Give the reference of the case to merge into."))
    return redirect("casework:case_detail", pk=case.pk)


@require_POST
def attachment_upload(request, pk: int):
    case = visible_case(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("casework:case_detail", pk=case.pk)
    try:
        services.attachment_add(
            case=case,
            actor=request.user,
            upload=form.cleaned_data["file"],
            public=form.cleaned_data["public"],
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("File attached."))
    return redirect("casework:case_detail", pk=case.pk)


def attachment_download(request, pk: int, attachment_pk: int):
    case = visible_case(request, pk)
    attachment = get_object_or_404(case.attachments, pk=attachment_pk)
    return serve_attachment(attachment)


# ------------------------------------------------------------ what waits for me


def waiting_list(request):
    """ "需要我处理": what waits for this user, by kind (casework.waiting); each item
    leaves the list when it is handled."""
    groups = waiting.waiting_for(request.user)
    return render(
        request,
        "casework/waiting.html",
        {"groups": groups, "total": sum(g.count for g in groups)},
    )
