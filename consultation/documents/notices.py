"""The meeting notice for the stairwell board (A4, large type, a QR code to the residents'
page), through the PDF frame's notice template ``core/pdf/notice_base.html``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consultation.models import Meeting, MeetingKind
from core import documents, pdf
from core.qr import qr_svg


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
