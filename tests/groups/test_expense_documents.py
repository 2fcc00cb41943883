"""Each group expense's kept document (groups/expense_documents.py) is, after every kind of
write, the document of the expense's current version: exactly what `GET` on the expense
sends (built from the ORM objects by the schema, not from the kept JSON), and the list
sends the kept documents as they are.

Every write that makes or changes a group expense is here: create, edit (amount, split,
payers), a share marked paid and unpaid, delete and restore, a guest merged into an
account, a recurring series' occurrences (in the request and by the runner), the
Splitwise import, and the migration that fills the documents of existing expenses.
"""

from __future__ import annotations

import os
import random
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select

from expense_tracker import create_app
from expense_tracker.database import utc_today
from expense_tracker.extensions import db
from expense_tracker.models import GroupExpense, GroupExpenseDocument
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.factories import Account, add_expense, create_account, group_with, new_group
from tests.groups.random_writes import GroupDriver
from tests.groups.test_splitwise_import import EXAMPLE, upload

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BEFORE_DOCUMENTS = "e22a00000001"


def _kept(app: Flask, group_id: int) -> dict[int, tuple[int, int, int, str]]:
    """expense id -> (expense version, kept version, kept shape, kept body), every expense
    of the group (deleted ones too), kept or not (then version and shape -1, body "")."""
    with app.app_context():
        rows = db.session.execute(
            select(
                GroupExpense.id,
                GroupExpense.version,
                GroupExpenseDocument.version,
                GroupExpenseDocument.shape,
                GroupExpenseDocument.body,
            )
            .outerjoin(GroupExpenseDocument, GroupExpenseDocument.expense_id == GroupExpense.id)
            .where(GroupExpense.group_id == group_id, GroupExpense.deleted_at.is_(None))
        ).all()
        db.session.remove()
    return {
        expense_id: (version, -1 if kept is None else kept, -1 if shape is None else shape, body)
        for expense_id, version, kept, shape, body in rows
    }


def assert_kept_documents_are_current(
    app: Flask, client: FlaskClient, group_id: int, account: Account
) -> int:
    """Every live expense of the group has a kept document of its current version, equal
    to its `GET`; the list sends exactly those documents. The number of expenses."""
    kept = _kept(app, group_id)
    for expense_id, (version, kept_version, shape, body) in kept.items():
        answer = client.get(f"/groups/{group_id}/expenses/{expense_id}", headers=account.headers)
        assert answer.status_code == 200
        assert answer.headers["ETag"].startswith(f'"{expense_id}.{version}')
        assert (kept_version, shape) == (version, 1), expense_id
        assert orjson.loads(body) == answer.get_json()
    listed = client.get(f"/groups/{group_id}/expenses/?limit=200", headers=account.headers)
    assert listed.status_code == 200
    expected_bodies = {expense_id: body for expense_id, (_, _, _, body) in kept.items()}
    listed_ids = [document["id"] for document in listed.get_json()]
    assert sorted(listed_ids) == sorted(expected_bodies)
    assert (
        listed.get_data()
        == ("[" + ",".join(expected_bodies[i] for i in listed_ids) + "]\n").encode()
    )
    return len(kept)


@settings(
    max_examples=10,
    deadline=None,  # each example makes dozens of HTTP requests: its time is not the point
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(
        st.sampled_from(
            [
                "create",
                "create",
                "create_foreign",
                "edit_amount",
                "edit_split",
                "edit_payers",
                "mark_paid",
                "mark_unpaid",
                "delete",
                "restore",
                "add_guest",
                "merge_guest",
            ]
        ),
        min_size=1,
        max_size=14,
    ),
)
def test_after_random_writes_each_kept_document_is_the_expense_as_get_shows_it(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(4)], random.Random(seed))
    driver.add_guest()
    driver.create()
    for operation in operations:
        driver.run(operation)
    assert_kept_documents_are_current(app, client, driver.group_id, driver.owner)


