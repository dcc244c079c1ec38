"""Notices for the stairwell board, as printable PDF/A: a posted result (公示) — the matter,
the result, the unit numbers, the dates and how to object, and nothing personal (no names,
no phone numbers) — and the meeting notice (A4, large type, a QR code to the residents'
page, through the PDF frame's notice template ``core/pdf/notice_base.html``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from casework import selectors as case_selectors
from consultation.models import Meeting, MeetingKind, Publicity, PublicityKind
from core import documents, pdf
from core.qr import qr_svg


def _issuer(publicity: Publicity) -> str:
    place = publicity.campaign.scope if publicity.campaign else publicity.meeting.place
    return case_selectors.issuing_organisation(place) or settings.LINLI["ISSUER_NAME"]


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
        # Without a case: the organisation that issues papers for the ballot's or meeting's
        # place (the letterhead's rule, never a product name).
        "office": publicity.case.organisation.name
        if publicity.case is not None
        else _issuer(publicity),
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


_NOTICE_TITLES = {
    PublicityKind.MEETING_RESULT: _lazy("Publicity of the meeting's result"),
    PublicityKind.BALLOT_RESULT: _lazy("Publicity of the ballot's result"),
    PublicityKind.PLANNING: _lazy("Publicity of the elevator plan"),
    PublicityKind.COMMENTS: _lazy("Elevator plan: call for comments"),
}


def notice_public_url(publicity: Publicity) -> str:
    """Where a resident who scans the posted notice lands: its public page, by the
    unguessable code (``notices:notice``), which needs no account."""
    return settings.LINLI["SITE_URL"] + reverse("notices:notice", args=[publicity.code])


def notice_pdf(publicity: Publicity) -> bytes:
    """The printable notice as PDF/A on the document frame (letterhead of the organisation
    that issues papers for the place, the notice's number, the Chinese date line, a QR
    code to its public page), its data embedded."""
    with translation.override("zh-hans"):
        data = notice_data(publicity)
        url = notice_public_url(publicity)
        title = str(_NOTICE_TITLES.get(publicity.kind, _("Public notice")))
        shown = {
            "title": title,
            "starts_on": documents.document_date(publicity.starts_on),
            "ends_on": documents.document_date(publicity.ends_on),
            "held_on": documents.document_date(data.get("held_on")),
        }
        return pdf.render(
            "consultation/pdf/notice.html",
            {
                "n": data,
                "shown": shown,
                "top_qr": qr_svg(url),  # beside the facts (notice.html), not at the end
                "qr_url": url,
                "doc": documents.frame(
                    issuer=_issuer(publicity),
                    number=publicity.document_number,
                    date=publicity.starts_on,
                    title=title,
                ),
            },
            title=f"{title} · {data['subject']}",
            attachment_name="notice.json",
            data={**data, "document_number": publicity.document_number, "url": url},
        )


def meeting_public_url(meeting: Meeting) -> str:
    """Where a resident who scans the notice lands. Meetings have no public page of their
    own yet, so it is the residents' portal (submit a view, check a case)."""
    return settings.LINLI["SITE_URL"] + reverse("portal:submit")


def _how_to_take_part(meeting: Meeting, before: str) -> str:
    org = meeting.convening_organisation.name
    if meeting.kind == MeetingKind.HEARING:
        return _(
            "Residents concerned may attend and speak. To speak, register with %(org)s by "
            "%(before)s; written views and objections may be handed in to %(org)s before the "
            "hearing."
        ) % {"org": org, "before": before}
    if meeting.kind == MeetingKind.COORDINATION:
        return _(
            "The parties concerned and the units invited attend. Residents with a view on the "
            "matter may tell %(org)s by %(before)s."
        ) % {"org": org, "before": before}
    return _(
        "Residents' representatives and the units invited evaluate the work done. Any "
        "resident may hand in a written opinion to %(org)s by %(before)s."
    ) % {"org": org, "before": before}


def meeting_notice_data(meeting: Meeting) -> dict:
    """What the notice says, in the active language."""
    starts = timezone.localtime(meeting.starts_at)
    categories = sorted({i.get_category_display() for i in meeting.invitees.all()}, key=str)
    day_before = documents.document_date(starts.date() - dt.timedelta(days=1))
    return {
        "schema": "linli.meeting-notice/1",
        "reference": meeting.reference,
        "title": _("Notice of the %(kind)s") % {"kind": meeting.get_kind_display()},
        "topic": meeting.topic,
        "date": documents.document_date(starts),
        "time": f"{starts:%H:%M}",
        "venue": meeting.venue,
        "organisation": meeting.convening_organisation.name,
        "phone": meeting.convening_organisation.phone,
        "attending": [str(c) for c in categories],
        "how": _how_to_take_part(meeting, day_before),
        "url": meeting_public_url(meeting),
    }


def meeting_notice_pdf(meeting: Meeting) -> bytes:
    """The notice as an A4 PDF/A with its QR code; dated the day the notice was published
    (today while it is not)."""
    data = meeting_notice_data(meeting)
    return pdf.render(
        "consultation/pdf/meeting_notice.html",
        {
            "n": data,
            "qr": qr_svg(data["url"]),
            "qr_url": data["url"],
            "doc": documents.frame(
                issuer=meeting.convening_organisation.name,
                number=meeting.reference,
                date=meeting.notice_date or timezone.localdate(),
                title=data["title"],
            ),
        },
        title=data["title"],
        attachment_name=f"notice-{meeting.reference}.json",
        data=data,
    )
