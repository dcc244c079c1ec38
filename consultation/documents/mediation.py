"""The mediation agreement (one copy per party plus one for the file) and the
one-case-one-dossier (一案一卷) as PDF/A-3b, through ``core.pdf``.

Both are built from a plain snapshot dict: the template prints it and the PDF embeds it as
JSON, so the archive keeps a machine-readable record beside the printed one.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import event_text
from casework.models import mask_phone
from consultation.models import (
    Agreement,
    Mediation,
    MediationStatus,
    dossier_checklist,
    mediation_setting,
)
from core import documents, pdf
from core.names import person_name


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _d(value) -> str | None:
    return value.isoformat() if value else None


def _user(user) -> str:
    return person_name(user) if user is not None else ""


def _party(p) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "role": p.get_role_display(),
        "kind": p.get_kind_display(),
        "address": p.address,
        "phone": mask_phone(p.phone) if p.phone else "",
    }


def _signatures(rows) -> list[dict]:
    return [
        {
            "name": s.name,
            "role": s.get_role_display(),
            "signed_at": _dt(s.signed_at),
            "refused": s.refused,
            "note": s.note,
            "method": _("recorded by %(name)s") % {"name": person_name(s.recorded_by)}
            if s.recorded_by_id
            else "",
        }
        for s in rows
    ]


def agreement_snapshot(agreement: Agreement) -> dict:
    mediation = agreement.mediation
    parties = list(mediation.case.parties.all())
    return {
        "document": "人民调解协议书",
        "number": mediation.number,
        "committee": mediation.committee,
        "case": mediation.case.reference,
        "parties": [_party(p) for p in parties],
        "facts": agreement.facts,
        "disputed_matters": agreement.disputed_matters,
        "obligations": [
            {"party": o.party.name, "role": o.party.get_role_display(), "text": o.text}
            for o in agreement.obligations.select_related("party")
        ],
        "performance_manner": agreement.performance_manner,
        "performance_place": agreement.performance_place,
        "performance_deadline": _d(agreement.performance_deadline),
        "signatures": _signatures(agreement.signatures.select_related("recorded_by")),
        "sealed_at": _dt(agreement.sealed_at),
        "effective_at": _dt(agreement.effective_at),
        "judicial_deadline": _d(agreement.judicial_deadline),
        "copies": [f"{p.get_role_display()} {p.name}" for p in parties] + ["调解委员会存档"],
    }


def agreement_pdf(agreement: Agreement, *, fetcher=None) -> bytes:
    snapshot = agreement_snapshot(agreement)
    copies = [
        {"index": i, "holder": holder} for i, holder in enumerate(snapshot["copies"], start=1)
    ]
    return pdf.render(
        "consultation/pdf/agreement.html",
        {
            "a": snapshot,
            "copies": copies,
            "doc": documents.frame(
                issuer=snapshot["committee"],
                number=snapshot["number"],
                date=snapshot["sealed_at"] or snapshot["effective_at"],
                title=f"人民调解协议书 {snapshot['number']}",
            ),
        },
        title=f"人民调解协议书 {snapshot['number']}",
        attachment_name="agreement.json",
        data=snapshot,
        fetcher=fetcher,
    )


def dossier_snapshot(mediation: Mediation, *, compiler, compiled_at=None) -> dict:
    case = mediation.case
    agreement = getattr(mediation, "agreement", None)
    sessions = mediation.sessions.select_related("mediator", "recorder").prefetch_related(
        "participants", "signatures__recorded_by"
    )
    minutes = []
    for meeting in case.meetings.order_by("starts_at"):
        latest = (
            meeting.minutes.filter(status__in=["approved", "archived"])
            .select_related("archive_record")
            .order_by("-number")
            .first()
        )
        if latest is not None:
            record = getattr(latest, "archive_record", None)
            minutes.append(
                {
                    "snapshot": latest.snapshot,
                    "archival_number": record.archival_number if record else "",
                    "sha256": record.sha256 if record else "",
                }
            )
    checklist = dossier_checklist(mediation)
    return {
        "document": "人民调解卷宗",
        "number": mediation.number,
        "committee": mediation.committee,
        "title": f"{case.category.label} · {case.place}",
        "case": {
            "reference": case.reference,
            "category": case.category.label,
            "place": str(case.place),
            "channel": case.get_channel_display(),
            "registered_at": _dt(case.created_at),
            "description": case.description,
            "requests": case.requests,
            "status": case.get_status_display(),
            "outcome": case.get_outcome_display() if case.outcome else "",
            "resolution_summary": case.resolution_summary,
        },
        "mediators": [_user(u) for u in mediation.mediators.order_by("username")],
        "period": {"from": _d(mediation.applied_on), "to": _d(mediation.ended_on)},
        "compiler": _user(compiler),
        "compiled_at": _dt(compiled_at or timezone.now()),
        "retention_years": mediation_setting("RETENTION_YEARS"),
        "status": mediation.get_status_display(),
        "parties": [_party(p) for p in case.parties.all()],
        "application": {"applied_on": _d(mediation.applied_on), "matters": mediation.matters},
        "notice": {
            "given_at": _dt(mediation.notice_given_at),
            "manner": mediation.get_notice_manner_display(),
            "note": mediation.notice_note,
        },
        "time_limit": {
            "started_on": _d(mediation.started_on),
            "due": _d(mediation.due_date),
            "extensions": [
                {
                    "from": _d(e.previous_due),
                    "to": _d(e.new_due),
                    "reason": e.reason,
                    "consenting": [p.name for p in e.consenting.all()],
                    "manner": e.get_consent_manner_display(),
                }
                for e in mediation.extensions.prefetch_related("consenting")
            ],
        },
        "sessions": [
            {
                "number": s.number,
                "held_at": _dt(s.held_at),
                "venue": s.venue,
                "mediator": _user(s.mediator),
                "recorder": _user(s.recorder),
                "participants": [p.name for p in s.participants.all()],
                "others_present": s.others_present,
                "applicant_account": s.applicant_account,
                "respondent_account": s.respondent_account,
                "evidence": s.evidence,
                "outcome": s.outcome,
                "signatures": _signatures(s.signatures.all()),
            }
            for s in sessions
        ],
        "agreement": agreement_snapshot(agreement) if agreement and agreement.in_effect else None,
        "judicial": {
            "status": agreement.get_judicial_status_display(),
            "recorded_on": _d(agreement.judicial_recorded_on),
            "note": agreement.judicial_note,
        }
        if agreement and agreement.in_effect
        else None,
        "ended": {
            "reason": mediation.get_end_reason_display(),
            "routes": mediation.routes_told,
            "note": mediation.end_note,
            "on": _d(mediation.ended_on),
        }
        if mediation.status == MediationStatus.ENDED
        else None,
        "return_visits": [
            {
                "visited_on": _d(v.visited_on),
                "manner": v.manner,
                "performance": v.get_performance_display(),
                "satisfaction": v.get_satisfaction_display(),
                "later_suit": v.later_suit,
                "action_taken": v.action_taken,
                "recorded_by": _user(v.recorded_by),
            }
            for v in mediation.return_visits.select_related("recorded_by")
        ],
        "closing_report": mediation.closing_report,
        "minutes": minutes,
        "events": [
            {
                "at": _dt(e.created_at),
                "kind": e.get_kind_display(),
                "actor": _user(e.actor),
                "from": e.get_from_status_display() if e.from_status else "",
                "to": e.get_to_status_display() if e.to_status else "",
                "note": event_text.full_text(e),
            }
            for e in case.events.select_related("actor").order_by("created_at", "id")
        ],
        "checklist": [
            {"key": i.key, "title": i.title, "state": i.state, "label": i.state_label}
            for i in checklist
        ],
    }


def dossier_pdf(
    mediation: Mediation,
    *,
    compiler,
    draft: bool = False,
    archival_number: str = "",
    compiled_at=None,
    fetcher=None,
) -> bytes:
    """The dossier; a ``draft`` (a preview before archiving) says so on every page. Its
    cover is an archival cover (全宗号, 档号 ``archival_number``, retention, pages), and
    its date ``compiled_at`` (when archiving was asked for; now if not given)."""
    snapshot = dossier_snapshot(mediation, compiler=compiler, compiled_at=compiled_at)
    snapshot["archive"] = {
        "fonds": settings.LINLI.get("ARCHIVE_FONDS", ""),
        "archival_number": archival_number,
    }
    return pdf.render(
        "consultation/pdf/dossier.html",
        {
            "d": snapshot,
            "doc": documents.frame(
                issuer=snapshot["committee"],
                number=snapshot["number"],
                date=snapshot["compiled_at"],
                draft=draft,
                title=f"人民调解卷宗 {snapshot['number']}",
            ),
        },
        title=f"人民调解卷宗 {snapshot['number']}",
        attachment_name="dossier.json",
        data=snapshot,
        fetcher=fetcher,
    )
