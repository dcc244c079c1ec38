"""A posted notice (公示) as data and as a printable PDF/A: what a paper notice in the
stairwell shows — the matter, the result, the unit numbers, the dates and how to object —
and nothing personal (no names, no phone numbers)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from consultation.models import Publicity
from core import pdf


def notice_data(publicity: Publicity) -> dict:
    """The notice's content: no owner's name or phone, only unit numbers and counts."""
    data = {
        "schema": "linli.notice/1",
        "kind": publicity.get_kind_display(),
        "kind_code": publicity.kind,
        "summary": publicity.summary,
        "starts_on": publicity.starts_on.isoformat(),
        "ends_on": publicity.ends_on.isoformat(),
        "days": publicity.days,
        "day_basis": publicity.get_day_basis_display(),
        # Objections go to the committee that posted the notice (the case's organisation).
        "office": publicity.case.organisation.name
        if publicity.case is not None
        else settings.LINLI["MEDIATION"]["COMMITTEE_NAME"],
    }
    campaign = publicity.campaign
    if campaign is not None:
        rule = campaign.rule or campaign.rule_set.as_rule()
        tally = campaign.tally or {}
        by_choice: dict[str, list[str]] = {"agree": [], "object": [], "abstain": [], "none": []}
        for entry in campaign.electorate.prefetch_related("ballots").order_by("floor", "number"):
            choices = {b.choice for b in entry.ballots.all()}
            key = (
                "none"
                if not choices
                else "agree"
                if choices == {"agree"}
                else "object"
                if "object" in choices
                else "abstain"
            )
            by_choice[key].append(entry.number)
        data.update(
            {
                "subject": campaign.title,
                "scope": campaign.scope.full_name,
                "matter": campaign.get_matter_display(),
                "rule": {
                    "name": rule.get("name", ""),
                    "version": rule.get("version"),
                    "source": rule.get("source", ""),
                },
                "checks": tally.get("checks", []),
                "verdict": tally.get("verdict"),
                "units": by_choice,
            }
        )
    else:
        meeting = publicity.meeting
        data.update(
            {
                "subject": meeting.topic,
                "scope": meeting.place.full_name,
                "held_on": meeting.starts_at.date().isoformat(),
                "decisions": [d.text for d in meeting.decisions.all()],
            }
        )
    return data


def notice_pdf(publicity: Publicity) -> bytes:
    """The printable notice as PDF/A (its data embedded)."""
    with translation.override("zh-hans"):
        data = notice_data(publicity)
        return pdf.render(
            "consultation/pdf/notice.html",
            {"n": data},
            title=f"公示 · {data['subject']}",
            attachment_name="notice.json",
            data=data,
        )
