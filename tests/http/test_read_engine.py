"""The hot reads' own pool on PostgreSQL (http/read_engine.py): its connections are in
autocommit, and the server plans a statement built once a single time per connection,
while a statement built per request (a filtered list) is planned for its own values at
each request, as before."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from expense_tracker.extensions import db
from expense_tracker.http import read_engine
from tests.factories import Account


@pytest.fixture
def one_connection_app(app_factory: Callable[..., Flask]) -> Flask:
    app = app_factory(DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: on SQLite a hot read keeps its ORM session")
    return app


def test_statements_built_once_are_planned_once_and_filtered_ones_for_their_values(
    one_connection_app: Flask, make_user: Callable[..., Account]
) -> None:
    owner = make_user()
    client: FlaskClient = one_connection_app.test_client()
    body = {"amount": "3.20", "currency": "USD", "category": "Food", "payment_method": "cash"}
    assert client.post("/expenses/", json=body, headers=owner.headers).status_code == 201
    for _ in range(8):
        assert client.get("/expenses/", headers=owner.headers).status_code == 200
        filtered = client.get("/expenses/?category=Food", headers=owner.headers)
        assert filtered.status_code == 200
        assert [row["category"] for row in filtered.get_json()] == ["Food"]

    with one_connection_app.app_context():
        engine = read_engine.current()
        assert engine is not None
        assert engine is not db.engine
        # The pool holds one connection: the one every read above used.
        with engine.connect() as connection:
            assert connection.connection.driver_connection.autocommit is True
            prepared = connection.execute(
                text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
            ).all()
    page = [row for row in prepared if "string_agg" in row.statement]
    session_check = [row for row in prepared if "FROM auth_sessions" in row.statement]
    # The usual page and the session check: prepared, planned once, generically.
    assert len(page) == 1
    assert len(session_check) == 1
    for row in page + session_check:
        assert row.custom_plans == 0
        assert row.generic_plans >= 8
    # The filtered page, built per request: never prepared, so planned for its values.
    assert not [row for row in prepared if "category_key" in row.statement]
