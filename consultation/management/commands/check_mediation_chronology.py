"""List mediation agreements signed, sealed or in effect before any session record.

人民调解法 Art. 27: a mediation is recorded, and its agreement comes out of that record.
Before this check existed an agreement could take effect with no session recorded, and the
case could then close only once a session was added *after* it — a record whose order
reads backwards. This command lists them for the committee to annotate; it rewrites
nothing (the records are what was written then). Exits 1 when it lists any.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min

from consultation.models import Agreement


def inverted_agreements():
    """Agreements with a signature, seal or effect dated before the mediation's first
    session record (or with no session at all), oldest first."""
    rows = []
    agreements = (
        Agreement.objects.select_related("mediation__case")
        .annotate(
            first_session=Min("mediation__sessions__held_at"),
            first_signature=Min("signatures__signed_at"),
        )
        .order_by("pk")
    )
    for agreement in agreements:
        marks = [
            t
            for t in (agreement.first_signature, agreement.sealed_at, agreement.effective_at)
            if t is not None
        ]
        if not marks:
            continue
        earliest = min(marks)
        if agreement.first_session is None or earliest < agreement.first_session:
            rows.append((agreement, earliest, agreement.first_session))
    return rows


class Command(BaseCommand):
    help = (
        "List mediation agreements signed, sealed or in effect before the first session "
        "record (人民调解法 Art. 27). Changes nothing; exits 1 if any are found."
    )

    def handle(self, *args, **options):
        rows = inverted_agreements()
        for agreement, earliest, first_session in rows:
            mediation = agreement.mediation
            self.stdout.write(
                f"{mediation.number}\tcase {mediation.case.reference}\t"
                f"agreement signed/sealed {earliest:%Y-%m-%d %H:%M}\t"
                + (
                    f"first session {first_session:%Y-%m-%d %H:%M}"
                    if first_session
                    else "no session recorded"
                )
            )
        if rows:
            raise CommandError(f"{len(rows)} agreement(s) precede their first session record.")
        self.stdout.write("Every agreement follows a session record.")
