"""Summary tables for the dashboard and the reports: counts kept current as cases change,
so those pages cost the same at 10,000 cases as at 1,000,000 (``casework.tallies``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tally(models.Model):
    """How many cases (or their referrals, ratings) count under one key.

    A key is a ``kind`` ("opened", "status:waiting", "ref_on_time", ...; the list and what
    each means is in ``casework.tallies``), the case's place *rolled up to its estate* (or
    the place itself when it is above an estate: a tally per building would be as large as
    the cases), the category, an organisation (0 when the kind has none), a day (the first
    of a month for monthly kinds, a due date for "due", 1970-01-01 when the kind has none)
    and a value (working days for the duration histograms, a reply due date's ordinal for
    unreplied referrals, else 0). Plain integers, no foreign keys: the table is written by
    ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`` on every case change, and a
    key whose parts are never NULL is what makes that conflict target work."""

    kind = models.CharField(_("kind"), max_length=40)
    place_id = models.BigIntegerField(_("place (estate or above)"))
    category_id = models.BigIntegerField(_("category"))
    organisation_id = models.BigIntegerField(_("organisation"), default=0)
    day = models.DateField(_("day"))
    value = models.IntegerField(_("value"), default=0)
    n = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("summary count")
        verbose_name_plural = _("summary counts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "place_id", "category_id", "organisation_id", "day", "value"],
                name="tally_key",
            )
        ]
        # The reports read kinds over a range of days (twelve months, "due by today"):
        # an index-only scan of this on PostgreSQL, instead of the whole table (at
        # 1,000,000 cases, 150,000 rows: the referral figures 54 -> 21 ms, overdue 28 -> 10).
        # Every column is a key column (not INCLUDE): SQLite has no covering indexes.
        indexes = [
            models.Index(
                fields=["kind", "day", "place_id", "category_id", "organisation_id", "value", "n"],
                name="tally_kind_day",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.place_id}/{self.category_id} {self.day}: {self.n}"


class TallyState(models.Model):
    """What one case counts in now (its keys with multiplicities), so that a change is
    applied as the difference between what it counted and what it counts — never twice,
    and right again after any refresh even if an earlier change was missed."""

    case = models.OneToOneField(
        "casework.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("case"),
    )
    keys = models.JSONField(_("keys"), default=list)

    class Meta:
        verbose_name = _("summary state of a case")
        verbose_name_plural = _("summary states of cases")

    def __str__(self):
        return f"{self.case_id}: {len(self.keys)} keys"
