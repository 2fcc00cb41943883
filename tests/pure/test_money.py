"""Tests for expense_tracker.money: exact parsing, validation and formatting of money."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from expense_tracker.domain.money import (
    MAX_AMOUNT,
    MoneyError,
    currency_exponent,
    format_amount,
    format_decimal,
    normalize_currency,
    parse_amount,
    parse_decimal,
    to_decimal,
)

# One representative currency per exponent the application must handle.
CURRENCY_BY_EXPONENT = {0: "JPY", 2: "USD", 3: "KWD", 4: "CLF"}


def _max_minor(exp: int) -> int:
    """Largest minor-unit count whose major value is within MAX_AMOUNT."""
    return int(MAX_AMOUNT.scaleb(exp).to_integral_value(rounding="ROUND_FLOOR"))


# ----------------------------------------------------------------------------- currencies


@pytest.mark.parametrize(("code", "exponent"), [("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_currency_exponent_comes_from_iso4217(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize("code", ["XXX", "XAU", "XDR", "XTS", "ZZZ", "usd", "US", ""])
def test_currency_exponent_rejects_unknown_lowercase_and_unitless_codes(code: str) -> None:
    with pytest.raises(MoneyError, match=r"^Unknown currency code\.$"):
        currency_exponent(code)


@pytest.mark.parametrize(("raw", "expected"), [("usd", "USD"), (" Jpy ", "JPY"), ("KWD", "KWD")])
def test_normalize_currency_upper_cases_and_trims(raw: str, expected: str) -> None:
    assert normalize_currency(raw) == expected


@pytest.mark.parametrize(
    "raw", ["XXX", "xau", "XDR", "US", "usdd", "", "   ", "ZZZ", "U$D", None, 123, b"USD", ["USD"]]
)
def test_normalize_currency_rejects_invalid_codes(raw: object) -> None:
    with pytest.raises(MoneyError, match=r"^Unknown currency code\.$"):
        normalize_currency(raw)


# -------------------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("12.50", "USD", 1250),
        (" 12.5 ", "USD", 1250),
        ("12.500", "USD", 1250),
        ("0012", "USD", 1200),
        (12, "USD", 1200),
        (Decimal("12.5"), "USD", 1250),
        (Decimal("1E+3"), "USD", 100000),
        ("1000", "JPY", 1000),
        (Decimal("1000.00"), "JPY", 1000),
        ("1.234", "KWD", 1234),
        ("0.0001", "CLF", 1),
        ("999999999.99", "USD", 99999999999),
        ("999999999", "JPY", 999999999),
    ],
)
def test_parse_amount_returns_exact_minor_units(raw: object, currency: str, expected: int) -> None:
    result = parse_amount(raw, currency)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    "raw",
    [
        True,
        False,
        1.5,
        12.0,
        None,
        [],
        {},
        b"12",
        "",
        "   ",
        "abc",
        "+5",
        "1e3",
        "1E3",
        ".5",
        "5.",
        "1,000",
        "1 000",
        "1_000",
        "--5",
        "NaN",
        "Infinity",
        "\u0663",  # ARABIC-INDIC DIGIT THREE: str.isdigit() but not ASCII
        "\uff11\uff12",  # FULLWIDTH DIGITS ONE TWO
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ],
)
def test_parse_amount_rejects_malformed_input(raw: object) -> None:
    with pytest.raises(MoneyError, match=r"^Not a valid amount\.$"):
        parse_amount(raw, "USD", signed=True, allow_zero=True)


@pytest.mark.parametrize("raw", ["-5", "-0", "-0.00", -5, Decimal("-5"), Decimal("-0")])
def test_unsigned_amount_rejects_minus_sign(raw: object) -> None:
    with pytest.raises(MoneyError):
        parse_amount(raw, "USD")
    with pytest.raises(MoneyError, match=r"^Must not be negative\.$"):
        parse_amount(raw, "USD", allow_zero=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("-5", -500), (-5, -500), (Decimal("-5.5"), -550), ("-0", 0)]
)
def test_signed_amount_accepts_negative_values(raw: object, expected: int) -> None:
    assert parse_amount(raw, "USD", signed=True) == expected


@pytest.mark.parametrize("raw", ["0", "0.00", 0, Decimal("0"), Decimal("0E-5")])
def test_zero_is_rejected_unless_allowed(raw: object) -> None:
    with pytest.raises(MoneyError, match=r"^Must be greater than zero\.$"):
        parse_amount(raw, "USD")
    assert parse_amount(raw, "USD", allow_zero=True) == 0
    assert parse_amount(raw, "USD", signed=True) == 0


@pytest.mark.parametrize(
    ("raw", "currency"),
    [
        ("12.345", "USD"),
        ("0.001", "USD"),
        (Decimal("0.001"), "USD"),
        ("1000.5", "JPY"),
        (Decimal("0.5"), "JPY"),
        ("1.2345", "KWD"),
        ("1.00001", "CLF"),
        (Decimal("1E-999999999"), "USD"),
        pytest.param("0." + "0" * 10_000 + "1", "USD", id="str-10000-leading-zeros"),
    ],
)
def test_amount_with_too_many_decimal_places_is_rejected(raw: object, currency: str) -> None:
    exp = currency_exponent(currency)
    message = rf"^Too many decimal places for {currency} \(at most {exp}\)\.$"
    with pytest.raises(MoneyError, match=message):
        parse_amount(raw, currency)


def test_jpy_rejects_fractional_amounts() -> None:
    with pytest.raises(MoneyError, match=r"for JPY \(at most 0\)"):
        parse_amount("1.5", "JPY")


@pytest.mark.parametrize(
    ("raw", "currency"),
    [
        ("1000000000", "USD"),
        ("999999999.991", "USD"),  # too big is reported before too precise
        ("999999999.999", "KWD"),
        ("1000000000", "JPY"),
        ("-1000000000", "USD"),
        (10**9, "USD"),
        pytest.param(10**10_000, "USD", id="int-10**10000"),
        (Decimal("1E+999999999"), "USD"),
        (Decimal("-1E+999999999"), "USD"),
        pytest.param("9" * 10_000, "USD", id="str-10000-nines"),
        pytest.param("1" * 10_000 + ".5", "USD", id="str-10000-digits-and-fraction"),
        pytest.param(Decimal("9" * 10_000), "USD", id="decimal-10000-nines"),
    ],
)
def test_amount_above_maximum_is_rejected(raw: object, currency: str) -> None:
    with pytest.raises(MoneyError, match=r"^Must not exceed 999999999\.99\.$"):
        parse_amount(raw, currency, signed=True)


def test_trailing_zeros_beyond_the_currency_places_are_accepted() -> None:
    assert parse_amount("1." + "0" * 10_000, "USD") == 100
    assert parse_amount(Decimal("12.0000000"), "JPY") == 12
    assert parse_amount("1.2340", "KWD") == 1234


def test_parse_amount_rejects_unknown_currency() -> None:
    with pytest.raises(MoneyError, match=r"^Unknown currency code\.$"):
        parse_amount("1", "XXX")


# ------------------------------------------------------------------------- parse_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("33.3", Decimal("33.3")),
        ("33.30", Decimal("33.3")),
        ("50.00", Decimal("50")),
        (Decimal("1E+1"), Decimal("10")),
        ("100", Decimal("100")),
        (0, Decimal("0")),
        ("0.01", Decimal("0.01")),
    ],
)
def test_parse_decimal_returns_exact_plain_value(raw: object, expected: Decimal) -> None:
    result = parse_decimal(raw, max_places=2, max_value=Decimal(100), allow_zero=True)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("100.01", r"^Must not exceed 100\.$"),
        ("0.001", r"^Too many decimal places \(at most 2\)\.$"),
        ("0", r"^Must be greater than zero\.$"),
        ("-1", r"^Must be greater than zero\.$"),
        ("1e1", r"^Not a valid amount\.$"),
        (1.0, r"^Not a valid amount\.$"),
        (True, r"^Not a valid amount\.$"),
        (Decimal("NaN"), r"^Not a valid amount\.$"),
    ],
)
def test_parse_decimal_applies_amount_rules_with_its_own_bounds(raw: object, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_decimal(raw, max_places=2, max_value=Decimal(100))


def test_signed_parse_decimal_accepts_negative_and_negative_zero() -> None:
    assert parse_decimal("-12.5", max_places=1, max_value=Decimal(100), signed=True) == Decimal(
        "-12.5"
    )
    zero = parse_decimal("-0", max_places=1, max_value=Decimal(100), signed=True)
    assert zero == 0
    assert not zero.is_signed()


# ---------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (1250, "USD", "12.50"),
        (1000, "JPY", "1000"),
        (1000, "KWD", "1.000"),
        (-5, "USD", "-0.05"),
        (0, "USD", "0.00"),
        (1, "CLF", "0.0001"),
        (99999999999, "USD", "999999999.99"),
    ],
)
def test_format_amount_is_canonical(minor: int, currency: str, expected: str) -> None:
    assert format_amount(minor, currency) == expected


def test_to_decimal_has_exactly_the_currency_places() -> None:
    assert to_decimal(1250, "USD") == Decimal("12.50")
    assert to_decimal(1250, "USD").as_tuple().exponent == -2
    assert to_decimal(0, "KWD").as_tuple().exponent == -3
    assert to_decimal(7, "JPY").as_tuple().exponent == 0


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("33.3"), 2, "33.30"),
        (Decimal("1E+3"), 1, "1000.0"),
        (Decimal("0.0000001"), 2, "0.00"),
        (Decimal("-0"), 2, "0.00"),
        (Decimal("-0.001"), 2, "0.00"),
        (Decimal("2.675"), 2, "2.68"),
        (Decimal("2.665"), 2, "2.66"),  # half-even
        (Decimal("50"), 0, "50"),
    ],
)
def test_format_decimal_is_fixed_point(value: Decimal, places: int, expected: str) -> None:
    assert format_decimal(value, places) == expected


# ---------------------------------------------------------------------------- properties

exponents = st.sampled_from(sorted(CURRENCY_BY_EXPONENT))


@st.composite
def currency_and_minor(draw: st.DrawFn) -> tuple[str, int, int]:
    exp = draw(exponents)
    bound = _max_minor(exp)
    minor = draw(st.integers(min_value=-bound, max_value=bound))
    return CURRENCY_BY_EXPONENT[exp], exp, minor


@given(currency_and_minor())
def test_format_then_parse_round_trips(case: tuple[str, int, int]) -> None:
    currency, _, minor = case
    assert parse_amount(format_amount(minor, currency), currency, signed=True) == minor


@given(currency_and_minor())
def test_str_decimal_and_int_inputs_parse_identically(case: tuple[str, int, int]) -> None:
    currency, exp, minor = case
    text = format_amount(minor, currency)
    from_str = parse_amount(text, currency, signed=True)
    assert parse_amount(Decimal(text), currency, signed=True) == from_str
    if minor % 10**exp == 0:
        assert parse_amount(minor // 10**exp, currency, signed=True) == from_str


@given(currency_and_minor())
def test_to_decimal_scaled_back_is_the_minor_units(case: tuple[str, int, int]) -> None:
    currency, exp, minor = case
    assert to_decimal(minor, currency) * 10**exp == minor


@given(currency_and_minor())
def test_format_amount_has_exactly_the_currency_places(case: tuple[str, int, int]) -> None:
    currency, exp, minor = case
    text = format_amount(minor, currency)
    if exp == 0:
        assert "." not in text
    else:
        assert len(text.split(".")[1]) == exp
    assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text)


@given(
    exp=exponents,
    coefficient=st.integers(min_value=1, max_value=10**15),
    extra_places=st.integers(min_value=1, max_value=30),
)
def test_values_needing_more_places_are_rejected(
    exp: int, coefficient: int, extra_places: int
) -> None:
    # A value that truly needs more places: its last digit is not a zero.
    assume(coefficient % 10 != 0)
    value = Decimal(coefficient).scaleb(-(exp + extra_places))
    assume(value <= MAX_AMOUNT)
    currency = CURRENCY_BY_EXPONENT[exp]
    with pytest.raises(MoneyError, match="Too many decimal places"):
        parse_amount(value, currency)
    with pytest.raises(MoneyError, match="Too many decimal places"):
        parse_amount(f"{value:f}", currency)


@given(currency_and_minor())
def test_format_amount_is_the_exact_decimal_in_fixed_point(case: tuple[str, int, int]) -> None:
    currency, _, minor = case
    assert format_amount(minor, currency) == f"{to_decimal(minor, currency):f}"
