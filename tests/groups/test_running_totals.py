"""Members' running totals stay exactly equal to a recomputation from the rows.

Random sequences of every write that moves money (expenses created, edited and deleted,
payers and splits changed, shares marked paid and unpaid, settlements recorded and
deleted, expenses and settlements restored, members leaving and joining again, expenses
in another currency, guests added and merged into accounts) go through the HTTP API; after
each sequence the stored totals must equal `balance_audit.recompute` for every member, and
the API's balances must be what the totals say. `flask verify-balances` finds and repairs
drift.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from expense_tracker.extensions import db
from expense_tracker.groups.balances import audit as balance_audit
from expense_tracker.models import Group, GroupMember
from tests.factories import Account, cents, run_at_once
from tests.groups.random_writes import GroupDriver

OPERATIONS = (
    "create",
    "create",
    "edit_amount",
    "edit_split",
    "edit_payers",
    "delete",
    "restore",
    "mark_paid",
    "mark_unpaid",
    "settle",
    "delete_settlement",
    "restore_settlement",
    "leave_and_rejoin",
    "create_foreign",
    "add_guest",
    "add_guest",
    "merge_guest",
)


def assert_totals_match_the_rows(app: Flask, client: FlaskClient, group_id: int, viewer: Account):
    with app.app_context():
        assert list(balance_audit.find_drift([group_id])) == []
        assert list(balance_audit.find_count_drift([group_id])) == []
        stored = balance_audit.stored([group_id])
    rows = client.get(f"/groups/{group_id}/balances", headers=viewer.headers).get_json()
    assert sum(cents(row["net"]) for row in rows) == 0
    for row in rows:
        totals = stored[(group_id, row["user_id"])]
        assert [cents(row[name]) for name in ("paid", "owed", "sent", "received")] == [
            totals.paid,
            totals.owed,
            totals.sent,
            totals.received,
        ]


@settings(
    max_examples=25,
    deadline=None,  # each example makes dozens of HTTP requests: its time is not the point
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=30),
)
def test_running_totals_equal_a_recomputation_after_any_writes(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(4)], random.Random(seed))
    for operation in operations:
        driver.run(operation)
    assert_totals_match_the_rows(app, client, driver.group_id, driver.owner)


def test_concurrent_writers_keep_the_totals_exact(
    app: Flask, make_user: Any, database_url: str
) -> None:
    """Writers in one group at once, on PostgreSQL: no increment is lost or doubled."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: there is no concurrent write to race")
    accounts = [make_user() for _ in range(4)]
    driver = GroupDriver(app.test_client(), accounts, random.Random(1))
    for _ in range(10):
        driver.create()

    def writer(seed: int) -> None:
        mine = GroupDriver.__new__(GroupDriver)
        mine.__dict__.update(driver.__dict__)
        mine.client = app.test_client()
        mine.rng = random.Random(seed)
        mine.expenses = dict(driver.expenses)
        mine.settlements = []
        for _ in range(15):
            mine.run(mine.rng.choice(("create", "settle", "edit_amount", "mark_paid")))

    assert run_at_once(4, writer) == []
    assert_totals_match_the_rows(app, driver.client, driver.group_id, driver.owner)


def test_verify_balances_names_the_drifted_group_and_repairs_it(
    app: Flask, client: FlaskClient, runner: Any, make_user: Any
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(3)], random.Random(7))
    other = GroupDriver(client, [make_user() for _ in range(3)], random.Random(8))
    for _ in range(5):
        driver.create()
        other.create()
    driver.mark_paid()
    driver.settle()

    clean = runner.invoke(args=["verify-balances"])
    assert clean.exit_code == 0, clean.output
    assert "match" in clean.output

    victim = driver.owner.id
    with app.app_context():
        db.session.execute(
            update(GroupMember)
            .where(GroupMember.group_id == driver.group_id, GroupMember.user_id == victim)
            .values(paid=GroupMember.paid + 1)
        )
        db.session.commit()

    found = runner.invoke(args=["verify-balances"])
    assert found.exit_code == 1
    assert f"group {driver.group_id}, user {victim}:" in found.output
    assert f"group {other.group_id}," not in found.output
    assert "--repair" in found.output

    only_other = runner.invoke(args=["verify-balances", "--group", str(other.group_id)])
    assert only_other.exit_code == 0, only_other.output
    assert (
        other.client.get(other.url("/expenses/"), headers=other.owner.headers).headers[
            "X-Total-Count"
        ]
        == "5"
    )

    with app.app_context():
        db.session.execute(update(Group).where(Group.id == other.group_id).values(expense_count=99))
        db.session.commit()
    counted = runner.invoke(args=["verify-balances", "--group", str(other.group_id)])
    assert counted.exit_code == 1
    assert f"group {other.group_id}: expense_count 99, rows say 5" in counted.output

    repaired = runner.invoke(args=["verify-balances", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Repaired 1 member row(s)" in repaired.output
    assert runner.invoke(args=["verify-balances"]).exit_code == 0
    assert_totals_match_the_rows(app, client, driver.group_id, driver.owner)
