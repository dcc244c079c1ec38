"""One walk over every URL the project serves (the admin's own pages aside), each with
concrete arguments.

The access tests walk it: as anonymous and as another area's mediator
(tests/test_url_access.py), as outsiders holding the real ids of area A's records
(tests/test_outsider_walk.py), and as a supervisor who has not given a second factor
(tests/test_two_factor.py). ``ARGUMENTS`` says, for every named URL, what each of its
arguments stands for — a record's id (``Id("case")``, filled from the walk's ids) or a
literal value. A URL with no entry (or an entry that no longer matches its pattern) fails
``test_every_url_has_an_entry_in_the_walk`` and its own walks, so a new page cannot be
added without deciding how the access walks reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Id:
    """An argument that is the primary key of a record of this kind."""

    kind: str


CASE, REFERRAL, ATTACHMENT = Id("case"), Id("referral"), Id("attachment")
MEETING, MINUTES, FOLLOW_UP = Id("meeting"), Id("minutes"), Id("follow_up")
BALLOT, MEDIATION, ARCHIVE = Id("ballot"), Id("mediation"), Id("archive")
PUBLICITY, OBJECTION, MERGE = Id("publicity"), Id("objection"), Id("merge")
IMPORT = Id("import")
RIGHTS = Id("rights")
# Public notices are reached by the unguessable code printed on the paper notice.
NOTICE_CODE = "00000000-0000-4000-8000-000000000000"

# Every named URL outside the admin: its keyword arguments and what each one is. Literal
# values are real ones (a transition that exists, a record form that exists), so that a
# view which looked at the name before the record could not answer 404 for the wrong
# reason.
ARGUMENTS: dict[str, dict[str, object]] = {
    "healthz": {},
    "readyz": {},
    "metrics": {},
    "login": {},
    "logout": {},
    "password_reset": {},
    "password_reset_done": {},
    "password_reset_confirm": {"uidb64": "x", "token": "x"},
    "password_reset_complete": {},
    "two_factor:overview": {},
    "two_factor:setup": {},
    "two_factor:verify": {},
    "two_factor:recovery_codes": {},
    "profile": {},
    "set_language": {},
    # The resident's side
    "portal:submit": {},
    "portal:home": {},
    "portal:nearest": {},
    "portal:mine": {},
    "portal:mine_phone": {},
    "portal:mine_code": {},
    "portal:mine_case": {"reference": "2026-000001"},
    "portal:mine_leave": {},
    "portal:sms_outbox": {},
    "portal:receipt": {},
    "portal:lookup": {},
    "portal:status": {},
    "portal:rate": {},
    "portal:rate_details": {},
    "portal:reopen": {},
    "portal:mode": {},
    "portal:add": {},
    "portal:leave": {},
    # Open311 GeoReport v2
    "open311:discovery": {"fmt": "json"},
    "open311:services": {"fmt": "json"},
    "open311:service": {"code": "x", "fmt": "json"},
    "open311:requests": {"fmt": "json"},
    "open311:request": {"service_request_id": "x", "fmt": "json"},
    "open311:token": {"token": "x", "fmt": "json"},
    "open311:not_found": {"rest": "v2/x.json"},
    "api:not_found": {"rest": "nowhere/"},
    "api_not_found": {"rest": "v9/cases/"},
    # The REST API (token-only)
    "api:case-list": {},
    "api:case-detail": {"pk": CASE},
    "api:case-timeline": {"pk": CASE},
    "api:referral-list": {},
    "api:referral-detail": {"pk": REFERRAL},
    "api:referral-act": {"pk": REFERRAL},
    "api:schema": {},
    "api:docs": {},
    # Casework
    "casework:home": {},
    "casework:case_list": {},
    "casework:case_new": {},
    "casework:case_detail": {"pk": CASE},
    "casework:case_receipt": {"pk": CASE},
    "casework:case_receipt_pdf": {"pk": CASE},
    "casework:case_transition": {"pk": CASE, "name": "accept"},
    "casework:case_note": {"pk": CASE},
    "casework:case_return_visit": {"pk": CASE},
    "casework:hotline_act": {"pk": CASE},
    "casework:hotline_resend": {"pk": CASE, "message_id": 1},
    "casework:case_party_add": {"pk": CASE},
    "casework:party_contact": {"pk": CASE},
    "casework:rights_list": {},
    "casework:rights_detail": {"pk": RIGHTS},
    "casework:rights_copy": {"pk": RIGHTS},
    "casework:privacy_register": {},
    "casework:case_assign": {"pk": CASE},
    "casework:case_merge": {"pk": CASE},
    "casework:attachment_upload": {"pk": CASE},
    "casework:attachment_download": {"pk": CASE, "attachment_pk": ATTACHMENT},
    "casework:referral_dispatch": {"pk": CASE},
    "casework:referral_transition": {"pk": CASE, "referral_pk": REFERRAL, "name": "recall"},
    "casework:referral_supervise": {"pk": CASE, "referral_pk": REFERRAL},
    "casework:reports": {},
    "casework:report_pdf": {},
    "casework:export_cases": {"fmt": "csv"},
    "casework:export_report": {"fmt": "csv"},
    "casework:export_log": {},
    "casework:my_exports": {},
    "casework:my_export_download": {"pk": Id("export")},
    "casework:security_log": {},
    "casework:waiting": {},
    "casework:grid_patrol": {},
    "casework:inbox": {},
    "casework:inbox_detail": {"pk": REFERRAL},
    "casework:inbox_transition": {"pk": REFERRAL, "name": "sign_for"},
    "casework:inbox_attachment": {"pk": REFERRAL, "attachment_pk": ATTACHMENT},
    # Meetings and minutes
    "consultation:meeting_list": {},
    "consultation:meeting_new": {},
    "consultation:meeting_detail": {"pk": MEETING},
    "consultation:meeting_transition": {"pk": MEETING, "name": "close"},
    "consultation:meeting_invitee": {"pk": MEETING},
    "consultation:meeting_agenda": {"pk": MEETING},
    "consultation:meeting_statement": {"pk": MEETING},
    "consultation:meeting_motion": {"pk": MEETING},
    "consultation:meeting_decision": {"pk": MEETING},
    "consultation:meeting_follow_up": {"pk": MEETING},
    "consultation:meeting_criterion": {"pk": MEETING},
    "consultation:attendance": {"pk": MEETING},
    "consultation:rating_sheet": {"pk": MEETING},
    "consultation:meeting_ics": {"pk": MEETING},
    "consultation:meeting_notice_pdf": {"pk": MEETING},
    "consultation:minutes_new": {"pk": MEETING},
    "consultation:follow_up_close": {"pk": FOLLOW_UP},
    "consultation:minutes_detail": {"pk": MINUTES},
    "consultation:minutes_edit": {"pk": MINUTES},
    "consultation:minutes_transition": {"pk": MINUTES, "name": "archive"},
    "consultation:minutes_sign": {"pk": MINUTES},
    "consultation:minutes_correct": {"pk": MINUTES},
    "consultation:minutes_pdf": {"pk": MINUTES},
    "consultation:archive_list": {},
    "consultation:archive_download": {"pk": ARCHIVE},
    "consultation:archive_verify": {"pk": ARCHIVE},
    # Owner ballots
    "consultation:ballot_new": {},
    "consultation:ballot_detail": {"pk": BALLOT},
    "consultation:ballot_transition": {"pk": BALLOT, "name": "announce"},
    "consultation:ballot_vote": {"pk": BALLOT},
    "consultation:ballot_cost": {"pk": BALLOT},
    "consultation:ballot_objection": {"pk": BALLOT},
    "consultation:ballot_paper": {"pk": BALLOT},
    "consultation:ballot_rule_set": {"pk": BALLOT},
    "consultation:ballot_import": {"pk": BALLOT},
    "consultation:ballot_import_preview": {"pk": BALLOT, "import_pk": IMPORT},
    "consultation:ballot_plan": {"pk": BALLOT, "kind": "planning"},
    # Publicity (公示) and owners
    "consultation:meeting_publicity": {"pk": MEETING},
    "consultation:publicity_objection": {"pk": PUBLICITY},
    "consultation:objection_meeting": {"pk": OBJECTION},
    "consultation:owner_merges": {},
    "consultation:owner_merge_decide": {"pk": MERGE},
    "notices:notice": {"code": NOTICE_CODE},
    "notices:notice_pdf": {"code": NOTICE_CODE},
    "verify:archive": {},
    # People's mediation
    "consultation:mediation_list": {},
    "consultation:mediation_new": {},
    "consultation:mediation_detail": {"pk": MEDIATION},
    "consultation:mediation_transition": {"pk": MEDIATION, "name": "start"},
    "consultation:mediation_notice": {"pk": MEDIATION},
    "consultation:mediation_session": {"pk": MEDIATION},
    "consultation:mediation_extension": {"pk": MEDIATION},
    "consultation:mediation_return_visit": {"pk": MEDIATION},
    "consultation:mediation_mediators": {"pk": MEDIATION},
    "consultation:mediation_agreement": {"pk": MEDIATION},
    "consultation:mediation_judicial": {"pk": MEDIATION},
    "consultation:mediation_closing_report": {"pk": MEDIATION},
    "consultation:agreement_sign": {"pk": MEDIATION},
    "consultation:session_sign": {"pk": MEDIATION, "number": 1},
    "consultation:agreement_seal": {"pk": MEDIATION},
    "consultation:agreement_pdf": {"pk": MEDIATION},
    "consultation:dossier_pdf": {"pk": MEDIATION},
    "consultation:dossier_archive": {"pk": MEDIATION},
}

# Pages anyone may open without signing in.
PUBLIC = {
    "login",
    "set_language",
    "healthz",
    "readyz",
    "portal:submit",
    "portal:receipt",
    "portal:lookup",
    # The residents' home page (a signed-in user's dashboard at the same address).
    "casework:home",
    "portal:home",
    # "Use my location": JSON, 400 without a position.
    "portal:nearest",
    # 我的诉求: the number, the code, the list and one case of it redirect to the number's
    # page until the session holds a verified number; leaving is POST only.
    "portal:mine",
    "portal:mine_phone",
    "portal:mine_code",
    "portal:mine_case",
    "portal:mine_leave",
    # The development outbox of text messages: 404 unless the file backend runs in dev.
    "portal:sms_outbox",
    # POST-only resident endpoints: public, but they redirect to the look-up page
    # unless the session holds a verified case.
    "portal:status",
    "portal:rate",
    "portal:rate_details",
    "portal:reopen",
    # The 长辈模式 switch: a cookie for anyone, no case, no account.
    "portal:mode",
    "portal:add",
    "portal:leave",
    # Password reset: public by nature; the form answers the same for any address.
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Open311 GeoReport v2: public machine access, no personal data in any response.
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    # A posted notice (公示): what the paper notice in the stairwell shows — the result and
    # unit numbers, no names or phones — reached by the code printed on it.
    "notices:notice",
    "notices:notice_pdf",
    # Public archive verification (#24): answers only about the file (or number) given.
    "verify:archive",
    "open311:token",
    "open311:not_found",  # the spec's 404 error list for every other path under /open311/
    "api:not_found",  # the API's JSON 404 for paths that name no operation
    "api_not_found",
}

_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its namespaced name and its route as declared (includes joined)."""

    name: str | None
    pattern: str

    @property
    def arguments(self) -> set[str]:
        return {a or b for a, b in _ARGUMENT.findall(self.pattern)}

    @property
    def names_a_record(self) -> bool:
        """Whether an argument is a record's id (or, with no entry yet, whether it may be:
        such a URL is walked, and fails there)."""
        entry = ARGUMENTS.get(self.name)
        return entry is None or any(isinstance(value, Id) for value in entry.values())

    def path(self, ids: Mapping[str, int] | None = None) -> str:
        """The concrete path: ``ids`` maps a record kind to the primary key to use; a kind
        not given is 1. A URL without an entry in ``ARGUMENTS`` fails here."""
        assert self.name in ARGUMENTS, (
            f"{self.name} ({self.pattern}) has no entry in tests/urlwalk.py ARGUMENTS: "
            "say what its arguments are so the access walks reach it"
        )
        ids = ids or {}
        kwargs = {
            key: ids.get(value.kind, 1) if isinstance(value, Id) else value
            for key, value in ARGUMENTS[self.name].items()
        }
        return reverse(self.name, kwargs=kwargs)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if ns == "admin:":
                continue  # the admin's own pages: tests/test_url_access.py tries its door
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name, prefix + str(entry.pattern))


def routes() -> list[Route]:
    """Every URL pattern outside the admin, by name."""
    return sorted(_walk(get_resolver().url_patterns), key=lambda r: (r.name or "", r.pattern))


def paths(ids: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """``(name, path)`` for every URL, filled with ``ids`` (see ``Route.path``)."""
    return [(route.name, route.path(ids)) for route in routes()]
