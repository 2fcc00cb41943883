"""Group expenses in another currency than the group's: which rate, and the conversion.

The body's money (amount, payers, `exact` and `adjustment` splits) is in the expense's own
currency; the split is computed there, then the total, the payers and the splits are
converted to the group's currency so that each list sums exactly to the converted total
(`currencies.conversion.convert_parts`, ties in the spare-unit order). Balances only ever
see the converted amounts; the expense keeps the original ones and the rate.

The rate is the body's `exchange_rate`, else the rate table's for the expense's date. An
edit keeps the expense's rate unless it sends `currency` or `exchange_rate`.

Limits: a rate lies within [1e-9, 1e9], and the converted total fits the largest amount
of any money field (999,999,999.99 in the group's currency, scaled to its minor units),
else 422 at `exchange_rate`. Converted payers and splits are parts that sum to that total
and are never negative, so each of them fits too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from expense_tracker.currencies import conversion, rates
from expense_tracker.domain.money import MAX_AMOUNT, currency_exponent, format_amount
from expense_tracker.domain.splits import spare_unit_order
from expense_tracker.errors import ValidationFailed
from expense_tracker.models import Group, GroupExpense


@dataclass(frozen=True)
class Conversion:
    """From the expense's currency (`source`) to the group's (`target`) at `rate`."""

    source: str
    target: str
    rate: Decimal

    def _places(self) -> tuple[int, int]:
        return currency_exponent(self.source), currency_exponent(self.target)

    def total(self, minor: int) -> int:
        converted = conversion.convert(minor, self.rate, *self._places())
        if converted <= 0:
            raise ValidationFailed.field(
                "amount",
                f"{format_amount(minor, self.source)} {self.source} is less than the smallest "
                f"amount of {self.target} at this rate.",
            )
        if converted > largest_amount(self.target):
            raise ValidationFailed.field(
                "exchange_rate",
                f"At this rate {format_amount(minor, self.source)} {self.source} is more than "
                f"{format_amount(largest_amount(self.target), self.target)} {self.target}, "
                "the largest amount an expense may have.",
            )
        return converted

    def splits(self, amounts: Mapping[int, int], rotation_key: int) -> dict[int, int]:
        return conversion.convert_parts(
            amounts, self.rate, *self._places(), spare_unit_order(amounts, rotation_key)
        )

    def payers(self, amounts: Mapping[int, int], rotation_key: int) -> dict[int, int]:
        converted = self.splits(amounts, rotation_key)
        for index, (user_id, amount) in enumerate(sorted(converted.items())):
            if amount <= 0:
                raise ValidationFailed.field(
                    f"payers.{index}.amount",
                    f"User {user_id}'s part is less than the smallest amount of {self.target} "
                    "at this rate.",
                )
        return converted


def largest_amount(currency: str) -> int:
    """The largest amount of any money field, in `currency`'s minor units."""
    return int(MAX_AMOUNT.scaleb(currency_exponent(currency)).to_integral_value(ROUND_FLOOR))


def given(group: Group, currency: str, rate: Decimal) -> Conversion:
    """The conversion at a rate the client sent; 422 at `exchange_rate` out of range."""
    if not conversion.rate_in_range(rate):
        raise ValidationFailed.field(
            "exchange_rate",
            f"Must be from {conversion.MIN_RATE} to {conversion.MAX_RATE}.",
        )
    return Conversion(currency, group.currency, rate)


def _conversion(group: Group, currency: str, rate: Decimal | None, day: date) -> Conversion:
    if rate is not None:
        return given(group, currency, rate)
    rate = rates.rate_for(currency, group.currency, day)
    if not conversion.rate_in_range(rate):
        # Two table rates in range may still cross out of it (1e-9 and 1e9 per euro).
        raise ValidationFailed.field(
            "exchange_rate",
            f"The rate table's {currency} to {group.currency} rate ({rate}) is outside "
            f"{conversion.MIN_RATE} to {conversion.MAX_RATE}: send exchange_rate.",
        )
    return Conversion(currency, group.currency, rate)


def for_new_expense(group: Group, data: Mapping[str, Any]) -> Conversion | None:
    """The conversion a create body asks for; None for an expense in the group's currency."""
    currency = data.get("currency", group.currency)
    if currency == group.currency:
        _no_rate_without_conversion(data)
        return None
    return _conversion(group, currency, data.get("exchange_rate"), data["date"])


def for_template(group: Group, data: Mapping[str, Any]) -> Conversion | None:
    """The conversion a recurring template fixes: None in the group's currency, and when
    it leaves the rate to the rate table on each occurrence's date."""
    currency = data.get("currency", group.currency)
    if currency == group.currency:
        _no_rate_without_conversion(data)
        return None
    rate = data.get("exchange_rate")
    return None if rate is None else given(group, currency, rate)


def for_edit(group: Group, expense: GroupExpense, changes: Mapping[str, Any]) -> Conversion | None:
    """The conversion after an edit: the one sent, else the expense's own (same rate)."""
    currency = changes.get("currency", expense.input_currency)
    if currency == group.currency:
        _no_rate_without_conversion(changes)
        return None
    rate = changes.get("exchange_rate")
    if rate is None and currency == expense.original_currency:
        rate = expense.exchange_rate
    return _conversion(group, currency, rate, changes.get("date", expense.date))


def _no_rate_without_conversion(data: Mapping[str, Any]) -> None:
    if "exchange_rate" in data:
        raise ValidationFailed.field(
            "exchange_rate", "Only for an expense in another currency than the group's."
        )
