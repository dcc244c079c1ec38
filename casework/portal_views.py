"""Public pages for residents (no account). These are the only public views besides
login; each is marked ``login_not_required`` explicitly.

The verified case lives in the session (never in the URL): a resident proves once with
reference + code and then sees only that case's public timeline for a while.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import portal, portal_reads, public_stages, senior_mode, sms, submissions
from casework.models import OPEN_STATUSES, Case, Status
from casework.portal_forms import InfoForm, LookupForm, SubmitForm
from core import crypto, idempotency, page_shell, throttle
from core.client import client_address
from core.exceptions import ServiceError
from core.http import no_store, permissions_policy

RECEIPT_KEY = "linli-portal-receipt"
VERIFIED_KEY = "linli-portal-case"


def _verified_pk(request) -> int | None:
    data = request.session.get(VERIFIED_KEY)
    if not data or time.time() - data.get("at", 0) > settings.LINLI["PORTAL_SESSION_SECONDS"]:
        request.session.pop(VERIFIED_KEY, None)
        return None
    return data.get("pk")


def _verified_case(request) -> Case | None:
    pk = _verified_pk(request)
    if pk is None:
        return None
    return Case.objects.select_related("category").filter(pk=pk).first()


def _summary_html(case: Case) -> str:
    """The summary (cached under ``portal_reads.summary_key``): the reference, category
    and date, the progress bar, the stage in plain words, a rejection's reason, the pause
    or the expected date, what the resident told us, the result, the timeline. One query
    for the events with their referrals' due dates and replies, however long the log, and
    for a waiting case one for its open referrals.

    Built here, not by a template, as :func:`_timeline_html` is: a resident arriving for
    another case misses the cache, and the template engine was a tenth of such a request
    (0.35 ms at 1,000,000 cases). ``tests/casework/test_resident_status.py`` renders the
    template this replaced beside it for every state and compares the markup."""
    timeline = _timeline_html(public_stages.timeline(portal_reads.status_events(case)))
    created = timezone.localtime(case.created_at).strftime("%Y-%m-%d")
    parts = [
        f"<h1>{escape(case.reference)}</h1>\n",
        f'<p class="muted">{escape(case.category.label)} · {created}</p>\n',
        _progress_html(case.status),
        f'\n<p class="plain">{escape(portal.PLAIN_WORDS.get(case.status, ""))}</p>\n',
    ]
    if case.status == Status.REJECTED and case.status_reason:
        parts.append(
            f'<p class="reason"><strong>{escape(_("Reason:"))}</strong> '
            f"{escape(case.status_reason)}</p>\n"
        )
    pause = portal.pause_of(case)
    if pause is not None:
        parts.append(f'<p class="pause">{_pause_sentence(pause)}</p>\n')
    elif case.due_date and case.is_open:
        parts.append(
            f"<p>{escape(_('Expected to be done by'))} "
            f"<strong>{case.due_date:%Y-%m-%d}</strong></p>\n"
        )
    parts.append(
        f'<details class="card">\n<summary>{escape(_("What you told us"))}</summary>\n'
        f'<p class="prose">{linebreaksbr(case.description)}</p>\n'
    )
    if case.requests:
        parts.append(f'<p class="prose">{linebreaksbr(case.requests)}</p>\n')
    parts.append("</details>\n")
    if case.resolution_summary and case.outcome:
        parts.append(
            f'<section class="card">\n<h2>{escape(_("Result"))}</h2>\n'
            f"<p>{escape(case.get_outcome_display())}</p>\n"
            f'<p class="prose">{linebreaksbr(case.resolution_summary)}</p>\n</section>\n'
        )
    parts.append(timeline)
    return "".join(parts)


def _pause_sentence(pause) -> str:
    """Why the time limit is paused and the date now expected (``portal.pause_of``)."""
    if pause.bodies and pause.expected:
        return _(
            "The time limit is paused while %(bodies)s answers (due by %(due)s), so we now "
            "expect to finish by <strong>%(expected)s</strong>."
        ) % {
            "bodies": escape(pause.bodies),
            "due": f"{pause.reply_due:%Y-%m-%d}" if pause.reply_due else "",
            "expected": f"{pause.expected:%Y-%m-%d}",
        }
    if pause.expected:
        return _(
            "The time limit is paused while we wait for an answer; if it comes today, we "
            "expect to finish by <strong>%(expected)s</strong>."
        ) % {"expected": f"{pause.expected:%Y-%m-%d}"}
    return escape(_("The time limit is paused while we wait for an answer."))


_PROGRESS: dict[tuple[str, str], str] = {}


def _progress_html(status: str) -> str:
    """The progress bar of a case in ``status``: the same for every case in that status
    and language, so rendered once per process (its loop was a fifth of a summary's
    rendering) — but each time while ``DEBUG`` (a template edited under runserver)."""
    key = (get_language(), status)
    html = _PROGRESS.get(key)
    if html is None:
        steps = public_stages.progress(status)
        html = render_to_string("casework/portal/_progress.html", {"steps": steps})
        if not settings.DEBUG:
            _PROGRESS[key] = html
    return mark_safe(html)


def _timeline_html(entries) -> str:
    """The resident's timeline as HTML: a heading and one list item per entry — its time,
    title, sentence and quoted words (escaped; line breaks kept as ``<br>``).

    Written here rather than as a template: it is the part of the status page that grows
    with the case, and a resident arriving for another case (the cache's usual miss) paid
    ~1 ms for the template engine's loop over a twenty-entry log, against ~0.1 ms for the
    same markup built here. ``tests/casework/test_resident_status.py`` pins the markup."""
    items = []
    for entry in entries:
        at = timezone.localtime(entry.at)
        name = escape(entry.stage or "")
        stage = f' stage stage-{name}" data-stage="{name}' if name else ""
        item = (
            f'<li class="public{stage}">\n'
            f'<time datetime="{at.isoformat()}">{at:%Y-%m-%d %H:%M}</time>\n'
            f"<strong>{escape(entry.title)}</strong>"
        )
        if entry.text:
            item += f"\n<p>{escape(entry.text)}</p>"
        if entry.quote:
            item += f'\n<blockquote class="prose">{linebreaksbr(entry.quote)}</blockquote>'
        items.append(item + "\n</li>")
    return mark_safe(
        f"<section>\n<h2>{escape(_('What has happened'))}</h2>\n"
        f'<ol class="timeline resident-timeline">\n{"".join(items)}\n</ol>\n</section>'
    )


def _blank_form(name: str, form_class) -> str:
    """The fields of an empty form, rendered once per language (widget templates cost a
    millisecond per request on the residents' busiest page). No token inside: the CSRF
    token stays in the page's own form tag. Kept ten minutes, so a deploy that changes a
    form shows the new one soon even with a shared cache."""
    key = f"linli:portal-form:{name}:{get_language()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(f"casework/portal/_{name}_fields.html", {"form": form_class()})
        cache.set(key, html, timeout=600)
    return mark_safe(html)


# Residents have no account: every resident's form shares one scope, and its 256-bit
# token is what tells one send from another.
SUBMIT_SCOPE = "portal"


@no_store
@login_not_required
@permissions_policy(geolocation="self")  # "use my location" (the browser asks the resident)
def submit(request):
    form = SubmitForm(request.POST or None, request.FILES or None)
    token = form.posted_token
    if token:
        previous = idempotency.lookup(scope=SUBMIT_SCOPE, key=token)
        if previous is not None:
            if previous.same_content(idempotency.fingerprint_post(request.POST)):
                return _sent_again(request, token, previous)
            _already_used(form, previous)
            return _submit_page(request, form)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = portal.Submission(
            category=d["category"],
            place=d["place"],
            address=d["address"],
            description=d["description"],
            requests=d["requests"],
            name=d["name"].strip(),
            phone=d["phone"],
            email=d["email"],
            photos=tuple(d["photos"]),
            sms_updates=d["sms_updates"],
        )
        try:
            portal.admit_submission(client_address(request))
            outcome = submissions.register_once(
                scope=SUBMIT_SCOPE,
                token=token,
                post=request.POST,
                register=lambda status_code: portal.submit_online(
                    data=data, status_code=status_code
                ),
            )
        except idempotency.KeyReused as exc:
            _already_used(form, exc.previous)
        except throttle.Throttled as exc:
            # The form keeps everything typed; 429 says when to send it again.
            form.add_error(None, exc.message())
            return throttle.set_retry_after(_submit_page(request, form), exc)
        except ServiceError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if outcome.replayed:  # the same form at the same moment: it waited for the first
                return _sent_again(request, token, outcome.previous)
            request.session[RECEIPT_KEY] = {
                "reference": outcome.value.case.reference,
                # Sealed: sessions are stored in the database, and the code opens the case.
                "code": crypto.encrypt(outcome.value.status_code),
                "email": bool(d["email"]),
                "sms": sms.is_mobile(d["phone"]),
                "at": time.time(),
            }
            return redirect("portal:receipt")
    return _submit_page(request, form)


def _submit_page(request, form):
    return render(
        request,
        "casework/portal/submit.html",
        {"form": form, "max_photos": settings.LINLI["PORTAL_MAX_PHOTOS"]},
    )


def _sent_again(request, token: str, previous: idempotency.Previous):
    """The same form arrived again (a double tap, a retry): the receipt of the first send.
    A browser shows the *last* answer, so this is the receipt the resident sees: the code is
    derived again from the page's token while it is fresh."""
    case = Case.objects.get(pk=previous.result["case"])
    code = submissions.replayed_code(case=case, scope=SUBMIT_SCOPE, token=token, previous=previous)
    request.session[RECEIPT_KEY] = {
        "reference": case.reference,
        "code": crypto.encrypt(code or ""),
        "email": bool(request.POST.get("email", "").strip()),
        "again": True,
        "at": time.time(),
    }
    return redirect("portal:receipt")


def _already_used(form, previous: idempotency.Previous) -> None:
    """The page's token already made a case from other content (edited after going back):
    register nothing new, keep what was typed, and offer a fresh token to send it anew."""
    form.renew_token()
    form.is_valid()
    form.add_error(
        None,
        _(
            "This form was already sent; its reference is %(ref)s. Nothing new was sent. "
            "If this is another problem, check the form and send it again."
        )
        % {"ref": previous.result["reference"]},
    )


@no_store
@login_not_required
def receipt(request):
    """The receipt of this browser session's last submission: it stays readable here
    (a reload, a tap back) for ``RECEIPT_KEEP_SECONDS`` — in the session, never the URL, so
    no other browser can open it — and it was texted to a mobile number."""
    data = request.session.get(RECEIPT_KEY)
    if data and time.time() - data.get("at", 0) > settings.LINLI["RECEIPT_KEEP_SECONDS"]:
        request.session.pop(RECEIPT_KEY, None)
        data = None
    copy_text = ""
    if data:
        try:
            data = {**data, "code": crypto.decrypt(data.get("code") or "")}
        except crypto.PIIKeyError:  # sealed under a key since retired: no receipt to show
            request.session.pop(RECEIPT_KEY, None)
            data = None
    if data:
        # What the copy button puts on the clipboard: both values, labelled.
        copy_text = _("Reference") + " " + data["reference"]
        if data.get("code"):
            copy_text += " " + _("Status code") + " " + data["code"]
    return render(
        request, "casework/portal/receipt.html", {"receipt": data, "copy_text": copy_text}
    )


@no_store
@login_not_required
def lookup(request):
    # The printed receipt's QR code fills in the reference (never the code, a secret).
    form = LookupForm(
        request.POST or None, initial={"reference": request.GET.get("reference", "")[:20]}
    )
    failed = False
    if request.method == "POST" and form.is_valid():
        # Past the limits this raises Throttled: a 429 page says when to try again.
        case = portal.lookup(
            reference=form.cleaned_data["reference"],
            code=form.cleaned_data["code"],
            address=client_address(request),
        )
        if case is None:
            failed = True
            form = LookupForm()  # echo nothing: both kinds of failure must look the same
        else:
            request.session.cycle_key()
            request.session[VERIFIED_KEY] = {"pk": case.pk, "at": time.time()}
            return redirect("portal:status")
    return render(request, "casework/portal/lookup.html", {"form": form, "failed": failed})


@no_store
@login_not_required
def status(request):
    pk = _verified_pk(request)
    # One query loads the case and its newest event id: the summary's key on a hit, and all
    # the summary needs on a miss (residents arriving for different cases miss the cache).
    # Fixed SQL (casework.portal_reads): the ORM's query building was most of a miss.
    case = portal_reads.status_case(pk) if pk is not None else None
    if case is None:
        messages.info(request, _("Enter your reference and status code to see your case."))
        return redirect("portal:lookup")
    # The rating block: one query, whatever the case's history, and none before the case
    # is resolved (only a rating of the current resolution counts).
    rating = portal_reads.latest_rating(pk) if case.resolved_at is not None else None
    if rating is not None and rating.created_at < case.resolved_at:
        rating = None  # a rating of an earlier resolution: this one is not rated yet
    ended = case.status in (Status.RESOLVED, Status.CLOSED)
    rateable = ended and case.resolved_at is not None and rating is None
    open_case = case.status in OPEN_STATUSES
    # The page around the summary (and the rating) is the same for every resident in this
    # language and mode, so it is rendered once (core.page_shell); it and the summary come
    # from the cache in one round trip.
    template = "casework/portal/status.html"
    key = f"{int(senior_mode.is_on(request))}:{int(rateable)}:{int(open_case)}:{int(bool(rating))}"
    shell_key = page_shell.cache_key(request, template, key)
    summary_key = portal_reads.summary_key(case)
    cached = cache.get_many([summary_key, shell_key] if shell_key else [summary_key])
    summary = cached.get(summary_key)
    if summary is None:
        summary = _summary_html(case)
        cache.set(summary_key, summary, timeout=24 * 3600)
    slots = {"reference": case.reference, "summary": mark_safe(summary)}
    if rating is not None:
        # What the resident answered is theirs: rendered for them, into the shared page.
        slots["rated"] = _rated_html(request, rating, case, ended=ended)
    context = {
        "rateable": rateable,
        "verdicts": list(portal.VERDICT_LABELS.items()),
        # A callable: the template calls it only when it renders the form, so a page served
        # from its shell does not fetch the form's fields from the cache at all.
        "info_form": functools.partial(_blank_form, "info", InfoForm) if open_case else None,
    }
    return page_shell.render_filled(
        request, template, context, slots=slots, key=key, shell=cached.get(shell_key)
    )


def _rated_html(request, rating, case: Case, *, ended: bool) -> str:
    """The resident's rating as the page shows it: their answer, the reopen request or the
    offer to reopen, their words or the form to add them (its CSRF token the request's)."""
    context = {
        "rating": rating,
        "verdict": portal.VERDICT_LABELS[portal.verdict_of(rating)],
        "offer_reopen": ended and not rating.satisfied and not rating.reopen_requested,
        "contact_due": portal.reopen_contact_due(rating),
        "organisation": case.organisation_name,
        "csrf_token": get_token(request),
    }
    return mark_safe(render_to_string("casework/portal/_rated.html", context))


def _verified_post(request, act, done: str):
    """Run ``act(case)`` for the verified case and flash ``done``, or the refusal."""
    case = _verified_case(request)
    if case is None:
        return redirect("portal:lookup")
    try:
        act(case)
    except ServiceError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("portal:status")


@no_store
@login_not_required
@require_POST
def rate(request):
    """The one-tap rating: the button pressed is the answer."""
    verdict = request.POST.get("verdict", "")
    return _verified_post(
        request,
        lambda case: portal.rate_in_one_tap(case=case, verdict=verdict),
        _("Thank you for your rating."),
    )


@no_store
@login_not_required
@require_POST
def rate_details(request):
    comment = request.POST.get("comment", "")
    return _verified_post(
        request,
        lambda case: portal.rating_add_details(case=case, comment=comment),
        _("Thank you. We have your words."),
    )


@no_store
@login_not_required
@require_POST
def reopen(request):
    reason = request.POST.get("reason", "")
    return _verified_post(
        request,
        lambda case: portal.request_reopen(case=case, reason=reason),
        _("Your request to reopen the case was received."),
    )


@no_store
@login_not_required
@require_POST
def add_information(request):
    case = _verified_case(request)
    if case is None:
        return redirect("portal:lookup")
    form = InfoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal.resident_add_information(
                case=case, text=form.cleaned_data["text"], upload=form.cleaned_data["photo"]
            )
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Thank you. Your information was added to the case."))
    else:
        messages.error(request, _("The information could not be added; please check it."))
    return redirect("portal:status")


@login_not_required
@require_POST
def mode(request):
    """Switch 长辈模式 on or off for this browser and go back to the page it came from."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("portal:submit")
    response = redirect(back)
    if request.POST.get("senior") == "1":
        response.set_cookie(
            senior_mode.COOKIE,
            "1",
            max_age=senior_mode.MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(senior_mode.COOKIE, samesite="Lax")
    return response


@no_store
@login_not_required
@require_POST
def leave(request):
    request.session.pop(VERIFIED_KEY, None)
    return redirect("portal:lookup")
