"""Tests for the pure split engine (expense_tracker.domain.splits)."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expense_tracker.domain.splits import (
    SplitError,
    allocate_proportionally,
    spare_unit_order,
    split_adjustment,
    split_equal,
    split_exact,
    split_percentage,
    split_shares,
)

MEMBERS = frozenset(range(1, 100))
D = Decimal


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    ("rotation_key", "expected"),
    [
        (0, {1: 34, 2: 33, 3: 33}),
        (1, {1: 33, 2: 34, 3: 33}),
        (2, {1: 33, 2: 33, 3: 34}),
        (3, {1: 34, 2: 33, 3: 33}),
    ],
)
def test_equal_split_gives_spare_cents_in_rotation_order(
    rotation_key: int, expected: dict[int, int]
) -> None:
    assert split_equal(100, [3, 1, 2], members=MEMBERS, rotation_key=rotation_key) == expected


def test_spare_unit_order_starts_at_rotation_key_and_wraps() -> None:
    assert spare_unit_order([30, 10, 20], 0) == [10, 20, 30]
    assert spare_unit_order([30, 10, 20], 4) == [20, 30, 10]
    assert spare_unit_order([30, 10, 20], -1) == [30, 10, 20]
    assert spare_unit_order([], 7) == []


def test_equal_split_hands_out_several_spare_cents_one_each() -> None:
    assert split_equal(1002, [1, 2, 3, 4], members=MEMBERS, rotation_key=3) == {
        1: 251,
        2: 250,
        3: 250,
        4: 251,
    }


def test_returned_keys_are_sorted_by_user_id() -> None:
    result = split_exact(10, [(9, 5), (2, 5)], members=MEMBERS)
    assert list(result) == [2, 9]


def test_percentage_split_of_ten_pounds_gives_spare_cent_to_largest_remainder() -> None:
    entries = [(1, D("33.33")), (2, D("33.33")), (3, D("33.34"))]
    for rotation_key in range(3):
        result = split_percentage(1000, entries, members=MEMBERS, rotation_key=rotation_key)
        assert result == {1: 333, 2: 333, 3: 334}


def test_shares_split_one_two_three() -> None:
    entries = [(1, D(1)), (2, D(2)), (3, D(3))]
    assert split_shares(600, entries, members=MEMBERS, rotation_key=0) == {1: 100, 2: 200, 3: 300}
    # Ideals 16.67 / 33.33 / 50: the spare cent goes to the largest remainder (user 1).
    assert split_shares(100, entries, members=MEMBERS, rotation_key=2) == {1: 17, 2: 33, 3: 50}


def test_shares_ties_are_broken_in_rotation_order() -> None:
    entries = [(1, D("1.5")), (2, D("1.5")), (3, D("1.5"))]
    for rotation_key in range(3):
        assert split_shares(100, entries, members=MEMBERS, rotation_key=rotation_key) == (
            split_equal(100, [1, 2, 3], members=MEMBERS, rotation_key=rotation_key)
        )


def test_adjustment_split_adds_equal_part_of_the_rest() -> None:
    entries = [(1, 200), (2, 0), (3, -100)]
    # Rest is 1001 - 100 = 901: 301 to user 1 (rotation 0), 300 to the others.
    assert split_adjustment(1001, entries, members=MEMBERS, rotation_key=0) == {
        1: 501,
        2: 300,
        3: 200,
    }


def test_adjustment_split_with_negative_rest_floors_correctly() -> None:
    entries = [(1, 400), (2, 400), (3, 250)]
    # Rest is -50 = -16 + -17 + -17; the "spare" (the -16) goes to user 2 at rotation 1.
    assert split_adjustment(1000, entries, members=MEMBERS, rotation_key=1) == {
        1: 383,
        2: 384,
        3: 233,
    }


def test_exact_split_returns_the_amounts_given() -> None:
    assert split_exact(1000, [(2, 250), (1, 750)], members=MEMBERS) == {1: 750, 2: 250}
    assert split_exact(0, [(1, 0)], members=MEMBERS) == {1: 0}


@pytest.mark.parametrize(("amounts", "difference"), [((500, 495), 5), ((500, 510), -10)])
def test_exact_split_mismatch_reports_difference_with_sign(
    amounts: tuple[int, int], difference: int
) -> None:
    with pytest.raises(SplitError) as excinfo:
        split_exact(1000, list(zip((1, 2), amounts, strict=True)), members=MEMBERS)
    err = excinfo.value
    assert err.difference == difference
    assert (err.index, err.field) == (None, None)
    assert ("short" in str(err)) == (difference > 0)


def test_exact_split_rejects_negative_amount() -> None:
    with pytest.raises(SplitError) as excinfo:
        split_exact(0, [(1, 5), (2, -5)], members=MEMBERS)
    assert (excinfo.value.index, excinfo.value.field) == (1, "amount")


def test_allocate_proportionally_divides_among_payers_by_amount_paid() -> None:
    assert allocate_proportionally(1000, {5: 300, 2: 700}, [2, 5]) == {2: 700, 5: 300}
    assert allocate_proportionally(1, {1: 1, 2: 1}, [2, 1]) == {1: 0, 2: 1}
    assert allocate_proportionally(0, {1: D("2.5"), 2: 7}, [1, 2]) == {1: 0, 2: 0}


@pytest.mark.parametrize(
    ("total", "weights", "tie_order", "message"),
    [
        (10, {1: 0}, [1], "positive"),
        (10, {1: 1, 2: 1}, [1], "tie_order"),
        (-1, {1: 1}, [1], "non-negative"),
        (10, {}, [], "empty"),
    ],
)
def test_allocate_proportionally_rejects_bad_arguments(
    total: int, weights: dict[int, int], tie_order: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_proportionally(total, weights, tie_order)


# --------------------------------------------------------------------------- errors


def _call(kind: str, total: int, user_ids: list[int], members: frozenset[int]) -> None:
    """Run one split type with harmless values for the given user ids."""
    n = len(user_ids)
    if kind == "equal":
        split_equal(total, user_ids, members=members, rotation_key=0)
    elif kind == "exact":
        split_exact(total, [(u, 0) for u in user_ids], members=members)
    elif kind == "percentage":
        entries = [(u, D(100) / n) for u in user_ids]
        split_percentage(total, entries, members=members, rotation_key=0)
    elif kind == "shares":
        split_shares(total, [(u, D(1)) for u in user_ids], members=members, rotation_key=0)
    else:
        split_adjustment(total, [(u, 0) for u in user_ids], members=members, rotation_key=0)


KINDS = ["equal", "exact", "percentage", "shares", "adjustment"]


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_member_is_rejected_at_its_index(kind: str) -> None:
    with pytest.raises(SplitError) as excinfo:
        _call(kind, 0, [1, 2, 500, 3], MEMBERS)
    assert (excinfo.value.index, excinfo.value.field) == (2, "user_id")
    assert "500" in str(excinfo.value)


@pytest.mark.parametrize("kind", KINDS)
def test_repeated_member_is_rejected_at_second_occurrence(kind: str) -> None:
    with pytest.raises(SplitError) as excinfo:
        _call(kind, 0, [1, 2, 1], MEMBERS)
    assert (excinfo.value.index, excinfo.value.field) == (2, "user_id")


@pytest.mark.parametrize("kind", KINDS)
def test_empty_participant_list_is_rejected(kind: str) -> None:
    with pytest.raises(SplitError) as excinfo:
        _call(kind, 0, [], MEMBERS)
    assert (excinfo.value.index, excinfo.value.field) == (None, None)


@pytest.mark.parametrize("kind", KINDS)
def test_negative_total_is_rejected(kind: str) -> None:
    with pytest.raises(SplitError):
        _call(kind, -1, [1], MEMBERS)


@pytest.mark.parametrize("bad", [D(0), D("-0.01"), D("-5"), D("NaN"), D("Infinity")])
def test_zero_negative_or_non_finite_percentage_is_rejected(bad: Decimal) -> None:
    entries = [(1, D(100) - bad if bad.is_finite() else D(100)), (2, bad)]
    with pytest.raises(SplitError) as excinfo:
        split_percentage(1000, entries, members=MEMBERS, rotation_key=0)
    assert (excinfo.value.index, excinfo.value.field) == (1, "percentage")


@pytest.mark.parametrize("bad", [D(0), D("-1"), D("NaN")])
def test_zero_or_negative_shares_are_rejected(bad: Decimal) -> None:
    with pytest.raises(SplitError) as excinfo:
        split_shares(1000, [(1, D(1)), (2, bad)], members=MEMBERS, rotation_key=0)
    assert (excinfo.value.index, excinfo.value.field) == (1, "shares")


def test_percentages_summing_to_99_99_are_rejected() -> None:
    entries = [(1, D("33.33")), (2, D("33.33")), (3, D("33.33"))]
    with pytest.raises(SplitError) as excinfo:
        split_percentage(1000, entries, members=MEMBERS, rotation_key=0)
    assert (excinfo.value.index, excinfo.value.field) == (None, None)
    assert "99.99" in str(excinfo.value)


def test_adjustment_making_a_share_negative_is_rejected() -> None:
    # Rest is 300 - 400 = -100, so user 3 (adjustment 0) would owe about -33.
    with pytest.raises(SplitError) as excinfo:
        split_adjustment(300, [(1, 200), (2, 200), (3, 0)], members=MEMBERS, rotation_key=0)
    assert (excinfo.value.index, excinfo.value.field) == (2, "adjustment")


# --------------------------------------------------------------------------- properties

totals = st.integers(min_value=0, max_value=10**9)
rotation_keys = st.integers(min_value=0, max_value=10**9)
user_id_lists = st.lists(
    st.integers(min_value=1, max_value=99), min_size=1, max_size=7, unique=True
)
weights = st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)


@st.composite
def share_entries(draw: st.DrawFn) -> list[tuple[int, Decimal]]:
    user_ids = draw(user_id_lists)
    return [(u, draw(weights)) for u in user_ids]


@st.composite
def percentage_entries(draw: st.DrawFn) -> list[tuple[int, Decimal]]:
    """Positive 2-decimal percentages summing to exactly 100 (cut points in hundredths)."""
    user_ids = draw(user_id_lists)
    cuts = draw(
        st.lists(
            st.integers(1, 9999),
            min_size=len(user_ids) - 1,
            max_size=len(user_ids) - 1,
            unique=True,
        )
    )
    bounds = [0, *sorted(cuts), 10000]
    parts = [D(b - a) / 100 for a, b in itertools.pairwise(bounds)]
    return list(zip(user_ids, parts, strict=True))


@st.composite
def adjustment_entries(draw: st.DrawFn) -> list[tuple[int, int]]:
    user_ids = draw(user_id_lists)
    return [(u, draw(st.integers(-(10**6), 10**6))) for u in user_ids]


def _assert_closest_rounding(total: int, entries: list[tuple[int, Decimal]], result: dict) -> None:
    """Each amount is floor/ceil of its ideal, and no valid rounding is closer overall."""
    weight_sum = sum(Fraction(w) for _, w in entries)
    ideal = {u: total * Fraction(w) / weight_sum for u, w in entries}
    assert all(abs(result[u] - ideal[u]) < 1 for u in ideal)
    error = sum(abs(result[u] - ideal[u]) for u in ideal)

    floors = {u: math.floor(x) for u, x in ideal.items()}
    spare = total - sum(floors.values())
    for lucky in itertools.combinations(ideal, spare):
        candidate = {u: floors[u] + (u in lucky) for u in ideal}
        assert error <= sum(abs(candidate[u] - ideal[u]) for u in ideal)


@given(totals, user_id_lists, rotation_keys)
def test_equal_split_sums_to_total_and_differs_by_at_most_one(
    total: int, user_ids: list[int], rotation_key: int
) -> None:
    result = split_equal(total, user_ids, members=MEMBERS, rotation_key=rotation_key)
    assert sum(result.values()) == total
    assert max(result.values()) - min(result.values()) <= 1
    assert list(result) == sorted(user_ids)


@given(totals, user_id_lists, rotation_keys, rotation_keys)
def test_rotation_only_permutes_who_gets_the_spare_units(
    total: int, user_ids: list[int], key_a: int, key_b: int
) -> None:
    a = split_equal(total, user_ids, members=MEMBERS, rotation_key=key_a)
    b = split_equal(total, user_ids, members=MEMBERS, rotation_key=key_b)
    assert sorted(a.values()) == sorted(b.values())
    if key_a % len(user_ids) == key_b % len(user_ids):
        assert a == b


@given(totals, st.data())
def test_exact_split_sums_to_total_when_accepted(total: int, data: st.DataObject) -> None:
    user_ids = data.draw(user_id_lists)
    amounts = [0] * len(user_ids)
    for _ in range(min(total, 20)):
        amounts[data.draw(st.integers(0, len(user_ids) - 1))] += 1
    amounts[0] += total - sum(amounts)
    result = split_exact(total, list(zip(user_ids, amounts, strict=True)), members=MEMBERS)
    assert sum(result.values()) == total


@given(totals, share_entries(), rotation_keys)
def test_shares_split_is_exact_and_the_closest_rounding(
    total: int, entries: list[tuple[int, Decimal]], rotation_key: int
) -> None:
    result = split_shares(total, entries, members=MEMBERS, rotation_key=rotation_key)
    assert sum(result.values()) == total
    _assert_closest_rounding(total, entries, result)


@given(totals, percentage_entries(), rotation_keys)
def test_percentage_split_is_exact_and_the_closest_rounding(
    total: int, entries: list[tuple[int, Decimal]], rotation_key: int
) -> None:
    result = split_percentage(total, entries, members=MEMBERS, rotation_key=rotation_key)
    assert sum(result.values()) == total
    _assert_closest_rounding(total, entries, result)


@given(totals, adjustment_entries(), rotation_keys)
def test_adjustment_split_is_exact_and_equal_parts_differ_by_at_most_one(
    total: int, entries: list[tuple[int, int]], rotation_key: int
) -> None:
    rest = total - sum(adj for _, adj in entries)
    try:
        result = split_adjustment(total, entries, members=MEMBERS, rotation_key=rotation_key)
    except SplitError as exc:
        error: SplitError | None = exc
    else:
        error = None
    if error is not None:
        # Only possible when the offending member's share really is negative.
        assert error.field == "adjustment"
        assert error.index is not None
        assert entries[error.index][1] + rest // len(entries) < 0
        return
    assert sum(result.values()) == total
    assert all(amount >= 0 for amount in result.values())
    parts = [result[u] - adj for u, adj in entries]
    assert max(parts) - min(parts) <= 1


@given(totals, share_entries(), rotation_keys, st.randoms(use_true_random=False))
def test_results_are_deterministic_and_independent_of_entry_order(
    total: int, entries: list[tuple[int, Decimal]], rotation_key: int, rnd
) -> None:
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    user_ids = [u for u, _ in entries]
    shuffled_ids = [u for u, _ in shuffled]
    as_ints = [(u, int(w * 100)) for u, w in entries]
    as_ints_shuffled = [(u, int(w * 100)) for u, w in shuffled]
    kwargs = {"members": MEMBERS, "rotation_key": rotation_key}

    pairs = [
        (split_equal(total, user_ids, **kwargs), split_equal(total, shuffled_ids, **kwargs)),
        (split_shares(total, entries, **kwargs), split_shares(total, tuple(shuffled), **kwargs)),
        (
            split_adjustment(total + sum(a for _, a in as_ints), as_ints, **kwargs),
            split_adjustment(total + sum(a for _, a in as_ints), as_ints_shuffled, **kwargs),
        ),
        (
            allocate_proportionally(total, dict(entries), sorted(user_ids)),
            allocate_proportionally(total, dict(shuffled), sorted(user_ids)),
        ),
    ]
    for first, second in pairs:
        assert list(first.items()) == list(second.items())
    # The same expense (total, participants, rotation_key) always gives the same result.
    assert split_shares(total, entries, **kwargs) == pairs[1][0]


@given(percentage_entries(), st.randoms(use_true_random=False), totals, rotation_keys)
def test_percentage_split_is_independent_of_entry_order(
    entries: list[tuple[int, Decimal]], rnd, total: int, rotation_key: int
) -> None:
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    kwargs = {"members": MEMBERS, "rotation_key": rotation_key}
    assert list(split_percentage(total, entries, **kwargs).items()) == list(
        split_percentage(total, shuffled, **kwargs).items()
    )
