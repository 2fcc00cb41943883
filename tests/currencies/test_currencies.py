"""GET /currencies, `flask rates import` of the ECB's file, and GET /exchange-rates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from expense_tracker.currencies.conversion import round_significant
from tests.problems import assert_problem

SAMPLE = Path(__file__).with_name("eurofxref-hist-sample.csv")


@pytest.fixture
def rates(runner):
    result = runner.invoke(args=["rates", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    return result.output


def test_currencies_lists_every_accepted_code_with_its_minor_units(client, user):
    response = client.get("/currencies", headers=user.headers)
    assert response.status_code == 200
    rows = response.get_json()
    by_code = {row["code"]: row for row in rows}
    assert [row["code"] for row in rows] == sorted(by_code)
    assert by_code["USD"] == {"code": "USD", "name": "US Dollar", "minor_units": 2}
    assert by_code["JPY"]["minor_units"] == 0
    assert by_code["KWD"]["minor_units"] == 3
    assert by_code["CLF"]["minor_units"] == 4
    assert "XXX" not in by_code
    assert "XAU" not in by_code
    assert client.get("/currencies/", headers=user.headers).get_json() == rows
    assert_problem(client.get("/currencies"), 401, "unauthorized")


def test_import_reports_what_it_loaded_and_is_repeatable(rates, runner, client, user):
    assert "Imported 20 rates for 4 days (2024-01-02 to 2024-01-05)." in rates
    assert "Skipped currencies not accepted: BGN, CYP." in rates
    again = runner.invoke(args=["rates", "import", str(SAMPLE)])
    assert "Imported 20 rates for 4 days" in again.output
    euro = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    assert euro.get_json() == {
        "base": "EUR",
        "date": "2024-01-05",
        "rates": {
            "CHF": "0.9302",
            "CZK": "24.606",
            "GBP": "0.86055",
            "JPY": "158.23",
            "USD": "1.0921",
        },
    }


def test_cross_rates_come_from_the_nearest_earlier_day(rates, client, user):
    # 2024-01-07 is a Sunday: Friday's rates.
    response = client.get("/exchange-rates?base=usd&date=2024-01-07", headers=user.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["base"] == "USD"
    assert body["date"] == "2024-01-05"
    usd = Fraction(Decimal("1.0921"))
    assert body["rates"]["JPY"] == str(round_significant(Fraction(Decimal("158.23")) / usd))
    assert body["rates"]["JPY"] == "144.885999451"
    assert body["rates"]["EUR"] == "0.915667063456"
    assert "USD" not in body["rates"]
    for text in body["rates"].values():
        assert len(Decimal(text).normalize().as_tuple().digits) <= 12
        assert "E" not in text


def test_no_rates_that_early_is_404(rates, client, user):
    response = client.get("/exchange-rates?base=USD&date=2023-12-31", headers=user.headers)
    assert_problem(response, 404, "not-found")
    unknown = client.get("/exchange-rates?base=KWD&date=2024-01-05", headers=user.headers)
    assert_problem(unknown, 404, "not-found")
    assert_problem(
        client.get("/exchange-rates?base=XXX", headers=user.headers), 422, "validation-error"
    )


def test_a_broken_file_imports_nothing(runner, tmp_path, client, user):
    broken = tmp_path / "rates.csv"
    broken.write_text("Date,USD,JPY\n2024-01-05,1.0921,158.23\n2024-01-04,1.09x,158.15\n")
    result = runner.invoke(args=["rates", "import", str(broken)])
    assert result.exit_code != 0
    assert "Line 3" in result.output
    response = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    assert_problem(response, 404, "not-found")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Day,USD\n2024-01-05,1.0921\n")
    assert runner.invoke(args=["rates", "import", str(wrong)]).exit_code != 0
