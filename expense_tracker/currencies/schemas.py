"""Shapes of the currency list and of a day's exchange rates."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import CalendarDate
from expense_tracker.money_fields import Currency
from expense_tracker.schemas import OutputSchema, QuerySchema


class CurrencySchema(OutputSchema):
    code = ma.fields.String(metadata={"example": "JPY"})
    name = ma.fields.String(metadata={"example": "Yen"})
    minor_units = ma.fields.Integer(metadata={"description": "Decimal places of amounts."})


class ExchangeRatesQuerySchema(QuerySchema):
    base = Currency(metadata={"description": "Default: your default currency."})
    date = CalendarDate(bounded=False, metadata={"description": "Default: today (UTC)."})


class ExchangeRatesSchema(OutputSchema):
    base = ma.fields.String()
    date = ma.fields.Date(metadata={"description": "The day the rates are from."})
    rates = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={
            "description": "Units of each currency for one unit of `base`, as decimal "
            "strings of at most 12 significant digits.",
            "example": {"EUR": "0.912741", "JPY": "144.427"},
        },
    )
