"""On PostgreSQL the usual page of the personal list is written by the database
(expenses/listing.py, http/sql_json.py). Whatever the expenses hold (every currency's
places, text that JSON must escape, timestamps to the microsecond, series or not), the
page is byte for byte what the documented schema dumps, encoded as every other response
is; and its next link continues where it ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iso4217 import Currency

from expense_tracker.expenses.schemas import ExpenseSchema
from expense_tracker.extensions import db
from expense_tracker.models import Expense, RecurringSeries
from expense_tracker.models.expense import PAYMENT_METHODS
from tests.factories import Account, next_link

CURRENCIES = sorted(currency.code for currency in Currency if currency.exponent is not None)

# Text a row may hold, whatever the API lets in today: quotes, backslashes, control
# characters, every script (PostgreSQL's text holds no NUL, and UTF-8 no lone surrogate).
ANY_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TIMESTAMPS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@pytest.fixture
def postgresql_app(app: Flask) -> Flask:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL writes the page; on SQLite Python does (test_listing.py)")
    return app


def expected_page(owner_id: int, skip: int, limit: int) -> bytes:
    """The page as the schema dumps it, newest first (ties: the larger id first)."""
    expenses = db.session.scalars(db.select(Expense).where(Expense.owner_id == owner_id)).all()
    ordered = sorted(expenses, key=lambda expense: (expense.date, expense.id), reverse=True)
    return orjson.dumps(ExpenseSchema(many=True).dump(ordered[skip : skip + limit])) + b"\n"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    expenses=st.lists(
        st.fixed_dictionaries(
            {
                "currency": st.sampled_from(CURRENCIES),
                "amount": st.integers(min_value=1, max_value=99_999_999_999_999),
                "date": st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
                "category": st.text(ANY_TEXT, min_size=1, max_size=50),
                "description": st.text(ANY_TEXT, max_size=60),
                "payment_method": st.sampled_from(PAYMENT_METHODS),
                "created_at": TIMESTAMPS,
                "updated_at": TIMESTAMPS,
                "in_series": st.booleans(),
            }
        ),
        max_size=12,
    ),
    skip=st.integers(min_value=0, max_value=4),
    limit=st.integers(min_value=1, max_value=8),
)
def test_the_page_postgresql_writes_is_the_schemas_page_byte_for_byte(
    postgresql_app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Account],
    expenses: list[dict[str, Any]],
    skip: int,
    limit: int,
) -> None:
    owner = make_user()
    with postgresql_app.app_context():
        series = RecurringSeries(
            owner_id=owner.id,
            created_by=owner.id,
            template="{}",
            frequency="monthly",
            start_date=date(2025, 1, 1),
            next_date=date(2025, 1, 1),
        )
        db.session.add(series)
        db.session.flush()
        for occurrence, fields in enumerate(expenses):
            in_series = fields.pop("in_series")
            db.session.add(
                Expense(
                    owner_id=owner.id,
                    series_id=series.id if in_series else None,
                    occurrence=occurrence if in_series else None,
                    **fields,
                )
            )
        db.session.commit()
        expected = expected_page(owner.id, skip, limit)

    response = client.get(f"/expenses/?skip={skip}&limit={limit}", headers=owner.headers)

    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.data == expected


def test_the_next_link_of_a_written_page_starts_after_its_last_row(
    postgresql_app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner = make_user()
    # Five expenses on two dates: the page ends inside a date, so the position needs the id.
    for day in ("2025-03-02", "2025-03-02", "2025-03-02", "2025-03-01", "2025-03-01"):
        body = {"date": day, "category": "Food", "amount": "1.00", "payment_method": "cash"}
        assert client.post("/expenses/", json=body, headers=owner.headers).status_code == 201
    everything = client.get("/expenses/?limit=50", headers=owner.headers).get_json()

    first = client.get("/expenses/?limit=2", headers=owner.headers)
    second = client.get(next_link(first) or "", headers=owner.headers)
    third = client.get(next_link(second) or "", headers=owner.headers)

    pages = [first.get_json(), second.get_json(), third.get_json()]
    assert [[row["id"] for row in page] for page in pages] == [
        [row["id"] for row in everything[start : start + 2]] for start in (0, 2, 4)
    ]
    assert next_link(third) is None
    assert first.headers["X-Total-Count"] == "5"
