"""Test databases: a SQLite file or a PostgreSQL database of its own per test worker."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from config import normalise_database_url


class DatabaseUnavailable(RuntimeError):
    """The configured test database server does not answer."""


@contextlib.contextmanager
def provision_database(base_url: str, worker_id: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of an empty database for this worker; drop it afterwards.

    `worker_id` must be unique to this test run too (see conftest): runs of the suite on
    one server at the same time must never share, and so drop, each other's databases.
    """
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_dir / f'test_{worker_id}.db'}"
        return
    admin_url = make_url(normalise_database_url(base_url))
    name = f"{admin_url.database or 'test'}_et_{worker_id}".lower()
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        raise DatabaseUnavailable(
            f"PostgreSQL at {admin_url.render_as_string(hide_password=True)} is not reachable"
        ) from exc
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def service_unavailable(message: str) -> NoReturn:
    """Skip a test whose server (PostgreSQL, Redis) does not answer, except in CI.

    Under CI=true the run must prove every database works: a missing one fails it.
    """
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message} (CI=true: a service the tests need must answer)")
    pytest.skip(message)
