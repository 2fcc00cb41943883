"""The personal expense list, built from plain rows, is exactly what ExpenseSchema dumps;
its next links walk it in every order."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from expense_tracker.domain.money import currency_exponent, format_amount
from expense_tracker.expenses.schemas import ExpenseSchema
from expense_tracker.expenses.service import SORT_ORDERS
from expense_tracker.extensions import db
from expense_tracker.models import Expense
from tests.factories import walk


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    expenses=st.lists(
        st.tuples(
            st.sampled_from(["USD", "JPY", "KWD", "EUR"]),
            st.integers(min_value=1, max_value=99_999_999_999),
            st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 1, 1)),
            # Printable text: control characters are refused at input (tested elsewhere).
            st.text(
                st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                min_size=1,
                max_size=20,
            ).filter(lambda text: text.strip()),
        ),
        min_size=1,
        max_size=8,
    ),
    sort=st.sampled_from(["-date", "date", "-amount", "amount"]),
)
def test_the_personal_list_shows_each_expense_as_its_schema_dumps_it(
    app: Flask,
    client: FlaskClient,
    make_user: Any,
    expenses: list[tuple[str, int, date, str]],
    sort: str,
) -> None:
    owner = make_user()
    for currency, minor, day, category in expenses:
        response = client.post(
            "/expenses/",
            json={
                "date": day.isoformat(),
                "category": category,
                # Within the contract's largest amount (999,999,999 whole units).
                "amount": format_amount(
                    min(minor, 999_999_999 * 10 ** currency_exponent(currency)), currency
                ),
                "currency": currency,
                "description": category[::-1],
                "payment_method": "credit_card",
            },
            headers=owner.headers,
        )
        assert response.status_code == 201, response.get_json()
    listed = client.get(f"/expenses/?sort={sort}&limit=200", headers=owner.headers)
    with app.app_context():
        rows = db.session.scalars(
            select(Expense).where(Expense.owner_id == owner.id).order_by(*SORT_ORDERS[sort])
        ).all()
        assert listed.get_json() == ExpenseSchema(many=True).dump(rows)
    assert listed.headers["X-Total-Count"] == str(len(expenses))


@pytest.mark.parametrize("sort", ["-date", "date", "-amount", "amount"])
def test_next_links_walk_the_personal_list_in_every_order(
    client: FlaskClient, make_user: Any, sort: str
) -> None:
    owner = make_user()
    rng = random.Random(sort)
    for _ in range(13):
        currency = rng.choice(["USD", "JPY", "KWD"])
        response = client.post(
            "/expenses/",
            json={
                "date": f"2025-0{rng.randint(1, 3)}-1{rng.randint(0, 2)}",  # many ties
                "category": "Food",
                "amount": str(rng.choice([1, 5, 100, 250])),  # ties across currencies
                "currency": currency,
                "payment_method": "cash",
            },
            headers=owner.headers,
        )
        assert response.status_code == 201, response.get_json()
    everything = client.get(f"/expenses/?sort={sort}&limit=200", headers=owner.headers)
    expected = [row["id"] for row in everything.get_json()]
    assert walk(client, f"/expenses/?sort={sort}&limit=4", owner) == expected
    page = client.get(f"/expenses/?sort={sort}&limit=4&skip=4", headers=owner.headers)
    assert [row["id"] for row in page.get_json()] == expected[4:8]
    assert page.headers["X-Total-Count"] == "13"


@pytest.mark.parametrize("after", ["x", "2025-01-01", "2025-13-01_4", "_", "12_x", "1" * 65])
def test_an_after_that_is_no_position_is_refused(
    client: FlaskClient, user: Any, after: str
) -> None:
    response = client.get(f"/expenses/?after={after}", headers=user.headers)
    assert response.status_code == 422
    assert "after" in response.get_json()["errors"]
