"""The Art. 278 tally: exact, at the boundaries, with the right reasons — and against a
brute-force reference on random electorates (hypothesis)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.tally import ABSTAIN, AGREE, OBJECT, Rule, Voter, count, split_cost

MAJOR = Rule(Fraction(2, 3), True, Fraction(2, 3), True, Fraction(3, 4), True, Fraction(3, 4), True)
ORDINARY = Rule(
    Fraction(2, 3), True, Fraction(2, 3), True, Fraction(1, 2), False, Fraction(1, 2), False
)


def voters(*rows):
    return [Voter(str(i), Fraction(Decimal(area)), choice) for i, (area, choice) in enumerate(rows)]


def test_exactly_two_thirds_participation_and_three_quarters_agreement_pass_inclusive():
    # 12 flats of 100 m²: 8 take part (exactly 2/3), 6 of them agree (exactly 3/4).
    rows = [("100.00", AGREE)] * 6 + [("100.00", OBJECT)] * 2 + [("100.00", None)] * 4
    result = count(voters(*rows), MAJOR)
    assert result.verdict and result.reasons == ()
    shares = {c.name: c.share for c in result.checks}
    assert shares == {
        "participation_area": Fraction(2, 3),
        "participation_heads": Fraction(2, 3),
        "approval_area": Fraction(3, 4),
        "approval_heads": Fraction(3, 4),
    }


def test_the_same_numbers_fail_when_the_rule_is_strict():
    strict = Rule(
        Fraction(2, 3), False, Fraction(2, 3), True, Fraction(3, 4), False, Fraction(3, 4), True
    )
    rows = [("100.00", AGREE)] * 6 + [("100.00", OBJECT)] * 2 + [("100.00", None)] * 4
    result = count(voters(*rows), strict)
    assert not result.verdict
    assert result.reasons == ("participation_area", "approval_area")


def test_exactly_half_is_not_more_than_half():
    rows = [("50.00", AGREE)] * 3 + [("50.00", OBJECT)] * 3
    result = count(voters(*rows), ORDINARY)
    assert not result.verdict and set(result.reasons) == {"approval_area", "approval_heads"}
    rows = [("50.00", AGREE)] * 4 + [("50.00", OBJECT)] * 3
    assert count(voters(*rows), ORDINARY).verdict


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        # Big flats stay home: heads take part (4 of 6), area does not (200 of 800).
        (
            [("50.00", AGREE)] * 4 + [("300.00", None)] * 2,
            "participation_area",
        ),
        # Few owners of big flats vote: area takes part (600 of 800), heads do not (2 of 6).
        ([("300.00", AGREE)] * 2 + [("50.00", None)] * 4, "participation_heads"),
        # All vote; many small flats agree, two big flats object: heads 4/6 < 3/4 ... and area.
        ([("10.00", AGREE)] * 5 + [("500.00", OBJECT)] * 1, "approval_area"),
        # All vote; one big flat agrees, small flats object.
        ([("500.00", AGREE)] * 1 + [("10.00", OBJECT)] * 2, "approval_heads"),
    ],
)
def test_each_threshold_reports_its_own_failure(rows, reason):
    result = count(voters(*rows), MAJOR)
    assert not result.verdict
    assert result.reasons == (reason,)


def test_no_explicit_objection_clause():
    rule = Rule(**{**MAJOR.__dict__, "no_explicit_objection": True})
    rows = [("100.00", AGREE)] * 9 + [("100.00", OBJECT)]
    assert count(voters(*rows), MAJOR).verdict
    result = count(voters(*rows), rule)
    assert not result.verdict and result.reasons == ("explicit_objection",)


def test_abstentions_take_part_but_do_not_agree():
    rows = [("100.00", AGREE)] * 3 + [("100.00", ABSTAIN)] * 1
    result = count(voters(*rows), MAJOR)
    assert result.participating_heads == 4 and result.agreeing_heads == 3
    assert result.verdict  # exactly 3/4


# ----------------------------------------------------------- against a reference


def reference(rows, thresholds):
    """Brute force in integers: cross-multiplied comparisons on fen-scaled areas."""
    (pa, pa_inc), (ph, ph_inc), (aa, aa_inc), (ah, ah_inc), no_obj = thresholds
    areas = [int(Decimal(a) * 100) for a, _ in rows]
    total_a, total_h = sum(areas), len(rows)
    part = [(a, c) for a, (_, c) in zip(areas, rows, strict=True) if c is not None]
    part_a, part_h = sum(a for a, _ in part), len(part)
    agree_a = sum(a for a, c in part if c == AGREE)
    agree_h = sum(1 for _, c in part if c == AGREE)

    def ok(num, den, frac, inclusive):
        if den == 0:
            return False
        left, right = num * frac.denominator, frac.numerator * den
        return left >= right if inclusive else left > right

    failed = []
    if not ok(part_a, total_a, pa, pa_inc):
        failed.append("participation_area")
    if not ok(part_h, total_h, ph, ph_inc):
        failed.append("participation_heads")
    if not ok(agree_a, part_a, aa, aa_inc):
        failed.append("approval_area")
    if not ok(agree_h, part_h, ah, ah_inc):
        failed.append("approval_heads")
    if no_obj and any(c == OBJECT for _, c in part):
        failed.append("explicit_objection")
    return tuple(failed)


FRACTIONS = st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)])
AREA = st.sampled_from(["40.00", "55.50", "60.00", "72.25", "88.88", "100.00", "120.00"])
CHOICE = st.sampled_from([AGREE, OBJECT, ABSTAIN, None])


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.tuples(AREA, CHOICE), min_size=1, max_size=40),
    thresholds=st.tuples(
        st.tuples(FRACTIONS, st.booleans()),
        st.tuples(FRACTIONS, st.booleans()),
        st.tuples(FRACTIONS, st.booleans()),
        st.tuples(FRACTIONS, st.booleans()),
        st.booleans(),
    ),
)
def test_tally_matches_the_reference(rows, thresholds):
    (pa, pa_inc), (ph, ph_inc), (aa, aa_inc), (ah, ah_inc), no_obj = thresholds
    rule = Rule(pa, pa_inc, ph, ph_inc, aa, aa_inc, ah, ah_inc, no_obj)
    result = count(voters(*rows), rule)
    expected = reference(rows, thresholds)
    assert result.reasons == expected
    assert result.verdict is (expected == ())


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=3, max_value=30).filter(lambda n: n % 3 == 0 or n % 4 == 0),
    inclusive=st.booleans(),
)
def test_boundaries_of_equal_flats_follow_the_inclusive_setting(n, inclusive):
    """With equal flats, exactly k/n participation sits on the boundary."""
    for frac in (Fraction(2, 3), Fraction(3, 4), Fraction(1, 2)):
        if (n * frac).denominator != 1:
            continue
        k = int(n * frac)
        rows = [("80.00", AGREE)] * k + [("80.00", None)] * (n - k)
        rule = Rule(frac, inclusive, frac, inclusive, Fraction(1, 2), True, Fraction(1, 2), True)
        assert count(voters(*rows), rule).verdict is inclusive


# ------------------------------------------------------------------ cost sharing


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**11),
    weights=st.lists(
        st.fractions(min_value=0, max_value=500, max_denominator=400), min_size=1, max_size=60
    ),
)
def test_cost_shares_add_up_exactly(total, weights):
    named = {f"f{i}": w for i, w in enumerate(weights)}
    shares = split_cost(total, named)
    paying = [k for k, w in named.items() if w > 0]
    assert sum(shares.values()) == (total if paying else 0)
    assert all(shares[k] == 0 for k, w in named.items() if w == 0)
    whole = sum(named.values())
    for k in paying:  # within one fen of the exact share
        assert abs(shares[k] - Fraction(total) * named[k] / whole) < 1


def test_cost_split_example():
    # 100 yuan over three equal payers: 33.34 + 33.33 + 33.33, ground floor pays nothing.
    shares = split_cost(
        10000, {"g": Fraction(0), "a": Fraction(1), "b": Fraction(1), "c": Fraction(1)}
    )
    assert shares == {"g": 0, "a": 3334, "b": 3333, "c": 3333}


def test_the_trace_shows_areas_with_decimals_and_heads_as_whole_numbers():
    rows = [("72.25", AGREE), ("60.00", None)]
    checks = {c["name"]: c for c in count(voters(*rows), MAJOR).as_dict()["checks"]}
    assert (
        checks["participation_area"]["numerator"],
        checks["participation_area"]["denominator"],
    ) == ("72.25", "132.25")
    assert (
        checks["participation_heads"]["numerator"],
        checks["participation_heads"]["denominator"],
    ) == ("1", "2")
    assert (
        checks["participation_heads"]["share"] == "1/2"
        and checks["participation_heads"]["share_percent"] == "50.00"
    )
