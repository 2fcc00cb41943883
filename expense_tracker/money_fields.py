"""Marshmallow fields for money: currencies, amounts, exact decimals, exchange rates.
Amounts load to exact Decimals and dump as strings: never a float."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import marshmallow as ma

from expense_tracker.domain import money

# Money is checked in two steps: syntax, sign and size when the body is loaded (any
# currency allows at most this many places), then the currency's own minor units once the
# currency is known (`money.parse_amount`).
MAX_CURRENCY_PLACES = 4


def decimal_pattern(max_value: Decimal, places: int, *, signed: bool, allow_zero: bool) -> str:
    """A regular expression for the plain decimal strings `money.parse_decimal` accepts with
    these bounds (documentation: the OpenAPI document states it, a test proves it)."""
    whole = str(int(max_value))
    fraction = f"(?:\\.[0-9]{{1,{places}}})?" if places else ""
    if set(whole) == {"9"}:  # 999,999,999.99: fewer digits, or as many with its places
        top_places = min(places, max(0, -int(max_value.as_tuple().exponent)))
        top = f"[1-9][0-9]{{{len(whole) - 1}}}"
        top += f"(?:\\.[0-9]{{1,{top_places}}})?" if top_places else ""
        below = f"{top}|[1-9][0-9]{{0,{len(whole) - 2}}}{fraction}"
    else:  # a power of ten (100, 1,000,000): fewer digits, or exactly it
        assert whole == "1" + "0" * (len(whole) - 1), whole
        exact = f"{whole}(?:\\.0{{1,{places}}})?" if places else whole
        below = f"{exact}|[1-9][0-9]{{0,{len(whole) - 2}}}{fraction}"
    # Zero itself, or (when it must be positive) zero point something, not all zeros.
    zero = f"0{fraction}" if allow_zero else f"0\\.[0-9]{{0,{places - 1}}}[1-9]"
    return f"^{'-?' if signed else ''}(?:{below}|{zero})$"


def decimal_number(max_value: Decimal, *, signed: bool, allow_zero: bool) -> dict[str, Any]:
    """The same bounds for a JSON number. Its decimal places are checked as the string's
    are, which JSON Schema cannot say of binary floats (`multipleOf: 0.01` refuses 0.29,
    whose float is not an exact multiple): the description says it."""
    bounds: dict[str, Any] = {
        "type": "number",
        "minimum": -float(max_value) if signed else 0,
        "maximum": float(max_value),
        "description": "As a JSON number: the same value, with no more decimal places.",
    }
    if not signed and not allow_zero:
        bounds["exclusiveMinimum"] = True
    return bounds


class Currency(ma.fields.String):
    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "description": "ISO 4217 code with minor units; any letter case is accepted.",
            "example": "USD",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return money.normalize_currency(value)
        except money.MoneyError as exc:
            raise ma.ValidationError(str(exc)) from None


class Amount(ma.fields.Field):
    """Money in, as a JSON number or a plain decimal string; the canonical string out.

    Loads to an exact Decimal (`money.parse_amount` makes minor units of it once the
    currency is known). Dumps integer minor units, using the currency of the dumped object.
    """

    def __init__(
        self,
        *,
        signed: bool = False,
        allow_zero: bool = False,
        currency_attribute: str = "currency",
        **kwargs: Any,
    ) -> None:
        metadata = {
            "type": "string",
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$" if signed else r"^[0-9]+(\.[0-9]+)?$",
            "example": "12.50",
            "description": "Decimal string with the currency's minor units; requests may also "
            "send a JSON number.",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)
        self.signed = signed
        self.allow_zero = allow_zero
        # Where the dumped object names the amount's currency.
        self.currency_attribute = currency_attribute

    def request_forms(self) -> list[dict[str, Any]]:
        """What a request may send (openapi.py): the string and the number forms."""
        text = decimal_pattern(
            money.MAX_AMOUNT, MAX_CURRENCY_PLACES, signed=self.signed, allow_zero=self.allow_zero
        )
        number = decimal_number(money.MAX_AMOUNT, signed=self.signed, allow_zero=self.allow_zero)
        return [{"type": "string", "pattern": text}, number]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return money.parse_decimal(
                value,
                max_places=MAX_CURRENCY_PLACES,
                max_value=money.MAX_AMOUNT,
                signed=self.signed,
                allow_zero=self.allow_zero,
            )
        except money.MoneyError as exc:
            raise ma.ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        name = self.currency_attribute
        currency = obj[name] if isinstance(obj, Mapping) else getattr(obj, name)
        return money.format_amount(int(value), currency)


class DecimalString(ma.fields.Field):
    """A non-money decimal (percentages, shares), exact in and a fixed-point string out."""

    def __init__(self, *, places: int, max_value: Decimal, **kwargs: Any) -> None:
        metadata = {"type": "string", "example": "33.33", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.places = places
        self.max_value = max_value

    def request_forms(self) -> list[dict[str, Any]]:
        """What a request may send (openapi.py): the string and the number forms."""
        text = decimal_pattern(self.max_value, self.places, signed=False, allow_zero=False)
        number = decimal_number(self.max_value, signed=False, allow_zero=False)
        return [{"type": "string", "pattern": text}, number]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return money.parse_decimal(value, max_places=self.places, max_value=self.max_value)
        except money.MoneyError as exc:
            raise ma.ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else money.format_decimal(Decimal(value), self.places)


class ExchangeRate(ma.fields.Field):
    """A rate: a plain decimal string (or JSON number) > 0 with at most 12 significant
    digits, loaded as an exact Decimal, dumped as its plain text."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "pattern": r"^[0-9]+(\.[0-9]+)?$",
            "example": "0.0067",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        message = "Must be a decimal greater than zero with at most 12 significant digits."
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ma.ValidationError(message)
        text = value.strip() if isinstance(value, str) else format(value, "f")
        if not RATE_TEXT.fullmatch(text):
            raise ma.ValidationError(message)
        rate = Decimal(text)
        if rate <= 0 or len(rate.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
            raise ma.ValidationError(message)
        return rate

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(value, "f")


RATE_TEXT = re.compile(r"[0-9]{1,30}(\.[0-9]{1,30})?", re.ASCII)
MAX_RATE_DIGITS = 12
