"""/currencies and /exchange-rates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_jwt_extended import current_user
from iso4217 import Currency

from expense_tracker.currencies import rates
from expense_tracker.currencies.schemas import (
    CurrencySchema,
    ExchangeRatesQuerySchema,
    ExchangeRatesSchema,
)
from expense_tracker.database import utc_today
from expense_tracker.http.api import Blueprint, auth_required

blp = Blueprint("currencies", __name__, description="Currencies and exchange rates")


@lru_cache(maxsize=1)
def accepted_currencies() -> tuple[dict[str, Any], ...]:
    """Every ISO 4217 currency with minor units (what money.py accepts), by code."""
    return tuple(
        {"code": currency.code, "name": currency.currency_name, "minor_units": currency.exponent}
        for currency in sorted(Currency, key=lambda currency: currency.code)
        if currency.exponent is not None
    )


@blp.get("/currencies")
@auth_required()
@blp.response(200, CurrencySchema(many=True))
def list_currencies() -> list[dict[str, Any]]:
    """Every currency the service accepts, with its minor units, by code"""
    return list(accepted_currencies())


@blp.get("/exchange-rates")
@auth_required()
@blp.arguments(ExchangeRatesQuerySchema, location="query")
@blp.response(200, ExchangeRatesSchema)
@blp.errors(404, 422)
def exchange_rates(query: dict[str, Any]) -> dict[str, Any]:
    """The rate table's rates for one unit of `base`, on the nearest day on or before `date`"""
    base = query.get("base") or current_user.default_currency
    day, table = rates.rates_on(base, query.get("date") or utc_today())
    return {"base": base, "date": day, "rates": {code: f"{rate:f}" for code, rate in table.items()}}
