"""The owner-consent tally of Civil Code Art. 278, in exact fractions.

Pure functions on plain data so that the arithmetic is testable on its own (and against
a reference written from the statute's wording in the tests). A vote is valid when the
participating area and headcount reach their thresholds of the totals; the matter is then
approved when the agreeing area and headcount reach theirs of the participants. Each
threshold is inclusive ("at least") or strict ("more than"). A rule may add "no explicit
objection".

Area is counted per unit and heads per owner (法释〔2009〕7号 Art. 8–9): each voter is a
unit carrying its ``head`` — one buyer of several units, and the developer's unsold units
together, are one head. A head takes part when any of its units voted; it agrees when
every unit it voted agrees, objects when any objects, and otherwise abstains (one person
cannot be counted for and against at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

AGREE, OBJECT, ABSTAIN = "agree", "object", "abstain"


@dataclass(frozen=True)
class Rule:
    participation_area: Fraction
    participation_area_inclusive: bool
    participation_heads: Fraction
    participation_heads_inclusive: bool
    approval_area: Fraction
    approval_area_inclusive: bool
    approval_heads: Fraction
    approval_heads_inclusive: bool
    no_explicit_objection: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> Rule:
        return cls(
            **{
                k: Fraction(v) if isinstance(v, str) else v
                for k, v in data.items()
                if k in cls.__dataclass_fields__
            }
        )

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Fraction) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Voter:
    """One exclusive unit with the area it carries, its vote and the head it counts towards
    (``head`` empty: the unit is its own head)."""

    key: str
    area: Fraction
    choice: str | None  # None: did not take part
    head: str = ""
    head_name: str = ""

    @property
    def head_key(self) -> str:
        return self.head or f"unit:{self.key}"


@dataclass(frozen=True)
class Head:
    """One owner as counted for heads: their units, area and what they decided."""

    key: str
    name: str
    units: int
    area: Fraction
    voted_units: int
    choice: str | None


def heads_of(voters: list[Voter]) -> list[Head]:
    """The voters grouped into heads (法释〔2009〕7号 Art. 9), in the order first met."""
    groups: dict[str, list[Voter]] = {}
    for v in voters:
        groups.setdefault(v.head_key, []).append(v)
    heads = []
    for key, units in groups.items():
        choices = {u.choice for u in units if u.choice in (AGREE, OBJECT, ABSTAIN)}
        if not choices:
            choice = None
        elif choices == {AGREE}:
            choice = AGREE
        elif OBJECT in choices:
            choice = OBJECT
        else:
            choice = ABSTAIN
        heads.append(
            Head(
                key=key,
                name=units[0].head_name,
                units=len(units),
                area=sum((u.area for u in units), Fraction(0)),
                voted_units=sum(1 for u in units if u.choice in (AGREE, OBJECT, ABSTAIN)),
                choice=choice,
            )
        )
    return heads


@dataclass(frozen=True)
class Check:
    name: str  # participation_area, participation_heads, approval_area, approval_heads
    numerator: Fraction
    denominator: Fraction
    threshold: Fraction
    inclusive: bool

    @property
    def share(self) -> Fraction | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def passed(self) -> bool:
        share = self.share
        if share is None:
            return False
        return share >= self.threshold if self.inclusive else share > self.threshold


@dataclass(frozen=True)
class Tally:
    total_area: Fraction
    total_heads: int
    participating_area: Fraction
    participating_heads: int
    agreeing_area: Fraction
    agreeing_heads: int
    objecting_heads: int
    abstaining_heads: int
    checks: tuple[Check, ...]
    verdict: bool
    reasons: tuple[str, ...] = field(default=())
    heads: tuple[Head, ...] = field(default=())
    total_units: int = 0

    def as_dict(self) -> dict:
        def frac(v: Fraction | None):
            return None if v is None else f"{v.numerator}/{v.denominator}"

        return {
            "total_area": str(decimal(self.total_area)),
            "total_heads": self.total_heads,
            "participating_area": str(decimal(self.participating_area)),
            "participating_heads": self.participating_heads,
            "agreeing_area": str(decimal(self.agreeing_area)),
            "agreeing_heads": self.agreeing_heads,
            "objecting_heads": self.objecting_heads,
            "abstaining_heads": self.abstaining_heads,
            "checks": [
                {
                    "name": c.name,
                    # Areas in m² with two decimals; headcounts as whole numbers.
                    "numerator": str(int(c.numerator))
                    if c.name.endswith("heads")
                    else str(decimal(c.numerator)),
                    "denominator": str(int(c.denominator))
                    if c.name.endswith("heads")
                    else str(decimal(c.denominator)),
                    "share": frac(c.share),
                    "share_percent": None if c.share is None else str(percent(c.share)),
                    "threshold": frac(c.threshold),
                    "inclusive": c.inclusive,
                    "passed": c.passed,
                }
                for c in self.checks
            ],
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "total_units": self.total_units,
            # Only owners counted for more (or less) than their units appear: a head with
            # several units, or the developer's unsold units.
            "heads": [
                {
                    "name": h.name,
                    "units": h.units,
                    "voted_units": h.voted_units,
                    "area": str(decimal(h.area)),
                    "choice": h.choice,
                }
                for h in self.heads
                if h.units > 1
            ],
        }


def decimal(value: Fraction, places: int = 2) -> Decimal:
    """A display value (areas are entered with two decimals, so this is exact for them)."""
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)


def percent(value: Fraction) -> Decimal:
    """Rounded half up to two decimals (8/9 is 88.89 %, as a resident would work it out;
    truncating showed 88.88 %). The verdict never reads this number: it compares exact
    fractions, and the trace prints the exact share and threshold beside it."""
    scaled = value * 100
    exact = Fraction(scaled.numerator, scaled.denominator)
    hundredths = (exact * 100 * 2 + 1) // 2  # half up, exactly, on the fraction itself
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def count(voters: Iterable[Voter], rule: Rule) -> Tally:
    """The four tests of 民法典 Art. 278 ¶2 over ``voters``: area per unit, heads per owner."""
    voters = list(voters)
    heads = heads_of(voters)
    total_area = sum((v.area for v in voters), Fraction(0))
    total_heads = len(heads)
    taking_part_units = [v for v in voters if v.choice in (AGREE, OBJECT, ABSTAIN)]
    participating_area = sum((v.area for v in taking_part_units), Fraction(0))
    agreeing_area = sum((v.area for v in taking_part_units if v.choice == AGREE), Fraction(0))
    taking_part = [h for h in heads if h.choice is not None]
    agreeing = [h for h in taking_part if h.choice == AGREE]
    objecting = [h for h in taking_part if h.choice == OBJECT]
    checks = (
        Check(
            "participation_area",
            participating_area,
            total_area,
            rule.participation_area,
            rule.participation_area_inclusive,
        ),
        Check(
            "participation_heads",
            Fraction(len(taking_part)),
            Fraction(total_heads),
            rule.participation_heads,
            rule.participation_heads_inclusive,
        ),
        Check(
            "approval_area",
            agreeing_area,
            participating_area,
            rule.approval_area,
            rule.approval_area_inclusive,
        ),
        Check(
            "approval_heads",
            Fraction(len(agreeing)),
            Fraction(len(taking_part)),
            rule.approval_heads,
            rule.approval_heads_inclusive,
        ),
    )
    reasons = [c.name for c in checks if not c.passed]
    if rule.no_explicit_objection and objecting:
        reasons.append("explicit_objection")
    return Tally(
        total_area=total_area,
        total_heads=total_heads,
        participating_area=participating_area,
        participating_heads=len(taking_part),
        agreeing_area=agreeing_area,
        agreeing_heads=len(agreeing),
        objecting_heads=len(objecting),
        abstaining_heads=len(taking_part) - len(agreeing) - len(objecting),
        checks=checks,
        verdict=not reasons,
        reasons=tuple(reasons),
        heads=tuple(heads),
        total_units=len(voters),
    )


def split_cost(total_cents: int, weights: dict[str, Fraction]) -> dict[str, int]:
    """Split ``total_cents`` in proportion to ``weights`` (flats with weight 0 pay nothing),
    by the largest-remainder method: the shares are whole cents and add up exactly."""
    paying = {k: w for k, w in weights.items() if w > 0}
    if total_cents < 0:
        raise ValueError("negative total")
    if not paying:
        return dict.fromkeys(weights, 0)
    whole = sum(paying.values(), Fraction(0))
    exact = {k: Fraction(total_cents) * w / whole for k, w in paying.items()}
    shares = {k: int(v) for k, v in exact.items()}  # floor (all positive)
    left = total_cents - sum(shares.values())
    # Largest remainders first; ties broken by key so the result is reproducible.
    for k in sorted(paying, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[k] += 1
    return {k: shares.get(k, 0) for k in weights}