def test_a_guest_merge_keeps_the_new_documents_of_the_expenses_it_changes(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner, friend, newcomer = make_user(), make_user(), make_user()
    driver = GroupDriver(client, [owner, friend, newcomer], random.Random(7))
    driver.add_guest()
    guest = driver.guests[0]
    for amount in ("10.00", "20.01", "3.33"):
        add_expense(
            client,
            driver.group_id,
            owner,
            amount=amount,
            paid_by=guest,
            participants=[guest, friend.id],
        )
    before = _kept(app, driver.group_id)
    url = driver.url(f"/guests/{guest}/merge")
    asked = client.post(url, json={"user_id": newcomer.id}, headers=owner.headers)
    assert asked.status_code == 202, asked.get_json()
    merge = driver.url(f"/guest-merges/{asked.get_json()['id']}/accept")
    assert client.post(merge, headers=newcomer.headers).status_code == 200
    after = _kept(app, driver.group_id)
    assert {i: row[0] for i, row in after.items()} == {i: row[0] + 1 for i, row in before.items()}
    for *_, body in after.values():
        assert orjson.loads(body)["paid_by"] == newcomer.id
    assert assert_kept_documents_are_current(app, client, driver.group_id, owner) == 3


def test_recurring_occurrences_keep_their_documents(
    app: Flask, client: FlaskClient, trio: Any, runner: Any
) -> None:
    group_id, owner, *_ = trio
    start = utc_today().toordinal() - 3
    series = client.post(
        f"/groups/{group_id}/recurring-expenses",
        json={
            "template": {"description": "Rent", "amount": "9.00", "split_type": "equal"},
            "rule": {"frequency": "daily", "start_date": _day(start)},
        },
        headers=owner.headers,
    )
    assert series.status_code == 201, series.get_json()
    made_in_the_request = assert_kept_documents_are_current(app, client, group_id, owner)
    result = runner.invoke(args=["run-recurring", "--today", _day(start + 6)])
    assert result.exit_code == 0, result.output
    assert assert_kept_documents_are_current(app, client, group_id, owner) > made_in_the_request


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def test_the_splitwise_import_keeps_every_documents(
    app: Flask, client: FlaskClient, user: Account
) -> None:
    response = upload(client, user, EXAMPLE)
    assert response.status_code == 201, response.get_json()
    assert assert_kept_documents_are_current(app, client, response.get_json()["id"], user) == 2


def test_the_list_builds_a_document_it_does_not_find_and_reads_no_rows_it_finds(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    for _ in range(6):
        add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/"
    kept = client.get(url, headers=owner.headers)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        listener = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url, headers=owner.headers).get_data() == kept.get_data()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        # Kept documents: no payer or split row is read.
        assert not [s for s in statements if "group_expense_splits" in s]
        # Without them (older versions, or none), the same answer, built from the rows.
        db.session.execute(delete(GroupExpenseDocument))
        db.session.commit()
        db.session.remove()
    assert client.get(url, headers=owner.headers).get_data() == kept.get_data()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_keeps_the_document_of_every_existing_expense(
    backend: str, tmp_path: Path, run_worker_id: str
) -> None:
    base_url = "" if backend == "sqlite" else POSTGRES_URL
    try:
        with provision_database(base_url, f"{run_worker_id}_documents", tmp_path) as url:
            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                upgrade(revision=BEFORE_DOCUMENTS)
                # Today's code keeps documents as it writes: it has the table meanwhile, and
                # the upgrade makes it anew (empty) and fills it from the rows.
                GroupExpenseDocument.__table__.create(db.engine)
            owner, member = create_account(app), create_account(app)
            client = app.test_client()
            group = new_group(client, owner)
            client.post(
                f"/groups/{group['id']}/join",
                json={"invite_code": group["invite_code"]},
                headers=member.headers,
            )
            driver = GroupDriver(client, [owner, member], random.Random(11))
            driver.group_id = group["id"]
            for operation in ["create", "create_foreign", "edit_split", "mark_paid", "delete"]:
                driver.run(operation)
            driver.create()
            with app.app_context():
                db.session.remove()
                GroupExpenseDocument.__table__.drop(db.engine)
                upgrade()
                db.session.remove()
            assert assert_kept_documents_are_current(app, client, group["id"], owner) >= 2
            with app.app_context():
                db.engine.dispose()
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def test_the_command_keeps_missing_documents_and_finds_a_kept_one_that_differs(
    app: Flask, client: FlaskClient, make_user: Any, runner: Any
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    first = add_expense(client, group_id, owner, amount="12.50")
    add_expense(client, group_id, member, amount="7.00")
    assert runner.invoke(args=["keep-expense-documents", "--verify"]).exit_code == 0
    with app.app_context():
        kept = db.session.get(GroupExpenseDocument, first["id"])
        assert kept is not None
        kept.body = kept.body.replace('"12.50"', '"12.51"')
        db.session.commit()
        db.session.remove()
    verified = runner.invoke(args=["keep-expense-documents", "--verify"])
    assert verified.exit_code == 1
    assert f"1 kept document(s) differ from the expenses: {first['id']}" in verified.output
    with app.app_context():
        db.session.execute(delete(GroupExpenseDocument))
        db.session.commit()
        db.session.remove()
    kept_again = runner.invoke(args=["keep-expense-documents"])
    assert kept_again.exit_code == 0
    assert "Kept the documents of 2 group expense(s)." in kept_again.output
    assert assert_kept_documents_are_current(app, client, group_id, owner) == 2
