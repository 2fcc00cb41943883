"""API documents written as JSON text by PostgreSQL, for the hot lists.

A page of fifty personal expenses read as rows costs the worker more than anything else in
the request: psycopg decodes 550 values (timestamps with their time zone, dates, Decimals)
and Python formats them again as text. PostgreSQL writes the same text in C for a tenth of
that (bench/README.md), and hands back one string per page. The expressions here write a
document exactly as the API's JSON encoder does (compact, keys in the schema's order,
amounts with every place of their currency, timestamps as `…T12:00:00.000000Z`);
tests/expenses/test_listing_sql.py compares the two byte for byte on random expenses.

PostgreSQL only: SQLite reads rows and builds the documents in Python as before.
"""

from __future__ import annotations

import functools
import operator
from decimal import Decimal
from typing import Any

from iso4217 import Currency
from sqlalchemy import Text, case, cast, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import ColumnElement

Expression = ColumnElement[Any]
# A JSON value as the parts of its text: SQL text literals and expressions, in order.
Parts = list[str | Expression]


def constant(text: str) -> Expression:
    """`text` as an SQL string literal, written into the statement (no parameter)."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def json_object(fields: dict[str, Parts]) -> Expression:
    """`{"name":value,...}` as one text expression (adjacent literals written as one)."""
    parts: Parts = []
    for index, (name, value) in enumerate(fields.items()):
        parts += [("{" if index == 0 else ",") + f'"{name}":', *value]
    parts.append("}")
    merged: list[Expression] = []
    pending = ""
    for part in parts:
        if isinstance(part, str):
            pending += part
            continue
        if pending:
            merged.append(constant(pending))
            pending = ""
        merged.append(part)
    if pending:
        merged.append(constant(pending))
    return functools.reduce(operator.add, merged)


def array(document: Any, *order_by: Any) -> Expression:
    """An aggregate: the JSON array of `document` over the rows, in `order_by`'s order, as
    a response sends it (brackets and closing newline included; `[]` for no row)."""
    items = func.string_agg(document, aggregate_order_by(constant(","), *order_by))
    return constant("[") + func.coalesce(items, constant("")) + constant("]\n")


def _or_null(column: Any, json: Expression) -> Expression:
    """`json`, or `null` where the column is NULL (if it can be)."""
    can_be_null = getattr(getattr(column, "expression", column), "nullable", True)
    return func.coalesce(json, constant("null")) if can_be_null else json


def number(column: Any) -> Parts:
    """An integer column as a JSON number."""
    return [_or_null(column, cast(column, Text))]


def string(column: Any) -> Parts:
    """A text column as a JSON string, escaped by PostgreSQL."""
    return [_or_null(column, cast(func.to_json(column), Text))]


def day(column: Any) -> Parts:
    """A date (never NULL) as the API writes it: "2025-03-01"."""
    return ['"', func.to_char(column, constant("YYYY-MM-DD")), '"']


def timestamp(column: Any) -> Parts:
    """A timestamp with time zone (never NULL) as the API writes it, in UTC with
    microseconds: "2025-03-01T12:00:00.000000Z" (fields.timestamp_text)."""
    utc = func.timezone(constant("UTC"), column)
    return ['"', func.to_char(utc, constant('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), '"']


# Every currency whose minor unit is not the cent, and its places (ISO 4217).
_PLACES = {
    currency.code: currency.exponent
    for currency in Currency
    if currency.exponent is not None and currency.exponent != 2
}


def minor_unit(currency: Any) -> Expression:
    """The value of one minor unit of `currency`, as a decimal of exactly its places:
    0.01 for all but a few, 1 for JPY, 0.001 for KWD."""
    return case(
        *(
            (constant(code), literal_column(format(Decimal(1).scaleb(-places), "f")))
            for code, places in _PLACES.items()
        ),
        value=currency,
        else_=literal_column("0.01"),
    )


def amount(minor_units: Any, currency: Any) -> Parts:
    """An amount kept in minor units (never NULL) as the API writes it, with exactly its
    currency's places: 1250 USD "12.50", 1000 JPY "1000", 1000 KWD "1.000"
    (money.format_amount). Exact: PostgreSQL multiplies a whole number by a decimal of
    that many places, and writes the product with the places of its factors."""
    return amount_in_units(minor_units, minor_unit(currency))


def amount_in_units(minor_units: Any, unit: Any) -> Parts:
    """As `amount`, given the value of one minor unit: `minor_unit`, or a parameter when
    every row has the same currency (money.to_decimal(1, currency): one CASE fewer a row)."""
    return ['"', cast(minor_units * unit, Text), '"']
