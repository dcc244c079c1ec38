"""The law of owner ballots and publicity, pinned by tables (民法典 Art. 278 ¶2, 法释〔2009〕7号
Art. 9, publicity windows), and the tally against a reference written from the statute's
wording (hypothesis)."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation import statute
from consultation.tally import ABSTAIN, AGREE, OBJECT, Rule, Voter, count

MAJOR = ("elevator", "rebuild", "raise_fund", "change_use")
ORDINARY = ("use_fund", "hire_property", "elect_committee", "other")


def rule_for(matter) -> Rule:
    return Rule.from_dict(statute.statutory_floor(matter).as_rule())


def units(*rows):
    """(area, choice) or (area, choice, head) rows."""
    return [
        Voter(str(i), Fraction(Decimal(r[0])), r[1], head=r[2] if len(r) > 2 else "")
        for i, r in enumerate(rows)
    ]


# Eight units, all take part. Exactly 3/4 of the area and of the heads agree; one head short
# (area still 3/4); 0.01 m² short (heads still 3/4).
EXACTLY_3_4 = [("100.00", AGREE)] * 6 + [("100.00", OBJECT)] * 2
ONE_HEAD_SHORT = [("120.00", AGREE)] * 5 + [("66.67", OBJECT), ("66.67", OBJECT), ("66.66", OBJECT)]
AREA_SHORT = [("100.00", AGREE)] * 5 + [("99.99", AGREE), ("100.01", OBJECT), ("100.00", OBJECT)]
# Exactly 1/2, and one more head / 0.01 m² more.
EXACTLY_1_2 = [("100.00", AGREE)] * 4 + [("100.00", OBJECT)] * 4
HEAD_AND_AREA_OVER_1_2 = [("100.00", AGREE)] * 5 + [("100.00", OBJECT)] * 3
AREA_JUST_OVER_1_2 = (
    [("100.01", AGREE)] * 1
    + [("100.00", AGREE)] * 4
    + [
        ("99.99", OBJECT),
        ("100.00", OBJECT),
        ("100.00", OBJECT),
    ]
)


@pytest.mark.parametrize(
    ("matters", "rows", "passes", "reasons"),
    [
        (MAJOR, EXACTLY_3_4, True, ()),
        (MAJOR, ONE_HEAD_SHORT, False, ("approval_heads",)),
        (MAJOR, AREA_SHORT, False, ("approval_area",)),
        (MAJOR, EXACTLY_1_2, False, ("approval_area", "approval_heads")),
        (ORDINARY, EXACTLY_3_4, True, ()),
        (ORDINARY, ONE_HEAD_SHORT, True, ()),
        (ORDINARY, AREA_SHORT, True, ()),
        (ORDINARY, EXACTLY_1_2, False, ("approval_area", "approval_heads")),
        (ORDINARY, HEAD_AND_AREA_OVER_1_2, True, ()),
        (ORDINARY, AREA_JUST_OVER_1_2, True, ()),
    ],
)
def test_each_matter_at_the_statutory_boundaries(matters, rows, passes, reasons):
    for matter in matters:
        result = count(units(*rows), rule_for(matter))
        assert (result.verdict, result.reasons) == (passes, reasons), matter


@pytest.mark.parametrize(
    ("taking_part", "valid"),
    [(8, True), (7, False)],  # of 12 units: exactly 2/3 is enough, one short is not
)
def test_participation_needs_two_thirds_for_every_matter(taking_part, valid):
    rows = [("100.00", AGREE)] * taking_part + [("100.00", None)] * (12 - taking_part)
    for matter in MAJOR + ORDINARY:
        result = count(units(*rows), rule_for(matter))
        assert result.verdict is valid
        assert ("participation_heads" in result.reasons) is not valid


def test_an_elevator_ballot_is_refused_under_the_ordinary_rule():
    # 4 of 6 flats agree (66.7 %): passes the ordinary rule, which is below the floor here.
    ordinary = statute.statutory_floor("other").as_rule()
    problems = statute.rule_problems(ordinary, statute.statutory_floor("elevator"))
    assert len(problems) == 2
    assert all("Civil Code Art. 278 ¶2" in p and "at least 3/4" in p for p in problems)
    assert statute.rule_problems(ordinary, statute.statutory_floor("use_fund")) == []


@pytest.mark.parametrize(
    ("changes", "lawful_for_elevator"),
    [
        ({}, True),
        ({"approval_area": "4/5"}, True),  # stricter
        ({"approval_heads_inclusive": False}, True),  # "more than 3/4" is stricter
        ({"approval_area": "3/4", "approval_area_inclusive": True}, True),
        ({"approval_heads": "2/3"}, False),
        ({"participation_area": "1/2"}, False),
        ({"participation_heads": "2/3", "participation_heads_inclusive": True}, True),
    ],
)
def test_a_local_rule_may_add_but_never_go_below(changes, lawful_for_elevator):
    rule = {**statute.statutory_floor("elevator").as_rule(), **changes}
    problems = statute.rule_problems(rule, statute.statutory_floor("elevator"))
    assert (problems == []) is lawful_for_elevator


def test_the_art_9_example_counts_persons_not_units():
    # Six 60 m² units; one person (张三) owns three. Heads: 张三 + three others = 4.
    # 张三 and the owner of unit 4 agree: area 4 × 60 = 2/3 of 360, but persons 2/4 = 1/2.
    rows = [("60.00", AGREE, "zhang")] * 3 + [
        ("60.00", AGREE, "li"),
        ("60.00", None, "wang"),
        ("60.00", None, "zhao"),
    ]
    result = count(units(*rows), rule_for("elevator"))
    checks = {c.name: c for c in result.checks}
    assert result.total_heads == 4
    assert checks["participation_area"].share == Fraction(2, 3)
    assert checks["participation_heads"].share == Fraction(1, 2)
    assert result.verdict is False and "participation_heads" in result.reasons
    # Counted per unit (the old way) it would have been 4 of 6 = 2/3 and valid.
    per_unit = count(units(*[(a, c) for a, c, _h in rows]), rule_for("elevator"))
    assert per_unit.verdict is True
    # The trace says so: 3 units, 1 person, 180 m².
    heads = result.as_dict()["heads"]
    assert heads == [
        {"name": "", "units": 3, "voted_units": 3, "area": "180.00", "choice": "agree"}
    ]


def test_co_owners_and_unsold_units_are_one_owner_each():
    key_couple = statute.head_key(frozenset({7, 8}), developer_unsold=False)
    assert key_couple == statute.head_key(frozenset({8, 7}), developer_unsold=False)
    assert key_couple != statute.head_key(frozenset({7}), developer_unsold=False)
    unsold = statute.head_key(frozenset({99}), developer_unsold=True)
    rows = [
        ("60.00", AGREE, key_couple),  # co-owned unit: one head
        ("60.00", AGREE, statute.head_key(frozenset({1}), developer_unsold=False)),
        ("60.00", None, unsold),
        ("60.00", None, unsold),
        ("60.00", None, unsold),
    ]
    result = count(units(*rows), rule_for("elevator"))
    assert result.total_heads == 3 and result.participating_heads == 2


def test_an_id_number_is_never_kept_in_full():
    assert statute.mask_identity("110101199003071234") == "110101********1234"
    assert statute.mask_identity("11010119900307123x") == "110101********123X"
    assert statute.mask_identity("CQ-2026-00042") == "CQ-2026-00042"


# ------------------------------------------------------------ the reference (hypothesis)


def reference_verdict(units_, thresholds):
    """Written from the texts, not from consultation.tally:
    民法典 Art. 278 ¶2 — 由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决;
    (6)–(8) 应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意;
    其他事项 应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意.
    法释〔2009〕7号 Art. 9 — 业主人数按照专有部分的数量计算，一个专有部分按一人计算。但建设单位
    尚未出售和虽已出售但尚未交付的部分，以及同一买受人拥有一个以上专有部分的，按一人计算.
    A buyer who voted on several units takes part once; they agree only if all they voted
    agrees (our documented reading for a split vote)."""
    (pa, pa_inc), (ph, ph_inc), (aa, aa_inc), (ah, ah_inc) = thresholds

    def reaches(part, whole, share, inclusive):
        if whole == 0:
            return False
        # Compare in integers: part / whole >= share  <=>  part * den >= num * whole
        lhs, rhs = part * share.denominator, share.numerator * whole
        return lhs >= rhs if inclusive else lhs > rhs

    buyers = {}
    for _area_cents, buyer, choice in units_:
        buyers.setdefault(buyer, []).append(choice)
    total_area = sum(a for a, _b, _c in units_)
    voted_area = sum(a for a, _b, c in units_ if c is not None)
    agree_area = sum(a for a, _b, c in units_ if c == AGREE)
    persons = len(buyers)
    voted_persons = sum(1 for cs in buyers.values() if any(c is not None for c in cs))
    agreeing_persons = sum(
        1 for cs in buyers.values() if {c for c in cs if c is not None} == {AGREE}
    )
    return (
        reaches(voted_area, total_area, pa, pa_inc)
        and reaches(voted_persons, persons, ph, ph_inc)
        and reaches(agree_area, voted_area, aa, aa_inc)
        and reaches(agreeing_persons, voted_persons, ah, ah_inc)
    )


unit = st.tuples(
    st.integers(min_value=1, max_value=30000),  # area in 0.01 m²
    st.sampled_from(["unsold", "a", "b", "c", "d", "e", "f", "g", "h"]),
    st.sampled_from([None, AGREE, OBJECT, ABSTAIN]),
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(unit, min_size=1, max_size=14),
    st.sampled_from(MAJOR + ORDINARY),
    st.booleans(),
)
def test_the_tally_agrees_with_the_statutes_wording(rows, matter, own_buyers):
    # Each unit's buyer: the drawn letter (several units may share one), or every unit its
    # own buyer; "unsold" units are the developer's and count as one owner together.
    drawn = list(rows)
    if own_buyers:
        drawn = [(a, "unsold" if b == "unsold" else f"u{i}", c) for i, (a, b, c) in enumerate(rows)]
    voters = [
        Voter(str(i), Fraction(a, 100), c, head=statute.DEVELOPER_HEAD if b == "unsold" else b)
        for i, (a, b, c) in enumerate(drawn)
    ]
    floor = statute.statutory_floor(matter)
    thresholds = [
        (t.value, t.inclusive)
        for t in (
            floor.participation_area,
            floor.participation_heads,
            floor.approval_area,
            floor.approval_heads,
        )
    ]
    assert count(voters, rule_for(matter)).verdict == reference_verdict(drawn, thresholds)


# ------------------------------------------------------------ publicity windows

# National Day 2026 as a test calendar: Oct 1–7 off, Sat Oct 10 a make-up working day.
HOLIDAY = {dt.date(2026, 10, d) for d in range(1, 8)}
MAKE_UP = {dt.date(2026, 10, 10)}


def working(day):
    if day in MAKE_UP:
        return True
    return day not in HOLIDAY and day.weekday() < 5


@pytest.mark.parametrize(
    ("start", "days", "basis", "window"),
    [
        # Calendar days: 7 days from the posting day; a last day on a holiday moves on.
        ("2026-06-01", 7, "calendar", ("2026-06-01", "2026-06-08")),  # 06-07 is a Sunday
        ("2026-06-02", 7, "calendar", ("2026-06-02", "2026-06-08")),
        ("2026-09-28", 7, "calendar", ("2026-09-28", "2026-10-08")),  # 10-04 in the holiday
        ("2026-09-24", 7, "calendar", ("2026-09-24", "2026-09-30")),
        # Working days: counting starts on the first working day, holidays skipped,
        # the make-up Saturday counted.
        ("2026-09-30", 7, "working", ("2026-09-30", "2026-10-14")),
        ("2026-10-03", 7, "working", ("2026-10-08", "2026-10-15")),
        ("2026-09-30", 1, "working", ("2026-09-30", "2026-09-30")),
        ("2026-09-21", 10, "working", ("2026-09-21", "2026-10-09")),
    ],
)
def test_publicity_windows_across_a_holiday(start, days, basis, window):
    first, last = statute.publicity_window(
        dt.date.fromisoformat(start), days, basis, is_working_day=working
    )
    assert (first.isoformat(), last.isoformat()) == window


def test_a_window_of_no_days_or_an_unknown_basis_is_refused():
    with pytest.raises(ValueError):
        statute.publicity_window(dt.date(2026, 6, 1), 0, "calendar", is_working_day=working)
    with pytest.raises(ValueError):
        statute.publicity_window(dt.date(2026, 6, 1), 7, "lunar", is_working_day=working)


def _abstaining(rows):
    """The same rows with the non-agreeing units abstaining (no explicit objection)."""
    return [(area, AGREE if choice == AGREE else ABSTAIN) for area, choice in rows]


@pytest.mark.parametrize(
    ("code", "lawful_for"),
    [
        ("civil-code-278-major", MAJOR + ORDINARY),
        ("civil-code-278-ordinary", ORDINARY),
        ("local-elevator-no-objection", MAJOR + ORDINARY),
    ],
)
def test_each_seeded_rule_set_for_each_matter_at_the_boundaries(db, code, lawful_for):
    from consultation.models import BallotRuleSet

    rule_set = BallotRuleSet.objects.get(code=code, version=1)
    strict = code != "civil-code-278-ordinary"  # the 3/4 rules
    for matter in MAJOR + ORDINARY:
        problems = statute.rule_problems(rule_set.as_rule(), statute.statutory_floor(matter))
        assert (not problems) is (matter in lawful_for), (code, matter)
        if problems:
            assert all("Civil Code Art. 278 ¶2" in p for p in problems)
            continue
        rule = Rule.from_dict(rule_set.as_rule())
        for rows, passes_3_4 in (
            (EXACTLY_3_4, True),
            (ONE_HEAD_SHORT, False),
            (AREA_SHORT, False),
        ):
            result = count(units(*_abstaining(rows)), rule)
            assert result.verdict is (passes_3_4 if strict else True), (code, matter)
