"""The project's single money type: exact amounts as integer minor units.

Everything that turns client input into money (or into a bounded decimal such as a
percentage share) and back into canonical strings lives here:

* amounts are stored and computed as Python ``int`` minor units (cents), never float;
* currencies are ISO 4217 codes, and the number of minor units per currency comes
  from the ``iso4217`` package rather than a hand-written table;
* every rejection raises :class:`MoneyError`, whose message is safe to show to clients.

This module deliberately depends on nothing but the standard library and ``iso4217``
so that models, schemas, services and importers can all share it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache

from iso4217 import Currency

__all__ = [
    "MAX_AMOUNT",
    "MoneyError",
    "accepted_currencies",
    "currencies_by_exponent",
    "currency_exponent",
    "format_amount",
    "format_decimal",
    "normalize_currency",
    "parse_amount",
    "parse_decimal",
    "to_decimal",
]

#: Largest absolute value accepted, in major units, for any currency.
MAX_AMOUNT: Decimal = Decimal("999999999.99")

# A plain decimal: optional '-', ASCII digits, optionally '.' and at least one digit.
# re.ASCII keeps Unicode digits such as '١٢' from sneaking through.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}", re.ASCII)

_INVALID_AMOUNT = "Not a valid amount."
_INVALID_CURRENCY = "Unknown currency code."


class MoneyError(ValueError):
    """Invalid amount or currency.

    ``str(err)`` is a short, client-facing English message such as
    ``'Not a valid amount.'`` or ``'Too many decimal places for JPY (at most 0).'``.
    ``field`` names the request field the value came from, when the caller said so
    (``parse_amount(..., field=...)``): the API answers 422 at that field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- currencies


@lru_cache(maxsize=512)
def _lookup_exponent(code: str) -> int | None:
    # Cached including misses (None), so repeated bad codes cost nothing either.
    try:
        return Currency(code).exponent
    except ValueError:
        return None


def currency_exponent(code: str) -> int:
    """Number of minor-unit digits of an upper-case ISO 4217 code (USD 2, JPY 0, KWD 3).

    Raises MoneyError for unknown codes and for codes without minor units
    (XXX, XAU, XDR, ...), which cannot hold an amount in this application.
    """
    if isinstance(code, str) and (known := _KNOWN_EXPONENTS.get(code)) is not None:
        return known
    if not isinstance(code, str) or not _CURRENCY_CODE.fullmatch(code):
        raise MoneyError(_INVALID_CURRENCY)
    exponent = _lookup_exponent(code)
    if exponent is None:
        raise MoneyError(_INVALID_CURRENCY)
    _KNOWN_EXPONENTS[code] = exponent
    return exponent


# Codes already checked: lists format hundreds of amounts per request, each asking this.
_KNOWN_EXPONENTS: dict[str, int] = {}


def normalize_currency(raw: object) -> str:
    """Validate a client-supplied currency code and return it in upper case.

    Accepts any letter case and surrounding whitespace (' usd ' -> 'USD').
    """
    if not isinstance(raw, str):
        raise MoneyError(_INVALID_CURRENCY)
    code = raw.strip().upper()
    currency_exponent(code)  # raises for unknown / unusable codes
    return code


# ------------------------------------------------------------------------------ parsing


def _to_decimal_input(raw: object) -> Decimal:
    """Turn an accepted raw input type into a finite Decimal, or raise MoneyError."""
    # bool is a subclass of int, but True is never a sensible amount.
    if isinstance(raw, bool):
        raise MoneyError(_INVALID_AMOUNT)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        # NaN, sNaN and infinities: reject before anything compares them (sNaN traps).
        if not raw.is_finite():
            raise MoneyError(_INVALID_AMOUNT)
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        # The regex rejects '', '+5', '1e3', '.5', '5.', '1,000', 'NaN', 'Infinity'.
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise MoneyError(_INVALID_AMOUNT)
        return Decimal(text)
    # float (already inexact), None, list, dict, ... are all refused.
    raise MoneyError(_INVALID_AMOUNT)


def _checked(
    raw: object,
    *,
    places: int,
    max_value: Decimal,
    signed: bool,
    allow_zero: bool,
    places_message: str,
) -> Decimal:
    """Validate ``raw`` and return it exactly, quantized to exactly ``places`` decimals.

    Only context-free checks (sign, adjusted exponent, comparisons) run before the
    magnitude is known to be sane, so inputs like Decimal('1E+999999999') or a
    10,000-digit string never reach arithmetic that could trap or take long.
    """
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 256:
        # Plain int comparison against the bound, before Decimal(huge_int) does work.
        raise MoneyError(f"Must not exceed {max_value:f}.")
    value = _to_decimal_input(raw)

    # is_signed() is also true for -0: a '-' on an unsigned field is an error.
    if value.is_signed() and not signed:
        raise MoneyError("Must not be negative." if allow_zero else "Must be greater than zero.")
    if value.is_zero():
        if not (allow_zero or signed):
            raise MoneyError("Must be greater than zero.")
        value = Decimal(0)  # drops '-0' and odd exponents such as 0E-999999999

    # adjusted() is the exponent of the leading digit: a context-free size check.
    if not value.is_zero() and (
        value.adjusted() > max_value.adjusted() or value.copy_abs() > max_value
    ):
        raise MoneyError(f"Must not exceed {max_value:f}.")

    with localcontext() as ctx:
        # Enough digits for any in-range value at `places` decimals (+1 in case a
        # rejected value rounds up), so quantize never traps; it is exact whenever
        # the value fits, and trailing zeros ('12.500') don't count as places.
        ctx.prec = max(1, max_value.adjusted() + 2 + places)
        ctx.rounding = ROUND_HALF_EVEN
        quantized = value.quantize(Decimal((0, (1,), -places)))
    if quantized != value:
        raise MoneyError(places_message)
    return quantized


