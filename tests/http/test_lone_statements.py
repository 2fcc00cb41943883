"""The hot reads declared `lone_statements` (http/reads.py) run without a transaction on
PostgreSQL, and everything else as before: a write in its transaction, the change feed
too, and on SQLite every read in its transaction (there one snapshot)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from expense_tracker.extensions import db
from tests.factories import Account, add_expense, group_with


def _transactions(app: Flask, client: FlaskClient, method: str, path: str, **kwargs: Any) -> set:
    """Whether each statement of the request ran inside a transaction (True / False)."""
    seen: set[bool] = set()
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name

    def statement(_conn: Any, cursor: Any, *_: Any) -> None:
        driver = cursor.connection
        if dialect == "postgresql":
            seen.add(not driver.autocommit)
        else:
            seen.add(driver.in_transaction)

    event.listen(engine, "before_cursor_execute", statement)
    try:
        answer = client.open(path, method=method, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert answer.status_code < 300, answer.get_json()
    return seen


def test_hot_reads_run_statement_by_statement_on_postgresql_only(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    add_expense(client, group_id, owner)
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    headers = owner.headers
    for path in (
        "/expenses/",
        "/expenses/summary?group_by=month",
        "/expenses/categories",
        f"/groups/{group_id}/expenses/",
        f"/groups/{group_id}/balances",
        f"/groups/{group_id}/settle-up",
        "/users/me/balances",
    ):
        assert _transactions(app, client, "GET", path, headers=headers) == {not postgresql}, path
    # Not declared: in a transaction, as every request was.
    assert _transactions(app, client, "GET", "/users/me/changes", headers=headers) == {True}
    assert _transactions(app, client, "GET", f"/groups/{group_id}", headers=headers) == {True}
    created = _transactions(
        app,
        client,
        "POST",
        f"/groups/{group_id}/expenses/",
        json={"description": "Taxi", "amount": "9", "split_type": "equal"},
        headers=headers,
    )
    assert created == {True}
