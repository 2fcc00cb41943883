"""Fixtures: one database per test run (per xdist worker), emptied after every test.

The database comes from TEST_DATABASE_URL (SQLite when unset). Its schema is built by the
real migrations, once per run. Tests talk to the application through the Flask test
client, with real bcrypt (at its lowest cost) and real tokens.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from expense_tracker import create_app
from expense_tracker.extensions import db
from expense_tracker.money import format_amount
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable

PASSWORD = "correct horse battery staple"


def usd(cents: int) -> str:
    """Minor units as the API's USD money string (exact: no float on the way)."""
    return format_amount(cents, "USD")


@pytest.fixture(scope="session")
def run_worker_id(testrun_uid: str, worker_id: str) -> str:
    """This worker of this run: pytest-xdist's run id keeps concurrent runs apart."""
    return f"{testrun_uid[:8]}_{worker_id}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, run_worker_id: str) -> Iterator[str]:
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    tmp_dir = Path(tmp_path_factory.mktemp("db"))
    try:
        with provision_database(base_url, run_worker_id, tmp_dir) as url:
            yield url
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


@pytest.fixture(scope="session")
def _session_app(database_url: str) -> Iterator[Flask]:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            if connection.dialect.name == "sqlite":
                # AUTOINCREMENT tables remember their highest id here: start afresh.
                connection.execute(text("DELETE FROM sqlite_sequence"))
            if connection.dialect.name == "postgresql":
                # Fresh ids per test, as a fresh database would give.
                for table in db.metadata.sorted_tables:
                    if "id" in table.c and table.c.id.autoincrement is not False:
                        connection.execute(
                            text(f"ALTER SEQUENCE IF EXISTS {table.name}_id_seq RESTART WITH 1")
                        )


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    yield _session_app
    _empty_all_tables(_session_app)


@pytest.fixture
def app_factory(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Differently configured apps on the test database; their connections closed after."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **overrides}
        new_app = create_app("testing", settings)
        made.append(new_app)
        return new_app

    yield make
    for made_app in made:
        with made_app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@dataclass
class Account:
    """A registered, signed-in user, as a client holds one."""

    id: int
    email: str
    password: str
    full_name: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


_emails = itertools.count(1)


@pytest.fixture
def make_user(client: FlaskClient) -> Any:
    """Register and sign in a new user through the API."""

    def make(
        *,
        email: str | None = None,
        password: str = PASSWORD,
        full_name: str | None = None,
        default_currency: str = "USD",
    ) -> Account:
        number = next(_emails)
        email = email or f"user{number}@example.com"
        full_name = full_name or f"User {number}"
        response = client.post(
            "/users/",
            json={
                "email": email,
                "password": password,
                "full_name": full_name,
                "default_currency": default_currency,
            },
        )
        assert response.status_code == 201, response.get_json()
        user_id = response.get_json()["id"]
        tokens = client.post("/token", data={"username": email, "password": password})
        assert tokens.status_code == 200, tokens.get_json()
        body = tokens.get_json()
        return Account(
            user_id, email, password, full_name, body["access_token"], body["refresh_token"]
        )

    return make


@pytest.fixture
def user(make_user: Any) -> Account:
    return make_user()


@pytest.fixture
def other_user(make_user: Any) -> Account:
    return make_user()
