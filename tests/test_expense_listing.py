"""The group expense list, built from plain rows, is exactly what GroupExpenseSchema dumps."""

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
from sqlalchemy.orm import selectinload

from expense_tracker.expenses.schemas import ExpenseSchema
from expense_tracker.expenses.service import SORT_ORDERS
from expense_tracker.extensions import db
from expense_tracker.groups.schemas.expenses import GroupExpenseSchema
from expense_tracker.models import Expense, GroupExpense
from expense_tracker.money import currency_exponent, format_amount
from tests.test_running_totals import GroupDriver


@settings(
    max_examples=15,
    deadline=None,  # each example makes dozens of HTTP requests: its time is not the point
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(
        st.sampled_from(["create", "create", "edit_split", "edit_payers", "mark_paid", "delete"]),
        min_size=1,
        max_size=12,
    ),
)
def test_the_list_shows_each_expense_as_its_schema_dumps_it(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(4)], random.Random(seed))
    driver.create()
    for operation in operations:
        driver.run(operation)
    listed = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    assert listed.status_code == 200
    with app.app_context():
        expenses = db.session.scalars(
            select(GroupExpense)
            .where(GroupExpense.group_id == driver.group_id)
            .order_by(GroupExpense.date.desc(), GroupExpense.id.desc())
            .options(selectinload(GroupExpense.payers), selectinload(GroupExpense.splits))
        ).all()
        dumped = GroupExpenseSchema(many=True).dump(expenses)
    assert listed.get_json() == dumped
    assert listed.headers["X-Total-Count"] == str(len(expenses))


def test_a_deep_page_and_filters_keep_the_order_and_the_total(
    client: FlaskClient, make_user: Any
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(3)], random.Random(3))
    for _ in range(12):
        driver.create()
    everything = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    ids = [expense["id"] for expense in everything.get_json()]
    page = client.get(driver.url("/expenses/?skip=5&limit=4"), headers=driver.owner.headers)
    assert [expense["id"] for expense in page.get_json()] == ids[5:9]
    assert page.headers["X-Total-Count"] == "12"
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]
    member = driver.members[1]
    involving = client.get(
        driver.url(f"/expenses/?involving={member}&limit=200"), headers=driver.owner.headers
    ).get_json()
    expected = [
        expense["id"]
        for expense in everything.get_json()
        if member in {row["user_id"] for row in expense["payers"] + expense["splits"]}
    ]
    assert [expense["id"] for expense in involving] == expected


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


def next_link(response: Any) -> str | None:
    for part in response.headers.get("Link", "").split(", "):
        if part.endswith('rel="next"'):
            return part[1 : part.index(">")]
    return None


def walk(client: FlaskClient, url: str, account: Any) -> list[int]:
    """Every id of a list, following its next links from `url`."""
    ids: list[int] = []
    while url:
        response = client.get(url, headers=account.headers)
        assert response.status_code == 200, response.get_json()
        ids += [row["id"] for row in response.get_json()]
        url = next_link(response)
    return ids


def test_next_links_walk_the_group_list_by_position(client: FlaskClient, make_user: Any) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(3)], random.Random(5))
    for _ in range(11):
        driver.create()
    everything = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    first = client.get(driver.url("/expenses/?limit=3"), headers=driver.owner.headers)
    assert "after=" in next_link(first)
    assert walk(client, driver.url("/expenses/?limit=3"), driver.owner) == [
        row["id"] for row in everything.get_json()
    ]


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
