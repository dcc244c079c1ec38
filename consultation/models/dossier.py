"""What the one-case-one-dossier archive (一案一卷) holds: DOMAIN.md §4's checklist, each
item present, missing or not applicable, as the dossier's contents page and every refusal
to close or archive list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.models import PartyRole
from consultation.models.mediation import Mediation, MediationSession, MediationStatus
from consultation.models.signatures import pending_signers


@dataclass(frozen=True)
class DossierItem:
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"

    key: str
    title: str
    state: str
    detail: str = ""

    @property
    def state_label(self) -> str:
        return str(
            {
                self.PRESENT: _("present"),
                self.MISSING: _("missing"),
                self.NOT_APPLICABLE: _("not applicable"),
            }[self.state]
        )


def _session_gaps(session: MediationSession) -> list[str]:
    return [signer.name for signer in pending_signers(session)]


def dossier_checklist(mediation: Mediation) -> list[DossierItem]:
    """The items of DOMAIN.md §4's dossier, each present, missing or not applicable."""
    P, M, NA = DossierItem.PRESENT, DossierItem.MISSING, DossierItem.NOT_APPLICABLE
    items = []
    roles = set(mediation.case.parties.values_list("role", flat=True))
    items.append(
        DossierItem(
            "register",
            str(_("Application and register")),
            P if {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles else M,
            "" if PartyRole.RESPONDENT in roles else str(_("no respondent recorded")),
        )
    )
    items.append(
        DossierItem(
            "notice",
            str(_("Rights and duties notice")),
            P if mediation.notice_given_at else M,
        )
    )
    sessions = list(
        mediation.sessions.select_related("mediator", "recorder").prefetch_related(
            "participants", "signatures"
        )
    )
    unsigned = []
    for session in sessions:
        gaps = _session_gaps(session)
        if gaps:
            unsigned.append(
                str(_("session %(n)d unsigned by %(names)s"))
                % {"n": session.number, "names": "、".join(gaps)}
            )
    if mediation.status == MediationStatus.ENDED and not sessions:
        # A party who declines before any session leaves no session to record.
        sessions_state = NA
    else:
        sessions_state = P if sessions and not unsigned else M
    items.append(
        DossierItem(
            "records",
            str(_("Mediation records")),
            sessions_state,
            "; ".join(unsigned) if sessions else str(_("no session recorded")),
        )
    )
    agreed = mediation.status == MediationStatus.AGREED
    ended = mediation.status == MediationStatus.ENDED
    items.append(
        DossierItem(
            "agreement",
            str(_("Mediation agreement")),
            NA if ended else (P if agreed else M),
        )
    )
    items.append(
        DossierItem(
            "routes",
            str(_("Routes the parties were told of")),
            NA if agreed else (P if ended and mediation.routes_told else M),
        )
    )
    items.append(
        DossierItem(
            "return_visit",
            str(_("Return-visit record")),
            NA if ended else (P if agreed and mediation.return_visits.exists() else M),
        )
    )
    items.append(
        DossierItem(
            "closing_report",
            str(_("Closing report")),
            P if mediation.closing_report_at else M,
        )
    )
    meetings = list(mediation.case.meetings.filter(status__in=["held", "closed"]))
    if not meetings:
        items.append(DossierItem("minutes", str(_("Minutes of linked meetings")), NA))
    else:
        without = [
            m.reference
            for m in meetings
            if not m.minutes.filter(status__in=["approved", "archived"]).exists()
        ]
        items.append(
            DossierItem(
                "minutes",
                str(_("Minutes of linked meetings")),
                M if without else P,
                str(_("no approved minutes for %(refs)s")) % {"refs": ", ".join(without)}
                if without
                else "",
            )
        )
    return items


def dossier_missing_items(mediation: Mediation) -> list[str]:
    """Each missing item's title, with what exactly is missing when that helps."""
    return [
        f"{item.title} ({item.detail})" if item.detail else item.title
        for item in dossier_checklist(mediation)
        if item.state == DossierItem.MISSING
    ]
