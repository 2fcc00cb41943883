"""The rate table takes only rates the service may convert with, and never answers a rate
older than 7 days for a date."""

from __future__ import annotations

from pathlib import Path

from tests.problems import assert_problem

SAMPLE = Path(__file__).with_name("eurofxref-hist-sample.csv")


def _import(runner, path):
    return runner.invoke(args=["rates", "import", str(path)])


def test_import_refuses_rates_out_of_range_naming_every_line_and_changes_nothing(
    runner, tmp_path, client, user
):
    assert _import(runner, SAMPLE).exit_code == 0
    before = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    huge = "1" + "0" * 56  # 1e56: one significant digit
    tiny = "0." + "0" * 29 + "1"  # 30 decimals: 1e-30
    bad = tmp_path / "rates.csv"
    bad.write_text(
        "Date,USD,JPY\n"
        "2024-01-05,2.5,158.23\n"
        f"2024-01-04,{huge},158.15\n"
        f"2024-01-03,1.0919,{tiny}\n"
        "2024-01-02,1000000000.5,155.76\n"
    )
    result = _import(runner, bad)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for line in ("Line 3: USD", "Line 4: JPY", "Line 5: USD"):
        assert line in result.output
    assert "Line 2" not in result.output
    after = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    assert after.get_json() == before.get_json()  # not even the good line's 2.5


def test_import_takes_the_range_bounds_themselves(runner, tmp_path, client, user):
    edge = tmp_path / "edge.csv"
    edge.write_text("Date,USD,JPY\n2024-01-05,0.000000001,1000000000\n")
    assert _import(runner, edge).exit_code == 0
    rates = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    assert rates.get_json()["rates"]["JPY"] == "1000000000"


def test_import_refuses_days_before_the_first_reference_rates(runner, tmp_path, client, user):
    old = tmp_path / "old.csv"
    old.write_text("Date,USD\n2024-01-05,1.0921\n1999-01-04,1.1789\n0001-01-01,1.5\n")
    result = _import(runner, old)
    assert result.exit_code == 1
    assert "Line 4: 0001-01-01 is before 1999-01-04" in result.output
    assert "Line 3" not in result.output
    response = client.get("/exchange-rates?base=EUR&date=2024-01-05", headers=user.headers)
    assert_problem(response, 404, "not-found")


def test_exchange_rates_look_back_seven_days_at_most(runner, client, user):
    assert _import(runner, SAMPLE).exit_code == 0  # 2024-01-02 .. 2024-01-05
    week = client.get("/exchange-rates?base=USD&date=2024-01-12", headers=user.headers)
    assert week.status_code == 200
    assert week.get_json()["date"] == "2024-01-05"
    stale = client.get("/exchange-rates?base=USD&date=2026-01-01", headers=user.headers)
    assert_problem(stale, 404, "not-found")
    assert_problem(
        client.get("/exchange-rates?base=USD&date=2024-01-13", headers=user.headers),
        404,
        "not-found",
    )
