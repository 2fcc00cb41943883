"""My money in one currency: GET /expenses/summary?in=...&include=group_shares.

Rates are chosen so that every expected total can be worked out by hand: on 2024-03-01 one
euro is 1.25 USD and 0.8 GBP (so 1 USD = 0.8 EUR, 1 GBP = 1.25 EUR), and 160 JPY."""

from __future__ import annotations

import pytest

from tests.factories import add_expense, group_with

RATES = "Date,USD,GBP,JPY,\n2024-03-01,1.25,0.8,160,\n"


@pytest.fixture
def rate_table(runner, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(RATES)
    result = runner.invoke(args=["rates", "import", str(path)])
    assert result.exit_code == 0, result.output


def spend(client, account, amount, currency, date, category="Food", method="cash"):
    body = {
        "amount": amount,
        "currency": currency,
        "date": date,
        "category": category,
        "payment_method": method,
    }
    response = client.post("/expenses/", json=body, headers=account.headers)
    assert response.status_code == 201, response.get_json()


def summary(client, account, **query):
    response = client.get("/expenses/summary", query_string=query, headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_amount_is_converted_at_its_dates_rate(client, user, rate_table):
    spend(client, user, "10.00", "EUR", "2024-03-01")
    spend(client, user, "12.50", "USD", "2024-03-01")  # 10.00 EUR
    spend(client, user, "3.33", "GBP", "2024-03-03", "Travel")  # rate of 03-01: 4.1625
    assert summary(client, user, **{"in": "EUR"}) == [
        {"key": "Food", "currency": "EUR", "total": "20.00", "count": 2},
        {"key": "Travel", "currency": "EUR", "total": "4.16", "count": 1},
    ]
    assert summary(client, user, **{"in": "JPY", "group_by": "month"}) == [
        # 24.1625 EUR at 160 JPY: 3866 JPY
        {"key": "2024-03", "currency": "JPY", "total": "3866", "count": 3},
    ]


def test_a_total_is_the_exact_sum_rounded_once(client, user, rate_table):
    for _ in range(3):
        spend(client, user, "0.01", "USD", "2024-03-01")
    # 3 x 0.008 EUR = 0.024 EUR -> 0.02 (three amounts rounded one by one would say 0.03)
    [row] = summary(client, user, **{"in": "EUR"})
    assert row == {"key": "Food", "currency": "EUR", "total": "0.02", "count": 3}


def test_a_date_without_a_rate_is_named(client, user, rate_table):
    spend(client, user, "5.00", "USD", "2024-03-01")
    spend(client, user, "5.00", "USD", "2024-02-01")
    spend(client, user, "5.00", "USD", "2024-01-15")
    response = client.get("/expenses/summary?in=EUR", headers=user.headers)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == "/problems/rate-unavailable"
    assert "2024-01-15" in problem["detail"]


def test_amounts_already_in_the_currency_need_no_rate(client, user):
    spend(client, user, "7.00", "EUR", "2024-03-01")
    spend(client, user, "3.00", "EUR", "2024-05-20", "Books")
    assert summary(client, user, **{"in": "EUR"}) == summary(client, user)


def test_my_group_shares_count_in_their_category_and_under_group(
    client, user, other_user, rate_table
):
    spend(client, user, "12.50", "USD", "2024-03-01", "Dinner", "credit_card")  # 10.00 EUR
    group_id = group_with(client, other_user, user, currency="EUR")
    add_expense(
        client,
        group_id,
        other_user,
        description="Dinner out",
        amount="30.00",
        date="2024-03-01",
        category="dinner",
    )
    # A deleted expense counts for nothing.
    gone = add_expense(client, group_id, other_user, amount="99.00", date="2024-03-01")
    client.delete(f"/groups/{group_id}/expenses/{gone['id']}", headers=other_user.headers)

    by_category = summary(client, user, **{"in": "EUR", "include": "group_shares"})
    assert by_category == [{"key": "Dinner", "currency": "EUR", "total": "25.00", "count": 2}]
    by_method = summary(
        client, user, **{"in": "EUR", "include": "group_shares", "group_by": "payment_method"}
    )
    assert by_method == [
        {"key": "credit_card", "currency": "EUR", "total": "10.00", "count": 1},
        {"key": "group", "currency": "EUR", "total": "15.00", "count": 1},
    ]
    only_group = summary(
        client, user, **{"include": "group_shares", "in": "EUR", "payment_method": "credit_card"}
    )
    assert only_group == [{"key": "Dinner", "currency": "EUR", "total": "10.00", "count": 1}]


def test_include_alone_converts_to_my_default_currency(client, user, rate_table):
    changed = client.patch("/users/me", json={"default_currency": "GBP"}, headers=user.headers)
    assert changed.status_code == 200
    spend(client, user, "10.00", "EUR", "2024-03-01")  # 8.00 GBP
    rows = summary(client, user, include="group_shares")
    assert rows == [{"key": "Food", "currency": "GBP", "total": "8.00", "count": 1}]


def test_unknown_values_are_refused(client, user):
    for query in ("in=EURO", "include=everything"):
        response = client.get(f"/expenses/summary?{query}", headers=user.headers)
        assert response.status_code == 422
        assert response.get_json()["type"] == "/problems/validation-error"
