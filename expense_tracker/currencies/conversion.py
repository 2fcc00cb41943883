"""Converting money between currencies exactly: pure, standard library only.

A rate is a Decimal with at most 12 significant digits: units of the target currency for
one unit of the source. Arithmetic is on Fractions, so nothing is rounded except the one
rounding the contract asks for: half to even, to the target currency's minor units. A
product of an amount (at most 13 digits) and a rate (12) is exact as a Fraction whatever
its size, so no minor unit can be lost to a decimal context's precision.

Parts of a total (splits, payers) are converted so that they sum to the converted total
exactly: each part's exact value is floored, and the units still missing go one each to
the largest remainders, ties in the order given (the spare-unit order of splits.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

MAX_RATE_DIGITS = 12
# No pair of real currencies is further apart than this; beyond it a rate is a typo or an
# attack, and the amounts it would give no longer fit the money columns.
MIN_RATE = Decimal("0.000000001")
MAX_RATE = Decimal("1000000000")


def rate_in_range(rate: Decimal) -> bool:
    """Whether `rate` lies within [MIN_RATE, MAX_RATE] (compared without arithmetic, so
    a rate of a thousand digits costs nothing)."""
    return rate.is_finite() and MIN_RATE <= rate <= MAX_RATE


def check_rate(rate: Decimal) -> Decimal:
    """`rate` if it is a finite Decimal within [1e-9, 1e9] with at most 12 significant
    digits."""
    if not isinstance(rate, Decimal) or not rate_in_range(rate):
        raise ValueError(f"a rate is a finite Decimal from {MIN_RATE} to {MAX_RATE}")
    digits = rate.normalize().as_tuple().digits
    if len(digits) > MAX_RATE_DIGITS:
        raise ValueError(f"a rate has at most {MAX_RATE_DIGITS} significant digits")
    return rate


def _factor(rate: Decimal, source_places: int, target_places: int) -> Fraction:
    """Target minor units for one source minor unit."""
    return Fraction(check_rate(rate)) * Fraction(10) ** (target_places - source_places)


def round_half_even(value: Fraction) -> int:
    floor = value.numerator // value.denominator
    remainder = value - floor
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and floor % 2):
        return floor + 1
    return floor


def convert(minor: int, rate: Decimal, source_places: int, target_places: int) -> int:
    """`minor` units of the source currency in the target's minor units, half to even."""
    return round_half_even(minor * _factor(rate, source_places, target_places))


def convert_parts(
    parts: Mapping[int, int],
    rate: Decimal,
    source_places: int,
    target_places: int,
    tie_order: Sequence[int],
) -> dict[int, int]:
    """Each part (>= 0) converted, the results summing to `convert(sum(parts))` exactly.

    Floors first, then one unit each to the largest remainders (ties by position in
    `tie_order`). The missing units are fewer than the parts with a remainder, so a part
    never moves by a whole unit from its exact value, and a zero part stays zero.
    """
    factor = _factor(rate, source_places, target_places)
    exact = {key: amount * factor for key, amount in parts.items()}
    converted = {key: value.numerator // value.denominator for key, value in exact.items()}
    total = round_half_even(sum(exact.values(), Fraction(0)))
    spare = total - sum(converted.values())
    rank = {key: position for position, key in enumerate(tie_order)}
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - converted[key]), rank[key]))
    for key in by_remainder[:spare]:
        converted[key] += 1
    return {key: converted[key] for key in sorted(converted)}


def cross_rate(per_euro_source: Decimal, per_euro_target: Decimal) -> Decimal:
    """Target units for one source unit, from two rates per euro, to 12 significant digits
    (half to even): the precision the rates themselves are accepted with."""
    return round_significant(Fraction(per_euro_target) / Fraction(per_euro_source))


def round_significant(value: Fraction, digits: int = MAX_RATE_DIGITS) -> Decimal:
    """A positive Fraction as a Decimal of `digits` significant digits, trailing zeros off."""
    if value <= 0:
        raise ValueError("only positive values")
    exponent = 0
    while value >= Fraction(10) ** (exponent + 1):
        exponent += 1
    while value < Fraction(10) ** exponent:
        exponent -= 1
    scale = digits - 1 - exponent  # decimal places that keep `digits` digits
    scaled = round_half_even(value * Fraction(10) ** scale)
    if scaled == 10**digits:  # 9.99...95 rounded up to 10.00...0
        scaled //= 10
        scale -= 1
    result = Decimal(scaled).scaleb(-scale)
    return _plain(result)


def _plain(value: Decimal) -> Decimal:
    """Without trailing fractional zeros, never in exponent form for integers (1E+2)."""
    normalized = value.normalize()
    exponent = normalized.as_tuple().exponent
    assert isinstance(exponent, int)
    return normalized.quantize(Decimal(1)) if exponent > 0 else normalized
