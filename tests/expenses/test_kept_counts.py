"""The kept expense counts (users' and groups') always equal the rows, and verify-balances
finds and repairs a wrong one."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from expense_tracker.extensions import db
from expense_tracker.models import User
from tests.problems import assert_problem


def total(client: FlaskClient, account: Any) -> int:
    response = client.get("/expenses/?limit=1", headers=account.headers)
    assert response.status_code == 200
    return int(response.headers["X-Total-Count"])


def add(client: FlaskClient, account: Any, day: str = "2025-01-02") -> int:
    response = client.post(
        "/expenses/",
        json={"date": day, "category": "Food", "amount": "3", "payment_method": "cash"},
        headers=account.headers,
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_the_personal_total_follows_creates_deletes_and_imports(
    client: FlaskClient, make_user: Any
) -> None:
    owner, other = make_user(), make_user()
    ids = [add(client, owner) for _ in range(3)]
    add(client, other)
    assert total(client, owner) == 3
    assert client.delete(f"/expenses/{ids[0]}", headers=owner.headers).status_code == 204
    # Someone else's id is a 404 and changes nobody's count.
    assert_problem(client.delete(f"/expenses/{ids[1]}", headers=other.headers), 404, "not-found")
    assert total(client, owner) == 2
    assert total(client, other) == 1
    csv = "date,category,amount,currency,description,payment_method\n" + "".join(
        f"2025-02-0{day},Rent,{day}00,USD,,cash\n" for day in range(1, 5)
    )
    imported = client.post(
        "/expenses/import",
        data={"file": (io.BytesIO(csv.encode()), "expenses.csv")},
        headers=owner.headers,
    )
    assert imported.status_code == 201, imported.get_json()
    assert total(client, owner) == 6
    # A filtered list is counted by the database, and agrees.
    filtered = client.get("/expenses/?category=rent&limit=1", headers=owner.headers)
    assert filtered.headers["X-Total-Count"] == "4"


def test_verify_balances_repairs_a_wrong_user_count(
    app: Flask, client: FlaskClient, runner: Any, make_user: Any
) -> None:
    owner = make_user()
    for _ in range(2):
        add(client, owner)
    with app.app_context():
        db.session.execute(update(User).where(User.id == owner.id).values(expense_count=7))
        db.session.commit()
    found = runner.invoke(args=["verify-balances"])
    assert found.exit_code == 1
    assert f"user {owner.id}: expense_count 7, rows say 2" in found.output
    repaired = runner.invoke(args=["verify-balances", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "1 user expense count(s)" in repaired.output
    assert total(client, owner) == 2
    assert runner.invoke(args=["verify-balances"]).exit_code == 0
