"""The personal-information notice shown where personal data is collected (PIPL Art. 17):
the resident's submission form and the staff intake. Each case records the version it was
registered under (``Case.privacy_notice_version``), so that a later change of wording
never rewrites what a resident was told.

PIPL Art. 17(1): before collecting, a handler tells the person, clearly and in plain
language, (1) its name and contact details, (2) the purpose and manner of processing and
the kinds of personal information, (3) how long it is kept, (4) how to exercise the rights
of Art. 44–47. Change ``NOTICE_VERSION`` whenever the notice's wording or one of its
facts (the retention settings, the contact) changes in substance.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from core.fields import EncryptedCharField

NOTICE_VERSION = "2026-12"


def notice_facts() -> dict:
    """What the notice states, from the settings that govern it (so that the notice and
    the de-identification job cannot disagree about how long data is kept)."""
    days = settings.LINLI["PII_RETENTION_DAYS"]
    return {
        "version": NOTICE_VERSION,
        "contact_years": max(1, round(days["contact"] / 365)),
        "identity_years": max(1, round(days["identity"] / 365)),
        "contact": settings.LINLI["PRIVACY_CONTACT"],
    }


# What the models' PERSONAL_DATA declarations say (the processing register's words).
PURPOSE_CASE = gettext_lazy("Handling the grievance")
PURPOSE_CONTACT = gettext_lazy("Contacting the party about the case")
PURPOSE_HOTLINE = gettext_lazy("Answering the 12345 hotline's work order")
PURPOSE_SMS = gettext_lazy("Texting the resident the receipt, a code or a new stage")
PURPOSE_RIGHTS = gettext_lazy("Answering a request about personal information")
PURPOSE_BALLOT = gettext_lazy("Counting owners in a ballot")
PURPOSE_MEETING = gettext_lazy("Inviting to and minuting a meeting")
SEEN_BY_CASE_STAFF = gettext_lazy("Staff of the area")
SEEN_MASKED = gettext_lazy(
    "Staff of the area, masked; in full by the officer and supervisors, each look recorded"
)
SEEN_FULL_ON_REQUEST = gettext_lazy("The assigned officer and supervisors, each look recorded")
SEEN_SMS = gettext_lazy("Staff of the area, for a message that failed to send")
SEEN_BY_HANDLERS = gettext_lazy("Mediators and supervisors of the organisation")

RETENTION_TEXT = {
    "archive": gettext_lazy("With the archived record (archival rules)"),
    "record": gettext_lazy("As the record of the answer"),
}


def retention_text(kind: str) -> str:
    """How long one kind of personal data is kept, in words."""
    days = settings.LINLI["PII_RETENTION_DAYS"]
    if kind in days:
        return gettext("%(days)s days after the case ends, then cleared") % {"days": days[kind]}
    return str(RETENTION_TEXT[kind])


def register_rows() -> list[dict]:
    """The processing register (个人信息处理活动记录, PIPL Art. 55), generated from the
    models: every field a model declares in ``PERSONAL_DATA``, with its purpose, who sees
    it, its retention and whether it is encrypted at rest (core.fields.EncryptedCharField)."""
    rows = []
    for model in apps.get_models():
        for name, (purpose, seen_by, retention) in getattr(model, "PERSONAL_DATA", {}).items():
            field = model._meta.get_field(name)
            rows.append(
                {
                    "model": model._meta.verbose_name,
                    "field": field.verbose_name,
                    "purpose": purpose,
                    "seen_by": seen_by,
                    "retention": retention_text(retention),
                    "encrypted": isinstance(field, EncryptedCharField),
                }
            )
    return rows
