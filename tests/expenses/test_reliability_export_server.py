"""`GET /expenses/export.csv` from a real gunicorn while its PostgreSQL connections are killed.

gunicorn runs exactly as in production (gunicorn.conf.py), on a PostgreSQL database of this
test's own with 200,000 expenses, and the test ends the export's database connection with
`pg_terminate_backend`, as a failover, a restart or an operator would:

- before the first byte (the export's query held up by a table lock, then killed): the
  answer is a 503 problem with the security headers and the request id, not gunicorn's
  HTML 500 page;
- after the first byte (the client pauses reading, so the server is still sending): the
  transfer ends without its terminating chunk, which the client sees as incomplete, and
  the log has a line with the response's request id saying the export was cut short;
- at random moments, many times: every answer is one of those, or a complete export with
  every row, never a complete-looking 200 with rows missing.

Only the backends of this test's own database are killed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.problems import assert_problem
from tests.servers import free_port, gunicorn_serving, production_env, run_flask

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000  # about 9 MB of CSV: more than the kernel buffers between server and client
CATEGORIES = 10  # `?category=cat3` exports a tenth of them
PASSWORD = "export-kill-password"


@dataclass
class Server:
    port: int
    log: Path
    token: str
    database: str
    admin: Engine

    def export(self, query: str = "", *, receive_buffer: int | None = None) -> Any:
        sock = socket.socket()
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.settimeout(60)
        sock.connect(("127.0.0.1", self.port))
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.sock = sock
        connection.request(
            "GET",
            f"/expenses/export.csv{query}",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        return connection, connection.getresponse()

    def kill(self, condition: str = "true") -> int:
        """End the app's connections to this test's database that match `condition`."""
        with self.admin.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :database AND pid <> pg_backend_pid() "
                    f"AND application_name = 'expense_tracker' AND ({condition})"
                ),
                {"database": self.database},
            ).scalar_one()
        return int(killed)

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.log.read_text().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


def sign_in(port: int, email: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with contextlib.closing(connection):
        connection.request(
            "POST",
            "/token",
            body=urlencode({"username": email, "password": PASSWORD}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        return str(json.loads(body)["access_token"])


def load_expenses(engine: Engine, email: str) -> None:
    with engine.begin() as connection:
        user_id = connection.execute(
            text("SELECT id FROM users WHERE email = :email"), {"email": email}
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO expenses (owner_id, date, category, category_key, amount, "
                "currency, description, description_key, payment_method, created_at, "
                "updated_at, version) "
                "SELECT :user_id, DATE '2020-01-01' + (n % 1500), 'cat' || (n % :categories), "
                "'cat' || (n % :categories), 100 + n, 'USD', 'expense number ' || n, "
                "'expense number ' || n, 'cash', now(), now(), 1 "
                "FROM generate_series(1, :rows) AS n"
            ),
            {"user_id": user_id, "rows": ROWS, "categories": CATEGORIES},
        )
        connection.execute(
            text("UPDATE users SET expense_count = :rows WHERE id = :user_id"),
            {"rows": ROWS, "user_id": user_id},
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_worker_id: str) -> Iterator[Server]:
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        pytest.skip("kills PostgreSQL connections: run with TEST_DATABASE_URL=postgresql...")
    directory = tmp_path_factory.mktemp("export_kills")
    try:
        with provision_database(base_url, f"{run_worker_id}_export", directory) as url:
            yield from start_server(directory, url)
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def start_server(directory: Path, database_url: str) -> Iterator[Server]:
    port = free_port()
    env = production_env(database_url, port)
    run_flask(env, "db", "upgrade")
    email = "exporter@example.com"
    run_flask(
        env,
        "create-user",
        f"--email={email}",
        "--full-name=Exporter",
        f"--password={PASSWORD}",
    )
    loader = create_engine(database_url)
    load_expenses(loader, email)
    loader.dispose()
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    log = directory / "gunicorn.log"
    try:
        with gunicorn_serving(env, port, log):
            database = make_url(database_url).database or ""
            yield Server(port, log, sign_in(port, email), database, admin)
    finally:
        admin.dispose()


def assert_problem_503(response: http.client.HTTPResponse, body: bytes) -> None:
    headers = {"Content-Type": response.getheader("Content-Type") or ""}
    assert_problem((response.status, headers, json.loads(body)), 503, "service-unavailable")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Request-ID")


def export_into(server: Server, answer: dict[str, Any]) -> None:
    connection, response = server.export()
    answer["response"], answer["body"] = response, response.read()
    connection.close()


def test_a_connection_killed_before_the_first_byte_gets_a_503_problem(server: Server) -> None:
    for _ in range(4):
        with server.admin.connect() as locker:
            # Autocommit engine: an explicit transaction holds the lock until rollback.
            locker.execute(text("BEGIN"))
            locker.execute(text("LOCK TABLE expenses IN ACCESS EXCLUSIVE MODE"))
            answer: dict[str, Any] = {}
            thread = threading.Thread(target=export_into, args=(server, answer))
            thread.start()
            deadline = time.monotonic() + 20
            killed = 0
            while not killed and time.monotonic() < deadline:
                time.sleep(0.02)
                killed = server.kill("wait_event_type = 'Lock' AND query ILIKE '%FROM expenses%'")
            locker.execute(text("ROLLBACK"))
        thread.join(60)
        assert killed == 1
        assert_problem_503(answer["response"], answer["body"])


def test_a_connection_killed_after_the_first_byte_cuts_the_transfer_short_visibly(
    server: Server,
) -> None:
    for _ in range(3):
        # A small receive buffer, and a pause: the server is still sending, with most rows
        # not yet read from the database, when its connection is killed.
        connection, response = server.export(receive_buffer=16384)
        assert response.status == 200
        request_id = response.getheader("X-Request-ID")
        first = response.read(65536)
        assert first.startswith(b"date,category,amount,currency,description,payment_method")
        time.sleep(0.5)
        assert server.kill() >= 1
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()
        deadline = time.monotonic() + 10
        cut_short: list[dict[str, Any]] = []
        while not cut_short and time.monotonic() < deadline:
            cut_short = [
                line
                for line in server.log_lines()
                if "cut short" in str(line.get("message")) and line.get("request_id") == request_id
            ]
            time.sleep(0.1)
        assert len(cut_short) == 1, f"no log line for request {request_id}"
        assert cut_short[0]["level"] == "ERROR"


def test_exports_under_random_connection_kills_are_complete_or_visibly_failed(
    server: Server,
) -> None:
    expected_rows = ROWS // CATEGORIES
    rng = random.Random(5)
    outcomes: Counter[str] = Counter()
    for _ in range(30):
        killer = threading.Timer(rng.uniform(0.0, 0.4), server.kill)
        killer.start()
        connection, response = server.export("?category=cat3")
        try:
            body = response.read()
        except http.client.IncompleteRead:
            assert response.status == 200
            outcomes["200 cut short, visibly"] += 1
        else:
            if response.status == 200:
                rows = body.count(b"\r\n") - 1
                assert rows == expected_rows, f"a complete-looking 200 with {rows} rows"
                outcomes["200 complete"] += 1
            else:
                assert_problem_503(response, body)
                outcomes["503 problem"] += 1
        finally:
            killer.join()
            connection.close()
    assert sum(outcomes.values()) == 30, outcomes
