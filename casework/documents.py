"""The resident's printed receipt (回执) as an A4 PDF through the kernel's PDF frame: case
number, date, category, the deadline, and how to follow the case, with a QR code to the
status look-up.

The status code is a secret (only its hash is stored; the portal takes it by POST): it is
never put into the QR code's URL, which carries only the reference to fill in. The code is
printed only when the staff's browser sends it back from the one-time receipt page and it
matches the stored hash.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Case
from casework.selectors import issuing_organisation
from core import documents, pdf
from core.qr import qr_svg


def status_lookup_url(case: Case) -> str:
    """The portal's status look-up with the reference filled in (never the code)."""
    query = urlencode({"reference": case.reference})
    return f"{settings.LINLI['SITE_URL']}{reverse('portal:lookup')}?{query}"


def receipt_pdf(case: Case, *, status_code: str | None = None) -> bytes:
    """The receipt for ``case``; ``status_code`` only when the caller checked it matches."""
    url = status_lookup_url(case)
    data = {
        "schema": "linli.receipt/1",
        "reference": case.reference,
        "registered": documents.document_date(case.created_at),
        "registered_time": f"{timezone.localtime(case.created_at):%H:%M}",
        "category": case.category.label,
        "place": case.place.full_name,
        "organisation": case.organisation.name if case.organisation_id else "",
        "due": documents.document_date(case.due_date) if case.due_date else "",
        "url": url,
    }
    return pdf.render(
        "casework/pdf/receipt.html",
        {
            "r": data,
            "status_code": status_code,
            "qr": qr_svg(url),
            "qr_url": url,
            "doc": documents.frame(
                issuer=(case.organisation.name if case.organisation_id else "")
                or issuing_organisation(case.place),
                number=case.reference,
                date=timezone.localdate(),
                title=_("Receipt for your request"),
            ),
        },
        title=_("Receipt for your request"),
        attachment_name=f"receipt-{case.reference}.json",
        data=data,  # the code is not in the data: the embedded JSON is kept in files
    )
