"""Fixtures: one database per test run (per xdist worker), emptied after every test.

The database comes from TEST_DATABASE_URL (SQLite when unset). Its schema is built by the
real migrations, once per run. Tests talk to the application through the Flask test
client, with real bcrypt (at its lowest cost) and real tokens. Users are made by the
service layer (make_user; tests/factories.py holds the helpers), except in tests/auth/,
where signing up and signing in are what is tested.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import text

from expense_tracker import create_app
from expense_tracker.extensions import db
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.factories import Account, create_account, group_with, sign_up_and_sign_in

# Property tests prove correctness; how long an example takes depends on the machine and
# its load (speed is measured in bench/, never asserted), so no per-example deadline.
settings.register_profile("expense_tracker", deadline=None)
settings.load_profile("expense_tracker")


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


# Every rate limit's setting, each generous enough that no test meets it by accident.
GENEROUS_LIMITS = {
    "RATELIMIT_DEFAULT": "1000 per minute",
    "RATELIMIT_LOGIN_PER_IP": "1000 per minute",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "1000 per minute",
    "RATELIMIT_SIGNUP_PER_IP": "1000 per minute",
    "RATELIMIT_SIGNUP_PER_ACCOUNT": "1000 per minute",
    "RATELIMIT_IMPORT": "1000 per minute",
}


@pytest.fixture
def make_app(app_factory: Callable[..., Flask]) -> Callable[..., Flask]:
    """An app on the test database with its rate limits on, as production runs it (counted
    in memory), each generous unless the test tightens it:
    `make_app(RATELIMIT_LOGIN_PER_IP="2 per minute")`; any other setting likewise."""

    def make(**overrides: Any) -> Flask:
        settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
        return app_factory(**{**settings, **GENEROUS_LIMITS, **overrides})

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Account]:
    """Make a new signed-in user: `make_user(default_currency="EUR")`.

    Made by the service layer (tests/factories.py: create_account), without HTTP, with
    real tokens the API accepts. Keyword arguments: email, password, full_name,
    default_currency. In tests/auth/, which is about signing up and signing in, this
    fixture makes users through the API instead (make_user_via_api).
    """

    def make(**fields: Any) -> Account:
        return create_account(app, **fields)

    return make


@pytest.fixture
def make_user_via_api(client: FlaskClient) -> Callable[..., Account]:
    """Make a new user through `POST /users/` and sign in through `POST /token`."""

    def make(**fields: Any) -> Account:
        return sign_up_and_sign_in(client, **fields)

    return make


@pytest.fixture
def user(make_user: Any) -> Account:
    return make_user()


@pytest.fixture
def other_user(make_user: Any) -> Account:
    return make_user()


@pytest.fixture
def trio(
    client: FlaskClient, make_user: Callable[..., Account]
) -> tuple[int, Account, Account, Account]:
    """A group of three: an owner and two members, ids ascending."""
    owner, a, b = make_user(), make_user(), make_user()
    return group_with(client, owner, a, b), owner, a, b
