"""The minutes' content as plain data: frozen at approval, printed in the PDF and embedded
in it as JSON (so the archive keeps the data as well as its picture)."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consultation.models import MeetingKind, Minutes
from consultation.selectors import sheet_tally
from core import documents, pdf
from core.names import person_name

SCHEMA = "linli.minutes/1"


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def build(minutes: Minutes) -> dict:
    """Everything the minutes say, in Chinese labels where the label is data (the record
    is kept in the language of the meeting)."""
    meeting = minutes.meeting
    with translation.override("zh-hans"):
        kind_label = meeting.get_kind_display()
        invitees = list(meeting.invitees.all())
        quorum = meeting.quorum()
        data = {
            "schema": SCHEMA,
            "reference": meeting.reference,
            "minutes_version": minutes.number,
            "corrects_version": minutes.corrects.number if minutes.corrects_id else None,
            "correction_reason": minutes.correction_reason,
            "kind": meeting.kind,
            "kind_label": kind_label,
            "topic": meeting.topic,
            "cases": list(meeting.cases.order_by("reference").values_list("reference", flat=True)),
            "convening_organisation": meeting.convening_organisation.name,
            "chair": meeting.chair_name,
            "recorder": meeting.recorder_name,
            "starts_at": _dt(meeting.starts_at),
            "venue": meeting.venue,
            "notice_date": meeting.notice_date.isoformat() if meeting.notice_date else None,
            "short_notice": meeting.short_notice,
            "quorum": {
                "invited": quorum["invited"],
                "present": quorum["present"],
                "rule": str(quorum["rule"]),
                "met": quorum["met"],
            },
            "attendees": [
                {"name": i.name, "category": i.get_category_display(), "affiliation": i.affiliation}
                for i in invitees
                if i.attended
            ],
            "absentees": [
                {"name": i.name, "category": i.get_category_display(), "affiliation": i.affiliation}
                for i in invitees
                if not i.attended
            ],
            "agenda": [a.title for a in meeting.agenda.all()],
            "statements": [
                {"speaker": s.speaker.name, "stance": s.get_stance_display(), "text": s.text}
                for s in meeting.statements.select_related("speaker")
            ],
            "motions": [
                {
                    "text": m.text,
                    "for": m.votes_for,
                    "against": m.votes_against,
                    "abstain": m.abstentions,
                    "outcome": m.get_outcome_display(),
                }
                for m in meeting.motions.all()
            ],
            "decisions": [d.text for d in meeting.decisions.all()],
            "follow_ups": [
                {
                    "action": f.text,
                    "owner": f.organisation.name,
                    "due": f.due_date.isoformat(),
                    "case": f.case.reference if f.case_id else None,
                }
                for f in meeting.follow_ups.select_related("organisation", "case")
            ],
            "summary": minutes.summary,
            "disagreements": minutes.disagreements,
            "procedural_incidents": minutes.procedural_incidents,
            "signatures": [
                {
                    "name": s.invitee.name,
                    "role": s.role,
                    "role_label": s.get_role_display(),
                    "signed_at": _dt(s.signed_at),
                    "refused": s.refused,
                    "note": s.note,
                    "method": _("recorded by %(name)s") % {"name": person_name(s.recorded_by)}
                    if s.recorded_by_id
                    else "",
                }
                for s in minutes.signatures.select_related("invitee", "recorded_by")
            ],
            "approved_at": _dt(minutes.approved_at),
            "approved_by": person_name(minutes.approved_by) if minutes.approved_by_id else None,
        }
        if meeting.kind == MeetingKind.EVALUATION:
            tally = sheet_tally(meeting)
            data["rating"] = {
                "issued": tally["issued"],
                "returned": tally["returned"],
                "valid": tally["valid"],
                "criteria": [
                    {
                        "criterion": row["criterion"],
                        "count": row["count"],
                        "average": str(row["average"]) if row["average"] is not None else None,
                    }
                    for row in tally["criteria"]
                ],
            }
    return data


def minutes_pdf(snapshot: dict, *, fetcher: pdf.NoFetcher | None = None) -> bytes:
    """The minutes' PDF/A from their snapshot (``build``), the snapshot embedded as JSON."""
    return pdf.render(
        "consultation/pdf/minutes.html",
        {
            "m": snapshot,
            "doc": documents.frame(
                issuer=snapshot["convening_organisation"],
                number=snapshot.get("document_number", ""),
                date=snapshot.get("approved_at"),
                draft=bool(snapshot.get("draft")),
                title=f"{snapshot['kind_label']} · {snapshot['topic']}",
            ),
        },
        title=f"{snapshot['reference']} v{snapshot['minutes_version']}",
        attachment_name=f"minutes-{snapshot['reference']}-v{snapshot['minutes_version']}.json",
        data=snapshot,
        fetcher=fetcher,
    )
