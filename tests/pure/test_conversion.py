"""Exact currency conversion (expense_tracker.currencies.conversion)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expense_tracker.currencies.conversion import (
    check_rate,
    convert,
    convert_parts,
    cross_rate,
    round_significant,
)
from expense_tracker.domain import splits
from expense_tracker.domain.money import currency_exponent

D = Decimal


def test_jpy_to_usd_rounds_half_to_even_to_cents():
    # 1,000 JPY at 0.0067 USD per JPY is 6.70 USD exactly.
    assert convert(1000, D("0.0067"), 0, 2) == 670
    # 75 JPY at 0.0066 = 0.495 USD: half to even gives 0.50 (0.49 is odd).
    assert convert(75, D("0.0066"), 0, 2) == 50
    # 125 JPY at 0.0066 = 0.825: half to even gives 0.82.
    assert convert(125, D("0.0066"), 0, 2) == 82


def test_usd_to_kwd_has_three_places():
    # 10.00 USD at 0.30715 KWD = 3.0715 KWD: half to even, 3.072 (3.071 is odd).
    assert convert(1000, D("0.30715"), 2, 3) == 3072
    assert convert(1, D("0.30715"), 2, 3) == 3  # 0.0030715 -> 0.003


def test_a_rate_with_12_significant_digits_loses_no_minor_unit():
    rate = D("1.23456789012")
    amount = 99_999_999_999  # 999,999,999.99 USD
    exact = Fraction(amount) * Fraction(rate)
    assert convert(amount, rate, 2, 2) == round(exact)  # Python rounds Fractions half-even
    with pytest.raises(ValueError, match="significant digits"):
        check_rate(D("1.234567890123"))
    assert check_rate(D("1234567.89012")) == D("1234567.89012")


def test_cross_rates_have_12_significant_digits():
    # ECB 2024-01-02: USD 1.0956, JPY 155.76 per euro.
    assert cross_rate(D("1.0956"), D("155.76")) == D("142.168674699")
    assert cross_rate(D("155.76"), D("1.0956")) == D("0.00703389830508")
    assert round_significant(Fraction(100)) == D("100")
    assert str(round_significant(Fraction(100))) == "100"


amounts = st.integers(0, 10**11)
rates = st.decimals(min_value=D("0.000001"), max_value=D("100000"), places=6).filter(
    lambda rate: rate > 0
)
places = st.sampled_from([0, 2, 3, 4])


@given(parts=st.lists(amounts, min_size=1, max_size=12), rate=rates, source=places, target=places)
def test_converted_parts_sum_to_the_converted_total(parts, rate, source, target):
    keyed = dict(enumerate(parts, start=1))
    converted = convert_parts(keyed, rate, source, target, sorted(keyed))
    assert sum(converted.values()) == convert(sum(parts), rate, source, target)
    factor = Fraction(rate) * Fraction(10) ** (target - source)
    for key, amount in keyed.items():
        assert abs(converted[key] - amount * factor) < 1  # never a whole unit off
        if amount == 0:
            assert converted[key] == 0


SPLIT_TYPES = ["equal", "exact", "percentage", "shares", "adjustment"]


@given(
    split_type=st.sampled_from(SPLIT_TYPES),
    total=st.integers(1, 99_999_999_999),
    people=st.integers(1, 8),
    rotation=st.integers(0, 1000),
    rate=rates,
    codes=st.sampled_from([("JPY", "USD"), ("USD", "KWD"), ("EUR", "JPY"), ("CLF", "USD")]),
    data=st.data(),
)
def test_every_split_mode_sums_exactly_after_conversion(
    split_type, total, people, rotation, rate, codes, data
):
    """Computed in the original currency by the split engine, then converted: the
    converted splits sum to the converted amount exactly."""
    members = list(range(1, people + 1))
    if split_type == "equal":
        amounts = splits.split_equal(total, members, members=members, rotation_key=rotation)
    elif split_type == "exact":
        cuts = sorted(
            data.draw(st.lists(st.integers(0, total), min_size=people - 1, max_size=people - 1))
        )
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        amounts = splits.split_exact(total, list(zip(members, parts, strict=True)), members=members)
    elif split_type == "percentage":
        cuts = sorted(
            data.draw(
                st.lists(
                    st.integers(1, 9999), min_size=people - 1, max_size=people - 1, unique=True
                )
            )
        )
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
        weights = [(m, D(p).scaleb(-2)) for m, p in zip(members, parts, strict=True)]
        amounts = splits.split_percentage(total, weights, members=members, rotation_key=rotation)
    elif split_type == "shares":
        shares = data.draw(
            st.lists(
                st.sampled_from([D(1), D(2), D("0.5"), D("1.25"), D(7)]),
                min_size=people,
                max_size=people,
            )
        )
        amounts = splits.split_shares(
            total, list(zip(members, shares, strict=True)), members=members, rotation_key=rotation
        )
    else:
        bound = total // (2 * people)
        adjustments = data.draw(
            st.lists(st.integers(-bound, bound), min_size=people, max_size=people)
        )
        amounts = splits.split_adjustment(
            total,
            list(zip(members, adjustments, strict=True)),
            members=members,
            rotation_key=rotation,
        )
    source, target = (currency_exponent(code) for code in codes)
    order = splits.spare_unit_order(amounts, rotation)
    converted = convert_parts(amounts, rate, source, target, order)
    assert sum(converted.values()) == convert(total, rate, source, target)


def test_rates_lie_within_1e_minus_9_and_1e9():
    assert check_rate(D("0.000000001")) == D("0.000000001")
    assert check_rate(D("1000000000")) == D("1000000000")
    for rate in (D("0.0000000009"), D("1000000000.1"), D("1E+56"), D("1E-30")):
        with pytest.raises(ValueError, match="a rate is"):
            check_rate(rate)
