"""Operator commands, run as `flask ...` would run them, checked through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from expense_tracker.domain import splits
from expense_tracker.domain.text import casefold_key
from expense_tracker.extensions import db
from expense_tracker.models import (
    Expense,
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.seeding.demo import DEMO_PASSWORD


def sign_in(client: FlaskClient, email: str, password: str) -> dict[str, str]:
    response = client.post("/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (
                User,
                Expense,
                Group,
                GroupMember,
                GroupExpense,
                ExpensePayer,
                ExpenseSplit,
                Settlement,
            )
        }


# -- create-user ---------------------------------------------------------------------------


def test_create_user_makes_an_account_that_can_sign_in(runner: Any, client: FlaskClient) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Ops@Example.com",
            "--full-name",
            "  Ops Person ",
            "--password",
            "a long enough password",
            "--currency",
            "eur",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created user" in result.output
    me = client.get(
        "/users/me", headers=sign_in(client, "ops@example.com", "a long enough password")
    )
    assert me.get_json()["full_name"] == "Ops Person"
    assert me.get_json()["default_currency"] == "EUR"


def test_create_user_prompts_for_a_hidden_password(runner: Any, client: FlaskClient) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "prompted@example.com", "--full-name", "Prompted"],
        input="typed secret words\ntyped secret words\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed secret words" not in result.output
    sign_in(client, "prompted@example.com", "typed secret words")


def test_create_user_refuses_a_taken_email(runner: Any, user: Any) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            user.email.upper(),
            "--full-name",
            "Twin",
            "--password",
            "another password",
        ]
    )
    assert result.exit_code == 1
    assert "exists" in result.output


def test_create_user_names_the_invalid_fields(runner: Any, app: Flask) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "not-an-email",
            "--full-name",
            "X",
            "--password",
            "short",
            "--currency",
            "XAU",
        ]
    )
    assert result.exit_code == 1
    for field in ("email", "password", "default_currency"):
        assert field in result.output
    assert row_counts(app)["users"] == 0


# -- seed-demo -----------------------------------------------------------------------------


def test_seed_demo_creates_a_small_realistic_data_set(
    runner: Any, client: FlaskClient, app: Flask
) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "alice@example.com" in result.output

    alice = sign_in(client, "alice@example.com", DEMO_PASSWORD)
    bob = sign_in(client, "bob@example.com", DEMO_PASSWORD)
    assert len(client.get("/expenses/", headers=alice).get_json()) >= 5
    assert client.get("/expenses/", headers=bob).get_json()

    groups = {group["name"]: group for group in client.get("/groups/", headers=alice).get_json()}
    trip = groups["Lisbon trip"]
    assert trip["member_count"] == 4  # with Dan, a guest merged into his new account
    assert trip["currency"] == "EUR"
    expenses = client.get(f"/groups/{trip['id']}/expenses/", headers=alice).get_json()
    assert {expense["split_type"] for expense in expenses} == {
        "equal",
        "exact",
        "percentage",
        "shares",
        "adjustment",
    }
    assert any(len(expense["payers"]) > 1 for expense in expenses)
    for expense in expenses:
        assert sum(Decimal(split["amount"]) for split in expense["splits"]) == Decimal(
            expense["amount"]
        )
    settlements = client.get(f"/groups/{trip['id']}/settlements", headers=alice).get_json()
    assert len(settlements) == 1
    balances = client.get(f"/groups/{trip['id']}/balances", headers=alice).get_json()
    assert sum(Decimal(row["net"]) for row in balances) == 0
    assert any(Decimal(row["net"]) != 0 for row in balances)
    assert "Flat 3B" in groups


def test_seed_demo_twice_changes_nothing(runner: Any, app: Flask) -> None:
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = row_counts(app)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "already" in again.output
    assert row_counts(app) == before


# -- seed-bench ----------------------------------------------------------------------------

BENCH_ARGS = [
    "seed-bench",
    "--users",
    "30",
    "--expenses",
    "600",
    "--groups",
    "4",
    "--group-expenses",
    "25",
    "--members",
    "4",
]


def test_seed_bench_loads_the_requested_rows(runner: Any, app: Flask) -> None:
    result = runner.invoke(args=BENCH_ARGS)
    assert result.exit_code == 0, result.output
    counts = row_counts(app)
    assert counts["users"] == 30
    assert counts["expenses"] == 600
    assert counts["groups"] == 4
    assert counts["group_members"] == 16
    assert counts["group_expenses"] == 100
    assert counts["group_expense_splits"] == 400
    assert counts["group_expense_payers"] >= 100
    assert counts["group_settlements"] == 8
    assert "rows/s" in result.output


def test_seed_bench_data_is_consistent(runner: Any, app: Flask) -> None:
    assert runner.invoke(args=BENCH_ARGS).exit_code == 0
    with app.app_context():
        expenses = db.session.execute(select(GroupExpense.id, GroupExpense.amount)).all()
        split_sums = dict(
            db.session.execute(
                select(ExpenseSplit.expense_id, func.sum(ExpenseSplit.amount)).group_by(
                    ExpenseSplit.expense_id
                )
            ).all()
        )
        payer_sums = dict(
            db.session.execute(
                select(ExpensePayer.expense_id, func.sum(ExpensePayer.amount)).group_by(
                    ExpensePayer.expense_id
                )
            ).all()
        )
        split_types = set(db.session.scalars(select(GroupExpense.split_type)))
    for expense_id, amount in expenses:
        assert split_sums[expense_id] == amount
        assert payer_sums[expense_id] == amount
    assert split_types == {"equal", "exact", "percentage", "shares", "adjustment"}


def test_bench_users_can_use_the_api(runner: Any, app: Flask, client: FlaskClient) -> None:
    assert runner.invoke(args=[*BENCH_ARGS, "--password", "bench password 1"]).exit_code == 0
    with app.app_context():
        member_id = db.session.scalar(select(GroupMember.user_id).limit(1))
    headers = sign_in(client, f"bench-user-{member_id}@example.com", "bench password 1")
    (group,) = client.get("/groups/", headers=headers).get_json()[:1]
    balances = client.get(f"/groups/{group['id']}/balances", headers=headers)
    assert balances.status_code == 200
    assert sum(Decimal(row["net"]) for row in balances.get_json()) == 0
    # The bulk load filled the members' running totals from the rows it inserted.
    assert any(Decimal(row["owed"]) for row in balances.get_json())
    verified = runner.invoke(args=["verify-balances"])
    assert verified.exit_code == 0, verified.output
    listed = client.get("/expenses/?limit=200", headers=headers)
    assert listed.status_code == 200


def test_seed_bench_adds_to_a_loaded_database(runner: Any, app: Flask, client: FlaskClient) -> None:
    assert runner.invoke(args=BENCH_ARGS).exit_code == 0
    assert runner.invoke(args=BENCH_ARGS).exit_code == 0
    assert row_counts(app)["users"] == 60
    # The id sequences moved past the loaded rows: the API can still create rows.
    response = client.post(
        "/users/",
        json={"email": "after-bench@example.com", "password": "password 123", "full_name": "A"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == 61


def test_seed_bench_refuses_groups_bigger_than_the_user_base(runner: Any) -> None:
    result = runner.invoke(args=["seed-bench", "--users", "3", "--members", "5", "--groups", "1"])
    assert result.exit_code != 0
    assert "users" in result.output


def test_seed_bench_sized_groups_come_first_with_exactly_their_expenses(
    runner: Any, app: Flask
) -> None:
    result = runner.invoke(args=[*BENCH_ARGS, "--sized-groups", "40,7,1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        group_ids = db.session.scalars(select(Group.id).order_by(Group.id)).all()
        per_group = dict(
            db.session.execute(
                select(GroupExpense.group_id, func.count()).group_by(GroupExpense.group_id)
            ).all()
        )
        members = dict(
            db.session.execute(
                select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
            ).all()
        )
        settlements = db.session.scalar(select(func.count()).select_from(Settlement))
    # The sized groups first, in the order given, then the --groups of --group-expenses.
    assert [per_group[group_id] for group_id in group_ids] == [40, 7, 1, 25, 25, 25, 25]
    assert set(members.values()) == {4}
    assert settlements == 2 * 7
    verified = runner.invoke(args=["verify-balances"])
    assert verified.exit_code == 0, verified.output


def test_seed_bench_top_user_gets_the_given_expenses(runner: Any, app: Flask) -> None:
    result = runner.invoke(args=[*BENCH_ARGS, "--top-user-expenses", "450"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first_user = db.session.scalar(select(func.min(User.id)))
        per_owner = dict(
            db.session.execute(
                select(Expense.owner_id, func.count()).group_by(Expense.owner_id)
            ).all()
        )
    assert per_owner.pop(first_user) == 450
    # The other 150 are spread over the other users.
    assert sum(per_owner.values()) == 150
    assert len(per_owner) > 20


def test_seed_bench_one_user_can_own_every_expense(runner: Any, app: Flask) -> None:
    args = ["seed-bench", "--users", "5", "--expenses", "300", "--top-user-expenses", "300"]
    result = runner.invoke(args=[*args, "--groups", "0"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        owners = db.session.scalars(select(Expense.owner_id).distinct()).all()
    assert len(owners) == 1


def test_seed_bench_options_default_to_the_uniform_data_set(runner: Any, app: Flask) -> None:
    assert runner.invoke(args=BENCH_ARGS).exit_code == 0
    with app.app_context():
        per_group = db.session.execute(
            select(GroupExpense.group_id, func.count()).group_by(GroupExpense.group_id)
        ).all()
        per_owner = db.session.execute(
            select(Expense.owner_id, func.count()).group_by(Expense.owner_id)
        ).all()
    assert sorted(count for _, count in per_group) == [25, 25, 25, 25]
    assert max(count for _, count in per_owner) < 100  # nobody owns most of the 600


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["--sized-groups", "10,x"], "whole numbers"),
        (["--sized-groups", "10,0"], "at least one expense"),
        (["--top-user-expenses", "601"], "601"),
        (["--top-user-expenses", "-1"], "top-user-expenses"),
    ],
)
def test_seed_bench_refuses_bad_sizes(runner: Any, extra: list[str], complaint: str) -> None:
    result = runner.invoke(args=[*BENCH_ARGS, *extra])
    assert result.exit_code != 0
    assert complaint in result.output


def test_seed_bench_splits_follow_the_api_rules(runner: Any, app: Flask) -> None:
    """The seeder's own arithmetic for percentage and shares splits gives what the
    `splits` functions behind the API give for the same inputs."""
    assert runner.invoke(args=[*BENCH_ARGS, "--sized-groups", "200"]).exit_code == 0
    with app.app_context():
        expenses = db.session.execute(
            select(GroupExpense.id, GroupExpense.amount, GroupExpense.split_type).where(
                GroupExpense.split_type.in_(["percentage", "shares"])
            )
        ).all()
        rows = db.session.execute(
            select(
                ExpenseSplit.expense_id,
                ExpenseSplit.user_id,
                ExpenseSplit.amount,
                ExpenseSplit.percentage_hundredths,
                ExpenseSplit.shares_hundredths,
            )
        ).all()
    by_expense: dict[int, list[Any]] = {}
    for row in rows:
        by_expense.setdefault(row.expense_id, []).append(row)
    assert len(expenses) > 50
    for expense_id, amount, split_type in expenses:
        parts = sorted(by_expense[expense_id], key=lambda row: row.user_id)
        members = [row.user_id for row in parts]
        if split_type == "percentage":
            entries = [(row.user_id, Decimal(row.percentage_hundredths) / 100) for row in parts]
            expected = splits.split_percentage(
                amount, entries, members=members, rotation_key=expense_id
            )
        else:
            entries = [(row.user_id, Decimal(row.shares_hundredths) / 100) for row in parts]
            expected = splits.split_shares(
                amount, entries, members=members, rotation_key=expense_id
            )
        assert {row.user_id: row.amount for row in parts} == expected


def test_seed_bench_expenses_can_be_searched(runner: Any, app: Flask, client: FlaskClient) -> None:
    assert runner.invoke(args=[*BENCH_ARGS, "--top-user-expenses", "300"]).exit_code == 0
    with app.app_context():
        first_user = db.session.scalar(select(func.min(User.id)))
        described = db.session.execute(
            select(Expense.description, Expense.description_key).where(Expense.description != "")
        ).all()
    assert described
    assert all(key == casefold_key(text) for text, key in described)
    headers = sign_in(client, f"bench-user-{first_user}@example.com", "bench-password")
    found = client.get("/expenses/?q=WEEKLY&limit=200", headers=headers)
    assert found.status_code == 200
    assert found.get_json()
    assert {item["description"] for item in found.get_json()} == {"weekly shop"}


def test_purge_deletes_only_expired_idempotency_records(runner: Any, app: Flask) -> None:
    from datetime import timedelta

    from expense_tracker.database import utcnow
    from expense_tracker.models import IdempotencyRecord

    with app.app_context():
        for key, expires in (
            ("old", utcnow() - timedelta(seconds=1)),
            ("live", utcnow() + timedelta(hours=1)),
        ):
            db.session.add(
                IdempotencyRecord(scope="user:1", key=key, fingerprint="f", expires_at=expires)
            )
        db.session.commit()
    result = runner.invoke(args=["purge-idempotency-keys"])
    assert result.exit_code == 0
    assert "Deleted 1 " in result.output
    with app.app_context():
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["live"]
