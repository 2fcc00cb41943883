"""The OpenAPI document states what the request fields accept: what it describes passes.

Generated clients (and schemathesis) build requests from the document's patterns and
bounds; every value they can draw from them must pass the fields' own checks, and the
values at the edges must be described.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import marshmallow as ma
import pytest
from hypothesis import given
from hypothesis import strategies as st

from expense_tracker.database import utc_today
from expense_tracker.domain import money
from expense_tracker.fields import (
    ANY_TEXT,
    DOCUMENTED_DATES,
    LATEST_DATE_AHEAD,
    NON_BLANK_TEXT,
    CalendarDate,
    Text,
)
from expense_tracker.money_fields import Amount, DecimalString

FIELDS = [
    Amount(),
    Amount(allow_zero=True),
    Amount(signed=True, allow_zero=True),
    DecimalString(places=2, max_value=Decimal(100)),
    DecimalString(places=2, max_value=Decimal(1_000_000)),
]


@pytest.mark.parametrize("field", FIELDS, ids=repr)
@given(data=st.data())
def test_every_documented_decimal_string_is_accepted(
    field: ma.fields.Field, data: st.DataObject
) -> None:
    pattern = field.request_forms()[0]["pattern"]
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    field.deserialize(text)  # raises ValidationError when refused


@pytest.mark.parametrize(
    ("field", "edges", "outside"),
    [
        (Amount(), ["0.01", "0.0001", "999999999.99", "1"], ["0", "0.00", "1000000000", "-1"]),
        (Amount(allow_zero=True), ["0", "0.00", "12.5"], ["-1", "1.23456"]),
        (Amount(signed=True, allow_zero=True), ["-999999999.99", "-0.5", "0"], ["+1", "1e3"]),
        (
            DecimalString(places=2, max_value=Decimal(100)),
            ["100", "100.00", "0.01"],
            ["0", "100.5"],
        ),
    ],
)
def test_the_edges_are_described_and_what_is_refused_is_not(
    field: ma.fields.Field, edges: list[str], outside: list[str]
) -> None:
    pattern = re.compile(field.request_forms()[0]["pattern"])
    assert [edge for edge in edges if not pattern.fullmatch(edge)] == []
    assert [value for value in outside if pattern.fullmatch(value)] == []


@given(st.from_regex(NON_BLANK_TEXT, fullmatch=True).filter(lambda text: len(text) <= 100))
def test_documented_required_text_is_accepted(text: str) -> None:
    Text(min_length=1, max_length=100).deserialize(text)


@given(st.from_regex(ANY_TEXT, fullmatch=True).filter(lambda text: len(text) <= 50))
def test_documented_optional_text_is_accepted(text: str) -> None:
    Text(max_length=50).deserialize(text)


def test_the_documented_currencies_are_the_accepted_ones() -> None:
    for code in money.accepted_currencies():
        assert money.normalize_currency(code.lower()) == code
    assert "XXX" not in money.accepted_currencies()


@given(st.from_regex(DOCUMENTED_DATES, fullmatch=True))
def test_documented_dates_are_accepted_up_to_the_described_bound(text: str) -> None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return  # not a day of its month, which `format: date` already rules out
    if day <= utc_today() + LATEST_DATE_AHEAD:  # the description's bound
        CalendarDate().deserialize(text)


def test_the_documented_dates_reach_the_bounds() -> None:
    pattern = re.compile(DOCUMENTED_DATES)
    ahead = (utc_today() + LATEST_DATE_AHEAD).isoformat()
    assert [text for text in ("1900-01-01", "1999-12-31", ahead) if not pattern.match(text)] == []
    outside = ("1899-12-31", "2024-13-01", "2024-01-32", "2024-1-05")
    assert [text for text in outside if pattern.match(text)] == []
