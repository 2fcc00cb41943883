"""The exchange rate table: daily reference rates, per one euro, as published by the ECB.

A rate is kept as its exact decimal text (never a float: SQLite would hand a Numeric back
as one), and read back as a Decimal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.extensions import Model

RATE_TEXT_LENGTH = 40
FIRST_RATES_DAY = date(1999, 1, 4)  # the euro's first day, and the ECB's first rates


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal stored as its plain decimal text ('161.92', never '1.6192E+2')."""

    impl = String(RATE_TEXT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("DecimalText takes a finite Decimal")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class ExchangeRate(Model):
    """Units of `currency` for one euro on `day`."""

    __tablename__ = "exchange_rates"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    per_euro: Mapped[Decimal] = mapped_column(DecimalText)

    __table_args__ = (
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("length(per_euro) >= 1", name="rate_not_empty"),
        # What `flask rates import` takes (currencies/ecb_csv.py): the ECB's first day of
        # reference rates, and rates within [1e-9, 1e9] (compared as numbers by both
        # databases; the import checks them exactly first).
        CheckConstraint(f"day >= '{FIRST_RATES_DAY}'", name="day_from_1999"),
        CheckConstraint(
            "CAST(per_euro AS NUMERIC) >= 0.000000001 AND CAST(per_euro AS NUMERIC) <= 1000000000",
            name="rate_in_range",
        ),
    )
