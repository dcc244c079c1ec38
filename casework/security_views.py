"""The security record for supervisors: who tried or did what, when and from where.

Events are stored as a kind plus parameters (core.models.SecurityEvent) and put into
words here, at read time, in the reader's language.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import permissions, selectors
from casework.filters import SecurityEventFilter
from casework.models import ExportKind, Organisation
from casework.roles import Role
from core.models import SecurityEventKind as Kind
from core.names import person_name

# The limiter's doors, in words (core.throttle names them in settings).
DOORS = {
    "login_pair": gettext_lazy("this account from this address"),
    "login_address": gettext_lazy("this address, on any account"),
    "login_account": gettext_lazy("this account, from unknown addresses"),
    "password_reset_email": gettext_lazy("reset mails to one e-mail address"),
    "password_reset_address": gettext_lazy("reset requests from this address"),
    "lookup_reference": gettext_lazy("look-ups of one reference"),
    "lookup_address": gettext_lazy("look-ups from this address"),
    "submission_address": gettext_lazy("online submissions from this address"),
    "open311_read_address": gettext_lazy("Open311 reads from this address"),
    "api_token": gettext_lazy("API requests with one token"),
    "api_anonymous": gettext_lazy("API requests without a token from this address"),
    "api_auth_failure": gettext_lazy("failed API authentications from this address"),
}
ADMIN_ACTIONS = {
    "added": gettext_lazy("added"),
    "changed": gettext_lazy("changed"),
    "deleted": gettext_lazy("deleted"),
}


def _doors(detail: dict) -> str:
    names = detail.get("doors") or ([detail["door"]] if detail.get("door") else [])
    return " / ".join(str(DOORS.get(n, n)) for n in names)


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def describe(event, organisations: dict[int, str]) -> str:
    """One line in the reader's language saying what the event was about."""
    d = event.detail or {}
    kind = event.kind
    if kind in (Kind.LOGIN_LOCKED, Kind.THROTTLED):
        return _("Limit reached: %(doors)s.") % {"doors": _doors(d)}
    if kind == Kind.PASSWORD_RESET:
        return _("Accounts with this e-mail address: %(n)s.") % {"n": d.get("accounts", 0)}
    if kind == Kind.LOOKUP_FAILED:
        return _("Reference (hashed) %(hash)s.") % {"hash": d.get("reference", "")[:8]}
    if kind == Kind.API_AUTH_FAILED:
        prefix = d.get("prefix")
        return _("Token prefix %(prefix)s.") % {"prefix": prefix} if prefix else _("No token.")
    if kind == Kind.ACCESS_DENIED:
        if d.get("status") == 403:
            return _("Not allowed (403): %(path)s") % {"path": event.path}
        return _("Outside the user's reach or missing (404): %(path)s") % {"path": event.path}
    if kind == Kind.EXPORT:
        return _("%(what)s as %(format)s, %(rows)s rows, phone numbers %(phones)s.") % {
            "what": ExportKind(d["kind"]).label if d.get("kind") in ExportKind else d.get("kind"),
            "format": str(d.get("format", "")).upper(),
            "rows": d.get("rows", 0),
            "phones": _("unmasked") if d.get("unmasked") else _("masked"),
        }
    if kind == Kind.ADMIN_CHANGE:
        return _("%(model)s #%(id)s %(action)s.") % {
            "model": _model_name(event.object_type),
            "id": event.object_id,
            "action": ADMIN_ACTIONS.get(d.get("action"), d.get("action", "")),
        }
    if kind in (Kind.ROLE_GRANTED, Kind.ROLE_CHANGED, Kind.ROLE_REVOKED):
        role = Role(d["role"]).label if d.get("role") in Role else d.get("role", "")
        return _("%(user)s: %(role)s at %(organisation)s.") % {
            "user": d.get("user", ""),
            "role": role,
            "organisation": organisations.get(d.get("organisation_id"), "—"),
        }
    if kind == Kind.RECORD_PRUNED:
        before = parse_datetime(d.get("before", ""))
        return _("%(n)s events before %(date)s deleted (kept %(days)s days).") % {
            "n": d.get("deleted", 0),
            "date": date_format(before, "Y-m-d") if before else "—",
            "days": d.get("retention_days", ""),
        }
    if kind == Kind.PII_REVEALED:
        return _("Full contact details of a party of case #%(case)s shown.") % {
            "case": d.get("case", "")
        }
    if kind == Kind.PII_KEY_ROTATED:
        return _("%(rows)s rows re-encrypted under key %(key)s.") % {
            "rows": d.get("rows", 0),
            "key": d.get("key_id", ""),
        }
    if kind == Kind.PII_DEIDENTIFIED:
        return _(
            "Past retention: contacts of %(contact)s cases, names of %(identity)s cleared."
        ) % {
            "contact": d.get("contact", 0),
            "identity": d.get("identity", 0),
        }
    if kind == Kind.TWO_FACTOR_RESET:
        return _("Account #%(id)s: authenticator and recovery codes removed.") % {
            "id": event.object_id
        }
    return ""


def security_log(request):
    """Supervisors' filterable, paginated view of the security record."""
    if not permissions.has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("The security record is for supervisors."))
    events = selectors.security_events_visible_to(request.user)
    filterset = SecurityEventFilter(request.GET or None, queryset=events, user=request.user)
    filterset.form.fields["actor"].label_from_instance = lambda u: (
        f"{person_name(u)} ({u.username})"
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    org_ids = {e.detail.get("organisation_id") for e in rows if isinstance(e.detail, dict)}
    organisations = dict(
        Organisation.objects.filter(pk__in=[i for i in org_ids if i]).values_list("pk", "name")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/security_log.html",
        {
            "filter": filterset,
            "page": page,
            "rows": [(e, describe(e, organisations)) for e in rows],
            "query": query.urlencode(),
            "retention_days": settings.LINLI["SECURITY_RETENTION_DAYS"],
        },
    )
