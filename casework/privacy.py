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

from django.conf import settings

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
