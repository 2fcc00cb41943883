"""A pooled PostgreSQL connection is checked at checkout, with a round trip only when needed.

Each test runs its own app with pools of exactly one connection (no overflow) and the
test client in this one thread, so every request checks out the same pooled connection
unless the pool replaced it; each runs on both pools (the application's, and the hot
reads' own). What crosses the wire is read from libpq's own protocol
trace of that connection (`PGconn.trace`): every message the client sends, below
SQLAlchemy and psycopg, so a ping cannot hide from it. The ping is pre-ping's own
(SQLAlchemy's PostgreSQL dialect sends the empty statement `;`, in autocommit), which no
request sends itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from expense_tracker import pool_liveness
from expense_tracker.extensions import db
from expense_tracker.http import read_engine
from tests.factories import Account

# The ping as the client sends it: `;` (SQLAlchemy 2.x on PostgreSQL), or `SELECT 1`.
PING = re.compile(r'^F\t\d+\tQuery\t "(?:;|SELECT 1)"$', re.MULTILINE)
# A read through each pool: a hot read's connection comes from the hot reads' own pool
# (http/read_engine.py), any other request's from the application's.
READS = {"hot reads": "/expenses/", "application": "/users/me"}


class OneConnectionApp:
    """An app on the test database whose pool holds one connection, and that connection."""

    def __init__(self, app: Flask, pool: str) -> None:
        self.app = app
        self.path = READS[pool]
        self.client: FlaskClient = app.test_client()
        self.checked_out: list[tuple[Any, Any]] = []  # (psycopg connection, pool record)
        with app.app_context():
            hot_engine = read_engine.current()
            assert hot_engine is not None
            self.engine = hot_engine if pool == "hot reads" else db.engine

        def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            self.checked_out.append((dbapi_connection, record))

        # After the liveness check (registered when the app was built): what was handed out.
        event.listen(self.engine, "checkout", checkout)

    def read(self, user: Account) -> int:
        return self.client.get(self.path, headers=user.headers).status_code

    @property
    def connection(self) -> Any:
        """The psycopg connection the last request used, now back in the pool."""
        return self.checked_out[-1][0]

    @property
    def backend_pid(self) -> int:
        return int(self.connection.info.backend_pid)  # known locally: no round trip

    @contextmanager
    def traced(self, tmp_path: Path) -> Iterator[Callable[[], str]]:
        """libpq's trace of the pooled connection meanwhile (read it after the block)."""
        connection = self.connection
        trace_file = tmp_path / f"trace-{len(self.checked_out)}.txt"
        with trace_file.open("w") as sink:
            connection.pgconn.trace(sink.fileno())
            connection.pgconn.set_trace_flags(
                psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
            )
            try:
                yield trace_file.read_text
            finally:
                if not connection.closed:
                    connection.pgconn.untrace()


@pytest.fixture(params=sorted(READS))
def one_connection(
    request: pytest.FixtureRequest, app_factory: Callable[..., Flask]
) -> OneConnectionApp:
    app = app_factory(
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        # A request that could not get the one connection fails fast instead of waiting.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_timeout": 5},
    )
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's pool only: SQLite connections are local files")
    return OneConnectionApp(app, request.param)


def terminate_backend(database_url: str, pid: int) -> None:
    """End that backend from another connection, as an admin, a restart or
    idle_session_timeout would; wait until it has exited."""
    admin = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
            ).scalar()
        assert ended is True
    finally:
        admin.dispose()


def test_a_connection_terminated_by_the_server_is_replaced_before_the_request_uses_it(
    one_connection: OneConnectionApp, user: Account
) -> None:
    assert one_connection.read(user) == 200
    stale_pid = one_connection.backend_pid
    terminate_backend(one_connection.app.config["SQLALCHEMY_DATABASE_URI"], stale_pid)

    # Checked in a moment ago, but its socket holds the server's goodbye: pinged,
    # discarded, and the request runs on a fresh connection.
    assert one_connection.read(user) == 200
    assert one_connection.backend_pid != stale_pid
    assert one_connection.read(user) == 200


def test_a_connection_idle_longer_than_the_trusted_time_is_pinged_first(
    one_connection: OneConnectionApp, user: Account, tmp_path: Path
) -> None:
    """A connection a firewall dropped while it sat idle shows nothing on its socket, so
    age alone must cause the ping: its check-in is moved an hour into the past (what the
    pool would have recorded had it been idle that long), and the wire shows the ping."""
    assert one_connection.read(user) == 200
    pid = one_connection.backend_pid
    _connection, record = one_connection.checked_out[-1]
    record.info[pool_liveness.KNOWN_ALIVE_AT] -= 3600

    with one_connection.traced(tmp_path) as trace:
        assert one_connection.read(user) == 200
    assert len(PING.findall(trace())) == 1
    assert one_connection.backend_pid == pid  # it answered: kept

    # Just checked in again: trusted without a ping.
    with one_connection.traced(tmp_path) as trace:
        assert one_connection.read(user) == 200
    assert PING.findall(trace()) == []


def test_a_busy_pool_sends_no_ping(
    one_connection: OneConnectionApp, user: Account, tmp_path: Path
) -> None:
    assert one_connection.read(user) == 200
    pid = one_connection.backend_pid

    with one_connection.traced(tmp_path) as trace:
        statuses = [one_connection.read(user) for _ in range(20)]
    sent = trace()

    assert statuses == [200] * 20
    assert {connection.info.backend_pid for connection, _ in one_connection.checked_out} == {pid}
    assert PING.findall(sent) == []
    # The trace did record the requests' own statements (each at least one: an Execute,
    # or a Query): an empty trace would prove nothing.
    assert len(re.findall(r"^F\t\d+\t(?:Query|Execute)\t", sent, re.MULTILINE)) >= 20
