"""Group expenses in another currency than the group's: rates, exact conversion, edits."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import add_expense, cents, group_with, nets
from tests.problems import assert_problem

SAMPLE = Path(__file__).parents[1] / "currencies" / "eurofxref-hist-sample.csv"


def _post(client, group_id, account, **body):
    body = {"description": "Sushi", "amount": "1000", "split_type": "equal", **body}
    return client.post(f"/groups/{group_id}/expenses", json=body, headers=account.headers)


def test_a_given_rate_converts_amount_payers_and_splits_exactly(client, trio):
    group_id, owner, a, _b = trio
    response = _post(client, group_id, owner, currency="jpy", exchange_rate="0.0067")
    assert response.status_code == 201, response.get_json()
    expense = response.get_json()
    assert expense["currency"] == "USD"
    assert expense["amount"] == "6.70"
    assert expense["original_amount"] == "1000"
    assert expense["original_currency"] == "JPY"
    assert expense["exchange_rate"] == "0.0067"
    assert expense["payers"] == [{"user_id": owner.id, "amount": "6.70", "original_amount": "1000"}]
    originals = [int(s["original_amount"]) for s in expense["splits"]]
    assert sorted(originals) == [333, 333, 334]
    assert sum(cents(s["amount"]) for s in expense["splits"]) == 670
    # Balances use the converted amounts, and still sum to zero.
    balances = nets(client, group_id, owner)
    assert sum(cents(net) for net in balances.values()) == 0
    assert cents(balances[owner.id]) == 670 - cents(
        next(s["amount"] for s in expense["splits"] if s["user_id"] == owner.id)
    )
    # The list shows what GET shows.
    listed = client.get(f"/groups/{group_id}/expenses/", headers=a.headers).get_json()
    assert listed == [
        client.get(f"/groups/{group_id}/expenses/{expense['id']}", headers=a.headers).get_json()
    ]


def test_exact_and_adjustment_splits_are_in_the_original_currency(client, trio):
    group_id, owner, a, b = trio
    exact = _post(
        client,
        group_id,
        owner,
        amount="1001",
        currency="JPY",
        exchange_rate="0.0066",
        split_type="exact",
        splits=[
            {"user_id": owner.id, "amount": "501"},
            {"user_id": a.id, "amount": "300"},
            {"user_id": b.id, "amount": "200"},
        ],
    ).get_json()
    # By hand: 1001 JPY x 0.0066 = 6.6066 USD, to the cent 6.61. The shares convert to
    # 3.3066, 1.98 and 1.32: 6.60 in whole cents, and the cent left over goes to the share
    # that lost the most in rounding (owner's 0.0066).
    assert Decimal(1001) * Decimal("0.0066") == Decimal("6.6066")
    assert exact["amount"] == "6.61"
    assert {s["user_id"]: s["amount"] for s in exact["splits"]} == {
        owner.id: "3.31",
        a.id: "1.98",
        b.id: "1.32",
    }
    adjusted = _post(
        client,
        group_id,
        owner,
        amount="1000",
        currency="JPY",
        exchange_rate="0.0066",
        split_type="adjustment",
        splits=[{"user_id": a.id, "adjustment": "100"}, {"user_id": b.id, "adjustment": "-50"}],
    )
    assert adjusted.status_code == 201, adjusted.get_json()
    body = adjusted.get_json()
    assert {s["user_id"]: s["adjustment"] for s in body["splits"]} == {a.id: "100", b.id: "-50"}
    assert sum(cents(s["amount"]) for s in body["splits"]) == cents(body["amount"])
    mismatch = _post(
        client,
        group_id,
        owner,
        amount="1000",
        currency="JPY",
        exchange_rate="0.0066",
        split_type="exact",
        splits=[{"user_id": owner.id, "amount": "999"}],
    )
    assert_problem(mismatch, 422, "validation-error")
    assert mismatch.get_json()["difference"] == "1"


def test_usd_into_a_kwd_group_has_three_places(client, make_user):
    owner = make_user(default_currency="KWD")
    group_id = group_with(client, owner)
    response = _post(
        client, group_id, owner, amount="10.00", currency="USD", exchange_rate="0.30715"
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == "3.072"  # 3.0715 half to even


@pytest.mark.parametrize(
    ("rate", "ok"),
    [
        ("1.23456789012", True),
        ("1.234567890123", False),
        ("0", False),
        ("-1", False),
        ("1e2", False),
        ("abc", False),
    ],
)
def test_rates_have_at_most_12_significant_digits(client, trio, rate, ok):
    group_id, owner, *_ = trio
    response = _post(client, group_id, owner, amount="100.00", currency="EUR", exchange_rate=rate)
    assert response.status_code == (201 if ok else 422), response.get_json()
    if ok:
        assert response.get_json()["exchange_rate"] == rate
        assert response.get_json()["amount"] == "123.46"
    else:
        assert "exchange_rate" in response.get_json()["errors"]


def test_a_rate_needs_another_currency(client, trio):
    group_id, owner, *_ = trio
    response = _post(client, group_id, owner, amount="10", exchange_rate="1.1")
    assert_problem(response, 422, "validation-error")
    assert "exchange_rate" in response.get_json()["errors"]


def test_the_rate_table_gives_the_rate_of_the_expense_date(client, trio, runner):
    group_id, owner, *_ = trio
    assert runner.invoke(args=["rates", "import", str(SAMPLE)]).exit_code == 0
    # Saturday 2024-01-06: Friday's rates, JPY -> USD = 1.0921 / 158.23.
    response = _post(client, group_id, owner, amount="10000", currency="JPY", date="2024-01-06")
    assert response.status_code == 201, response.get_json()
    expense = response.get_json()
    assert expense["exchange_rate"] == "0.0069019781331"  # 12 significant digits
    rate = Decimal(expense["exchange_rate"])
    assert abs(rate - Decimal("1.0921") / Decimal("158.23")) < Decimal("1e-13")
    # By hand: 10000 JPY x 0.0069019781331 = 69.019781331 USD, to the cent 69.02.
    assert Decimal(10000) * rate == Decimal("69.019781331")
    assert expense["amount"] == "69.02"
    late = _post(client, group_id, owner, amount="100", currency="JPY", date="2024-01-13")
    assert_problem(late, 422, "rate-unavailable")
    assert "exchange_rate" in late.get_json()["errors"]


def test_too_small_to_convert_is_refused(client, trio):
    group_id, owner, *_ = trio
    response = _post(client, group_id, owner, amount="1", currency="JPY", exchange_rate="0.001")
    assert_problem(response, 422, "validation-error")
    assert "amount" in response.get_json()["errors"]


def test_edits_work_in_the_expense_currency_and_keep_its_rate(client, trio, runner):
    group_id, owner, _a, _b = trio
    expense = _post(client, group_id, owner, currency="JPY", exchange_rate="0.0067").get_json()
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    renamed = client.patch(url, json={"description": "Ramen"}, headers=owner.headers).get_json()
    assert renamed["amount"] == "6.70"
    assert renamed["exchange_rate"] == "0.0067"
    bigger = client.patch(url, json={"amount": "3000"}, headers=owner.headers).get_json()
    assert bigger["amount"] == "20.10"
    assert bigger["original_amount"] == "3000"
    assert sum(cents(s["amount"]) for s in bigger["splits"]) == 2010
    rerated = client.patch(url, json={"exchange_rate": "0.007"}, headers=owner.headers).get_json()
    assert rerated["amount"] == "21.00"
    needs_amount = client.patch(url, json={"currency": "USD"}, headers=owner.headers)
    assert_problem(needs_amount, 422, "validation-error")
    assert "amount" in needs_amount.get_json()["errors"]
    plain = client.patch(url, json={"currency": "USD", "amount": "20.00"}, headers=owner.headers)
    assert plain.status_code == 200, plain.get_json()
    body = plain.get_json()
    assert body["original_amount"] is None
    assert body["exchange_rate"] is None
    assert all("original_amount" not in s for s in body["splits"])
    again = client.patch(
        url, json={"currency": "EUR", "amount": "10", "exchange_rate": "1.1"}, headers=owner.headers
    ).get_json()
    assert again["amount"] == "11.00"
    assert again["original_currency"] == "EUR"
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output


def test_settlements_stay_in_the_group_currency(client, trio):
    group_id, owner, a, _ = trio
    add_expense(client, group_id, owner)
    response = client.post(
        f"/groups/{group_id}/settlements",
        json={"to_user": owner.id, "amount": "1", "currency": "EUR"},
        headers=a.headers,
    )
    assert_problem(response, 422, "validation-error")
    assert "currency" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("amount", "rate"),
    [
        ("999999999.99", "10000000"),  # was stored as 9,999,999,999,900,000.00
        ("999999999.99", "1000000000"),  # the largest rate, still too much
        ("1000000", "1000"),  # 1,000,000,000.00: one unit over
    ],
)
def test_a_converted_amount_above_the_largest_amount_is_refused(client, trio, amount, rate):
    group_id, owner, *_ = trio
    response = _post(client, group_id, owner, amount=amount, currency="EUR", exchange_rate=rate)
    assert_problem(response, 422, "validation-error")
    assert "exchange_rate" in response.get_json()["errors"]
    listed = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert listed.headers["X-Total-Count"] == "0"
    assert set(nets(client, group_id, owner).values()) == {"0.00"}


def test_the_largest_amount_itself_converts(client, trio):
    group_id, owner, *_ = trio
    response = _post(
        client, group_id, owner, amount="99999999.999", currency="KWD", exchange_rate="10"
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == "999999999.99"


@pytest.mark.parametrize(
    "rate", ["1000000000.1", "10000000000", "0.0000000009", "0." + "0" * 29 + "1", "1" + "0" * 29]
)
def test_rates_outside_1e_minus_9_to_1e9_are_refused(client, trio, rate):
    group_id, owner, *_ = trio
    response = _post(client, group_id, owner, amount="1.00", currency="EUR", exchange_rate=rate)
    assert_problem(response, 422, "validation-error")
    assert "exchange_rate" in response.get_json()["errors"]


def test_the_limit_is_in_the_group_currencys_minor_units(client, make_user):
    owner = make_user()
    jpy = group_with(client, owner, currency="JPY")
    fits = _post(client, jpy, owner, amount="9999999.99", currency="USD", exchange_rate="100")
    assert fits.status_code == 201, fits.get_json()
    assert fits.get_json()["amount"] == "999999999"
    over = _post(client, jpy, owner, amount="10000000.00", currency="USD", exchange_rate="100")
    assert_problem(over, 422, "validation-error")
    assert "exchange_rate" in over.get_json()["errors"]


def test_an_edit_cannot_convert_above_the_largest_amount(client, trio):
    group_id, owner, *_ = trio
    expense = _post(client, group_id, owner, amount="10.00", currency="EUR", exchange_rate="1.1")
    url = f"/groups/{group_id}/expenses/{expense.get_json()['id']}"
    edit = client.patch(url, json={"exchange_rate": "1000000000"}, headers=owner.headers)
    assert_problem(edit, 422, "validation-error")
    assert "exchange_rate" in edit.get_json()["errors"]
    assert client.get(url, headers=owner.headers).get_json()["amount"] == "11.00"
