"""The kept expense summaries stay exactly what the rows say, whatever writes ran.

Random sequences of personal expense writes (create, edit, delete, CSV import) go through
the HTTP API; afterwards the summary answered from the kept cells must equal the summary
computed from the rows (a `min_amount=0` filter, which the cells cannot answer, forces the
rows), the category list must be what the listed expenses say, and `flask verify-balances`
must find nothing. On PostgreSQL, writers race on one user's expenses.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from expense_tracker.expenses import summary_audit
from expense_tracker.extensions import db
from expense_tracker.models import ExpenseSummaryCell
from tests.factories import Account, run_at_once

# Spellings that fold together, and one with a longer fold.
CATEGORIES = ("Food", "FOOD", "food", "Straße", "STRASSE", "Rent")
METHODS = ("cash", "credit_card", "bank_transfer")
CURRENCIES = (("USD", 2), ("EUR", 2), ("JPY", 0))
MONTHS = ((2024, 1), (2024, 2), (2024, 3), (2025, 2))
OPERATIONS = ("create", "create", "create", "edit", "edit", "delete", "import")
GROUPINGS = ("category", "month", "payment_method")
# Filters the cells answer; each is compared with the same filter answered from the rows.
CELL_FILTERS = (
    {},
    {"date_from": "2024-02-01", "date_to": "2024-03-31"},
    {"date_to": "2024-01-31"},
    {"category": "food"},
    {"category": "strasse", "currency": "EUR"},
    {"payment_method": "cash"},
)


class LedgerDriver:
    """Random personal expense writes of one user, through the API."""

    def __init__(self, client: FlaskClient, account: Account, rng: random.Random) -> None:
        self.client, self.account, self.rng = client, account, rng
        self.ids: list[int] = []

    def body(self) -> dict[str, Any]:
        currency, places = self.rng.choice(CURRENCIES)
        year, month = self.rng.choice(MONTHS)
        minor = self.rng.randint(1, 50_000)
        amount = str(minor) if places == 0 else f"{minor // 100}.{minor % 100:02d}"
        return {
            "date": date(year, month, self.rng.randint(1, 28)).isoformat(),
            "category": self.rng.choice(CATEGORIES),
            "amount": amount,
            "currency": currency,
            "payment_method": self.rng.choice(METHODS),
        }

    def run(self, operation: str) -> None:
        if operation in ("edit", "delete") and not self.ids:
            operation = "create"
        getattr(self, "import_csv" if operation == "import" else operation)()

    def create(self) -> None:
        response = self.client.post("/expenses/", json=self.body(), headers=self.account.headers)
        assert response.status_code == 201, response.get_json()
        self.ids.append(response.get_json()["id"])

    def edit(self) -> None:
        expense_id = self.rng.choice(self.ids)
        full = self.body()
        names = self.rng.sample(sorted(full), self.rng.randint(1, 3))
        changes = {name: full[name] for name in names}
        if "currency" in changes or "amount" in changes:
            changes["currency"], changes["amount"] = full["currency"], full["amount"]
        response = self.client.patch(
            f"/expenses/{expense_id}", json=changes, headers=self.account.headers
        )
        assert response.status_code == 200, response.get_json()

    def delete(self) -> None:
        expense_id = self.ids.pop(self.rng.randrange(len(self.ids)))
        response = self.client.delete(f"/expenses/{expense_id}", headers=self.account.headers)
        assert response.status_code == 204

    def import_csv(self) -> None:
        lines = ["date,category,amount,currency,description,payment_method"]
        for index in range(self.rng.randint(1, 4)):
            row = self.body()
            lines.append(
                f"{row['date']},{row['category']},{row['amount']},{row['currency']},"
                f"line {index} {self.rng.random()},{row['payment_method']}"
            )
        data = "\n".join(lines).encode()
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "x.csv")})
        response = self.client.post(
            "/expenses/import",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers=self.account.headers,
        )
        assert response.status_code == 201, response.get_json()


def assert_summaries_match_the_rows(app: Flask, client: FlaskClient, account: Account) -> None:
    with app.app_context():
        assert summary_audit.drifted_users([account.id]) == []
    for filters in CELL_FILTERS:
        for group_by in GROUPINGS:
            query = {"group_by": group_by, **filters}
            kept = client.get("/expenses/summary", query_string=query, headers=account.headers)
            rows = client.get(
                "/expenses/summary",
                query_string={**query, "min_amount": "0"},
                headers=account.headers,
            )
            assert kept.status_code == rows.status_code == 200
            assert kept.get_json() == rows.get_json(), query
    listed = client.get("/expenses/?limit=200", headers=account.headers).get_json()
    latest: dict[str, tuple[str, int, str]] = {}
    counts: defaultdict[str, int] = defaultdict(int)
    for row in listed:
        key = row["category"].casefold()
        counts[key] += 1
        position = (row["created_at"], row["id"], row["category"])
        latest[key] = max(latest.get(key, position), position)
    expected = sorted(
        ({"category": latest[key][2], "count": count} for key, count in counts.items()),
        key=lambda item: (-item["count"], item["category"]),
    )
    categories = client.get("/expenses/categories", headers=account.headers).get_json()
    assert categories == expected


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=25),
)
def test_kept_summaries_equal_the_rows_after_any_writes(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    account = make_user()
    driver = LedgerDriver(client, account, random.Random(seed))
    for operation in operations:
        driver.run(operation)
    assert_summaries_match_the_rows(app, client, account)


def test_a_filter_the_cells_cannot_answer_reads_the_rows(client: FlaskClient, user: Account):
    for day, amount in (("2024-01-10", "5.00"), ("2024-01-20", "7.00"), ("2024-02-01", "1.00")):
        body = {"date": day, "category": "Food", "amount": amount, "payment_method": "cash"}
        assert client.post("/expenses/", json=body, headers=user.headers).status_code == 201
    within_a_month = client.get(
        "/expenses/summary?group_by=month&date_from=2024-01-15&date_to=2024-02-29",
        headers=user.headers,
    ).get_json()
    assert within_a_month == [
        {"key": "2024-01", "currency": "USD", "total": "7.00", "count": 1},
        {"key": "2024-02", "currency": "USD", "total": "1.00", "count": 1},
    ]
    searched = client.get("/expenses/summary?max_amount=6", headers=user.headers).get_json()
    assert searched == [{"key": "Food", "currency": "USD", "total": "6.00", "count": 2}]


def test_a_deleted_account_leaves_no_summaries(
    app: Flask, client: FlaskClient, make_user_via_api: Any
) -> None:
    account = make_user_via_api()
    body = {"date": "2024-01-10", "category": "Food", "amount": "5", "payment_method": "cash"}
    assert client.post("/expenses/", json=body, headers=account.headers).status_code == 201
    response = client.delete(
        "/users/me", json={"current_password": account.password}, headers=account.headers
    )
    assert response.status_code == 204
    with app.app_context():
        cells = db.session.query(ExpenseSummaryCell).filter_by(owner_id=account.id).count()
    assert cells == 0


def test_verify_balances_finds_and_repairs_a_drifted_summary(
    app: Flask, client: FlaskClient, runner: Any, user: Account
) -> None:
    driver = LedgerDriver(client, user, random.Random(3))
    for _ in range(6):
        driver.create()
    assert runner.invoke(args=["verify-balances"]).exit_code == 0
    with app.app_context():
        db.session.execute(
            update(ExpenseSummaryCell)
            .where(ExpenseSummaryCell.owner_id == user.id)
            .values(total=ExpenseSummaryCell.total + 1)
        )
        db.session.commit()
    found = runner.invoke(args=["verify-balances"])
    assert found.exit_code == 1
    assert f"user {user.id}: expense summaries differ from the rows" in found.output
    repaired = runner.invoke(args=["verify-balances", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(args=["verify-balances"]).exit_code == 0
    assert_summaries_match_the_rows(app, client, user)


def test_concurrent_writers_keep_the_summaries_exact(
    app: Flask, make_user: Any, database_url: str
) -> None:
    """One user's writes at once, on PostgreSQL: no count or total lost or doubled."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: there is no concurrent write to race")
    account = make_user()
    seeder = LedgerDriver(app.test_client(), account, random.Random(0))
    for _ in range(12):
        seeder.create()

    def writer(seed: int) -> None:
        driver = LedgerDriver(app.test_client(), account, random.Random(seed))
        # Each writer edits and deletes only its own share of the seeded expenses.
        driver.ids = seeder.ids[seed::4]
        for _ in range(12):
            driver.run(driver.rng.choice(("create", "edit", "delete", "import")))

    assert run_at_once(4, writer) == []
    assert_summaries_match_the_rows(app, app.test_client(), account)
