"""The law of owner-consent ballots and of result publicity, in one place.

Everything here is a rule taken from a statute or an interpretation; each function's
docstring cites it, and ``tests/consultation/test_statute.py`` pins it with a table of
exact thresholds and dates. The models, forms and services ask these functions; none of
them writes a threshold of its own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

# The matters of 民法典 Art. 278 ¶1 that ¶2 puts under the 3/4 rule: (7) altering or
# rebuilding buildings and their facilities (an elevator retrofit alters the building),
# (6) raising the maintenance fund, (8) changing the use of common parts or using them to
# run a business. Kept as plain strings so that this module needs no model.
MAJOR_MATTER_CODES = frozenset({"elevator", "rebuild", "raise_fund", "change_use"})

ARTICLE_MAJOR = _(
    "Civil Code Art. 278 ¶2 (matters (6)–(8): ≥ 3/4 of participating area and owners)"
)
ARTICLE_ORDINARY = _(
    "Civil Code Art. 278 ¶2 (other matters: more than 1/2 of participating area and owners)"
)
ARTICLE_HEADS = _(
    "SPC Interpretation Fa Shi [2009] No. 7 (2020 rev.) Art. 8–9 (area per unit, "
    "one head per unit, one buyer of several units and the developer's unsold units one head)"
)


@dataclass(frozen=True)
class Threshold:
    """A share that must be reached: ``value`` and whether reaching it exactly suffices."""

    value: Fraction
    inclusive: bool  # True: "at least" (≥); False: "more than" (>)

    def strictness(self) -> tuple[Fraction, int]:
        # At the same value "more than" is stricter than "at least".
        return (self.value, 0 if self.inclusive else 1)

    def at_least_as_strict_as(self, other: Threshold) -> bool:
        return self.strictness() >= other.strictness()

    def met_by(self, share: Fraction) -> bool:
        return share >= self.value if self.inclusive else share > self.value


@dataclass(frozen=True)
class Floor:
    """The statutory minimum for one matter: the four thresholds and where they come from."""

    participation_area: Threshold
    participation_heads: Threshold
    approval_area: Threshold
    approval_heads: Threshold
    article: str

    def as_rule(self) -> dict:
        return {
            "participation_area": str(self.participation_area.value),
            "participation_area_inclusive": self.participation_area.inclusive,
            "participation_heads": str(self.participation_heads.value),
            "participation_heads_inclusive": self.participation_heads.inclusive,
            "approval_area": str(self.approval_area.value),
            "approval_area_inclusive": self.approval_area.inclusive,
            "approval_heads": str(self.approval_heads.value),
            "approval_heads_inclusive": self.approval_heads.inclusive,
        }


TWO_THIRDS = Threshold(Fraction(2, 3), inclusive=True)
THREE_QUARTERS = Threshold(Fraction(3, 4), inclusive=True)
MORE_THAN_HALF = Threshold(Fraction(1, 2), inclusive=False)


def is_major_matter(matter: str) -> bool:
    """Whether ``matter`` is one of 民法典 Art. 278 ¶1 (6)–(8) (the 3/4 matters of ¶2)."""
    return matter in MAJOR_MATTER_CODES


def statutory_floor(matter: str) -> Floor:
    """The least a ballot on ``matter`` must reach to decide anything.

    民法典 (Civil Code, 2020) Art. 278 ¶2: the matter is voted on by owners whose exclusive
    area is **at least 2/3** of the total and who are **at least 2/3** of all owners (the
    participation test, for every matter of ¶1). Matters (6) raising the maintenance fund,
    (7) altering or rebuilding buildings and their facilities (an elevator retrofit) and
    (8) changing the use of common parts need the agreement of **at least 3/4** of the
    participating area **and** of the participating owners; every other matter of ¶1 needs
    **more than 1/2** of both.

    最高人民法院《关于审理建筑物区分所有权纠纷案件具体应用法律若干问题的解释》
    (法释〔2009〕7号, 2020 rev.) Art. 8–9 say how area and owners are counted (see
    ``head_key``); they do not change the fractions.
    A local rule may add conditions (``rule_problems``) but never go below this floor.
    """
    if is_major_matter(matter):
        return Floor(TWO_THIRDS, TWO_THIRDS, THREE_QUARTERS, THREE_QUARTERS, str(ARTICLE_MAJOR))
    return Floor(TWO_THIRDS, TWO_THIRDS, MORE_THAN_HALF, MORE_THAN_HALF, str(ARTICLE_ORDINARY))


# The floor under every matter: a rule below this is lawful for none.
def lowest_floor() -> Floor:
    """The floor of the matters with the lowest threshold (民法典 Art. 278 ¶2: ≥ 2/3 take
    part, more than 1/2 agree)."""
    return statutory_floor("other")


_LABELS = {
    "participation_area": _("participation by area"),
    "participation_heads": _("participation by headcount"),
    "approval_area": _("approval by area"),
    "approval_heads": _("approval by headcount"),
}


def rule_thresholds(rule: dict) -> dict[str, Threshold]:
    """A rule's four thresholds (from a rule set's ``as_rule()`` or the frozen copy)."""
    return {
        name: Threshold(Fraction(str(rule[name])), bool(rule.get(f"{name}_inclusive", True)))
        for name in _LABELS
    }


def describe(threshold: Threshold) -> str:
    value = f"{threshold.value.numerator}/{threshold.value.denominator}"
    return (_("at least %(v)s") if threshold.inclusive else _("more than %(v)s")) % {"v": value}


def rule_problems(rule: dict, floor: Floor) -> list[str]:
    """Each of the rule's thresholds that is below ``floor``, in words that cite the article
    (empty: the rule is the floor or stricter)."""
    problems = []
    mine = rule_thresholds(rule)
    for name, label in _LABELS.items():
        needed = getattr(floor, name)
        if not mine[name].at_least_as_strict_as(needed):
            problems.append(
                _(
                    "The %(what)s threshold (%(have)s) is below the statutory %(need)s — "
                    "%(article)s."
                )
                % {
                    "what": label,
                    "have": describe(mine[name]),
                    "need": describe(needed),
                    "article": floor.article,
                }
            )
    return problems


# ------------------------------------------------------------------- who is a head


DEVELOPER_HEAD = "developer"


def head_key(owner_ids: frozenset[int], *, developer_unsold: bool) -> str:
    """Which head (业主人数) an exclusive unit counts towards.

    法释〔2009〕7号 (2020 rev.) Art. 9: owners are counted one per exclusive unit
    (专有部分), but units the developer has not sold, or sold and not delivered, count as
    one owner together, and one buyer (买受人) of more than one unit counts as one. Area
    (Art. 8) is counted per unit whoever owns it. So the key of a unit is its buyer — the
    set of its owners (co-owners of one unit are one buyer, hence one head; the same
    person alone on three units is one head; the same person on one unit alone and on
    another jointly with a spouse is two buyers) — and every unsold unit shares one key.
    A unit with no owner on record is its own head (``owner_ids`` empty: keyed by the
    caller).
    """
    if developer_unsold:
        return DEVELOPER_HEAD
    return "owners:" + ",".join(str(i) for i in sorted(owner_ids))


# ------------------------------------------------------------------- identity keys

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")


def mask_identity(value: str) -> str:
    """An identity key as it may be stored here: a resident ID number (居民身份证号码, 15 or
    18 characters) keeps only its first 6 and last 4 characters (PIPL Art. 28: an ID number
    is sensitive personal information; DOMAIN.md §9 — encryption at rest comes later); any
    other key (the property register's owner number) is kept as given."""
    value = (value or "").strip().replace(" ", "")
    if _ID_NUMBER.match(value):
        return value[:6] + "*" * (len(value) - 10) + value[-4:].upper()
    return value[:40]


# ------------------------------------------------------------------- publicity windows


class DayBasis:
    WORKING = "working"
    CALENDAR = "calendar"


def publicity_window(
    start: dt.date, days: int, basis: str, *, is_working_day
) -> tuple[dt.date, dt.date]:
    """The first and last day a notice is posted for ``days`` days from ``start``.

    DOMAIN.md §5–6 (Shanghai practice for 公示): the result is posted about 7 days; after an
    elevator agreement the plan is posted ~10 days, then 7 days for comments (settings).
    The posting day counts as the first day, as a posted notice reads "公示期自 6 月 1 日至
    6 月 7 日". On a working-day basis the window is ``days`` working days, beginning on the
    first working day on or after ``start`` (a notice put up over a holiday starts
    counting when the office reopens). On a calendar-day basis it is ``days`` consecutive
    days; a last day falling on a rest day or holiday moves to the next working day
    (the rule of 民法典 Art. 203 ¶1 for periods, so that residents can object in person).
    ``is_working_day`` is the working-day calendar's own predicate.
    """
    if days < 1:
        raise ValueError("a publicity window lasts at least one day")
    if basis == DayBasis.WORKING:
        first = start
        while not is_working_day(first):
            first += dt.timedelta(days=1)
        last, counted = first, 1
        while counted < days:
            last += dt.timedelta(days=1)
            if is_working_day(last):
                counted += 1
        return first, last
    if basis != DayBasis.CALENDAR:
        raise ValueError(f"unknown day basis {basis!r}")
    last = start + dt.timedelta(days=days - 1)
    while not is_working_day(last):
        last += dt.timedelta(days=1)
    return start, last
