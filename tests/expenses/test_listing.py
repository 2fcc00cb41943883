"""The personal expense list, built from plain rows, shows each expense as the client sent it
and in the order asked for; its next links walk it in every order.

The expected documents and orders are worked out here from what the test sent, not from the
code under test (its sort orders or its schema)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import walk
from tests.problems import assert_problem

# ISO 4217 minor units of the currencies used here.
PLACES = {"USD": 2, "JPY": 0, "KWD": 3, "EUR": 2}
LARGEST_WHOLE_UNITS = 999_999_999  # the contract's largest amount


def decimal_text(minor: int, currency: str) -> str:
    """`minor` units of `currency` as the API writes an amount: every place, no exponent."""
    places = PLACES[currency]
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def expected_order(documents: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """`sort` as the API documents it: by date or by face value (whatever the currency),
    ties by id, `-` for descending (both keys)."""
    key = sort.lstrip("-")

    def sort_key(document: dict[str, Any]) -> tuple[Any, int]:
        value = document["date"] if key == "date" else Decimal(document["amount"])
        return value, document["id"]

    return sorted(documents, key=sort_key, reverse=sort.startswith("-"))


def test_amount_order_compares_face_values_across_currencies(
    client: FlaskClient, user: Any
) -> None:
    sent = [("12.50", "USD"), ("1250", "JPY"), ("12.500", "KWD"), ("0.999", "KWD")]
    ids = []
    for amount, currency in sent:
        response = client.post(
            "/expenses/",
            json={
                "date": "2025-03-01",
                "category": "Food",
                "amount": amount,
                "currency": currency,
                "payment_method": "cash",
            },
            headers=user.headers,
        )
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    usd, jpy, kwd, small = ids
    listed = client.get("/expenses/?sort=amount", headers=user.headers).get_json()
    # 0.999 < 12.50 = 12.500 (a tie: by id) < 1250.
    assert [row["id"] for row in listed] == [small, usd, kwd, jpy]
    listed = client.get("/expenses/?sort=-amount", headers=user.headers).get_json()
    assert [row["id"] for row in listed] == [jpy, kwd, usd, small]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    expenses=st.lists(
        st.tuples(
            st.sampled_from(sorted(PLACES)),
            st.integers(min_value=1, max_value=99_999_999_999),
            st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 1, 1)),
            # Printable text: control and format characters are refused at input (tested
            # elsewhere).
            st.text(
                st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")),
                min_size=1,
                max_size=20,
            ).filter(lambda text: text.strip()),
        ),
        min_size=1,
        max_size=8,
    ),
    sort=st.sampled_from(["-date", "date", "-amount", "amount"]),
)
def test_the_personal_list_shows_each_expense_as_it_was_sent(
    client: FlaskClient,
    make_user: Any,
    expenses: list[tuple[str, int, date, str]],
    sort: str,
) -> None:
    owner = make_user()
    documents = []
    for currency, minor, day, category in expenses:
        amount = decimal_text(min(minor, LARGEST_WHOLE_UNITS * 10 ** PLACES[currency]), currency)
        response = client.post(
            "/expenses/",
            json={
                "date": day.isoformat(),
                "category": category,
                "amount": amount,
                "currency": currency,
                "description": category[::-1],
                "payment_method": "credit_card",
            },
            headers=owner.headers,
        )
        assert response.status_code == 201, response.get_json()
        created = response.get_json()
        documents.append(
            {
                # The server's to give: its id and its clock.
                "id": created["id"],
                "created_at": created["created_at"],
                "updated_at": created["updated_at"],
                # What was sent, text trimmed.
                "date": day.isoformat(),
                "category": category.strip(),
                "amount": amount,
                "currency": currency,
                "description": category[::-1].strip(),
                "payment_method": "credit_card",
                # Not from a recurring series.
                "series_id": None,
                "occurrence": None,
            }
        )
    listed = client.get(f"/expenses/?sort={sort}&limit=200", headers=owner.headers)
    assert listed.get_json() == expected_order(documents, sort)
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
    assert_problem(response, 422, "validation-error")
    assert "after" in response.get_json()["errors"]