def parse_amount(
    raw: object,
    currency: str,
    *,
    signed: bool = False,
    allow_zero: bool = False,
    field: str | None = None,
) -> int:
    """Parse a client amount in major units into exact integer minor units.

    ``raw`` may be a str (query string, CSV cell), an int or a Decimal (JSON parsed with
    ``parse_float=Decimal``). Negative values need ``signed``; zero needs ``allow_zero``
    or ``signed``. ``currency`` must be an upper-case code (see normalize_currency).
    ``field``, the request field ``raw`` came from, is given to the MoneyError.
    """
    exp = currency_exponent(currency)
    try:
        value = _checked(
            raw,
            places=exp,
            max_value=MAX_AMOUNT,
            signed=signed,
            allow_zero=allow_zero,
            places_message=f"Too many decimal places for {currency} (at most {exp}).",
        )
    except MoneyError as exc:
        raise MoneyError(str(exc), field=field) from None
    # value has exactly `exp` places, so its coefficient *is* the minor-unit count.
    sign, digits, _ = value.as_tuple()
    minor = int("".join(map(str, digits)))
    return -minor if sign else minor


def parse_decimal(
    raw: object,
    *,
    max_places: int,
    max_value: Decimal,
    signed: bool = False,
    allow_zero: bool = False,
) -> Decimal:
    """Parse a bounded decimal that is not money (a percentage, a share weight).

    Same syntax rules as parse_amount, at most ``max_places`` decimals and
    ``|value| <= max_value``. Returns the exact value in plain form: no trailing
    fractional zeros and no exponent notation ('50.00' -> Decimal('50')).
    """
    value = _checked(
        raw,
        places=max_places,
        max_value=max_value,
        signed=signed,
        allow_zero=allow_zero,
        places_message=f"Too many decimal places (at most {max_places}).",
    )
    if value.is_zero():
        return Decimal(0)
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    # Strip trailing fractional zeros by hand: normalize() would turn 10 into 1E+1.
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


# --------------------------------------------------------------------------- formatting


def to_decimal(minor: int, currency: str) -> Decimal:
    """Exact Decimal for ``minor`` units, with exactly the currency's number of places."""
    exp = currency_exponent(currency)
    # Built from the tuple rather than by division, so no context precision is involved.
    sign, digits, _ = Decimal(minor).as_tuple()
    return Decimal((sign, digits, -exp))


def format_amount(minor: int, currency: str) -> str:
    """Canonical string for an amount: exactly the currency's places, no separators.

    1250 USD -> '12.50', 1000 JPY -> '1000', 1000 KWD -> '1.000', -5 USD -> '-0.05'.
    """
    # Integer arithmetic only: lists format thousands of amounts per request, and this is
    # several times faster than formatting to_decimal()'s Decimal (tests compare the two).
    places = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    if places == 0:
        return f"{sign}{abs(minor)}"
    units, cents = divmod(abs(minor), 10**places)
    return f"{sign}{units}.{cents:0{places}d}"


def format_decimal(value: Decimal, places: int) -> str:
    """Fixed-point string with exactly ``places`` decimals ((Decimal('33.3'), 2) -> '33.30').

    Values with more places are rounded half-even (only relevant for computed values;
    anything from parse_decimal with max_places <= places is shown exactly).
    """
    if not value.is_finite():
        raise ValueError("Cannot format a non-finite Decimal.")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_EVEN
        text = format(value, f".{places}f")
    # A zero (or something rounding to zero) is shown without a sign.
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    return text


@lru_cache(maxsize=1)
def currencies_by_exponent() -> dict[int, frozenset[str]]:
    """Every ISO 4217 code with minor units, grouped by how many (for per-currency SQL)."""
    groups: dict[int, set[str]] = {}
    for currency in Currency:
        if currency.exponent is not None:
            groups.setdefault(currency.exponent, set()).add(currency.code)
    return {exponent: frozenset(codes) for exponent, codes in groups.items()}


@lru_cache(maxsize=1)
def accepted_currencies() -> list[str]:
    """Every code `normalize_currency` accepts, upper case, sorted (the OpenAPI enum)."""
    return sorted(code for codes in currencies_by_exponent().values() for code in codes)
