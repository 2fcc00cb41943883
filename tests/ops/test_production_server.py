"""The production server configuration (gunicorn.conf.py) under concurrent load.

Threaded gunicorn workers used to die of SIGSEGV on CPython 3.11 while concurrent requests
listed a group's expenses (see gunicorn.conf.py). This starts gunicorn exactly as
production does, on the test database (TEST_DATABASE_URL, else a SQLite file), with a
group of 300 shared expenses, replaces the workers with SIGHUP (fresh workers crashed
most) and hammers the list from 12 connections at once. Any worker death fails the test,
and so does any request that does not get its 200.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.servers import free_port, gunicorn_serving, production_env, run_flask, wait_until_ready

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 12
ROUNDS = 3
ROUND_SECONDS = 5.0
# gunicorn's words for a worker that did not end by its own choice.
WORKER_DEATH = re.compile(r"was sent SIG|exited with code|WORKER TIMEOUT|failed to boot")


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    token: str
    group_id: int

    def worker_deaths(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if WORKER_DEATH.search(line)]


def sign_in(port: int, email: str, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/token",
            body=urlencode({"username": email, "password": password}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        return str(json.loads(body)["access_token"])
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_worker_id: str) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("production")
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    try:
        with provision_database(base_url, f"{run_worker_id}_prod", directory) as url:
            yield from start_server(directory, url)
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def start_server(directory: Path, database_url: str) -> Iterator[Server]:
    port = free_port()
    env = production_env(database_url, port)
    run_flask(env, "db", "upgrade")
    password = "production-load-password"
    run_flask(
        env,
        "seed-bench",
        "--users=8",
        "--expenses=0",
        "--groups=1",
        "--group-expenses=300",
        "--members=8",
        f"--password={password}",
    )
    engine = create_engine(database_url)
    with engine.connect() as connection:
        group_id, email = connection.execute(
            text(
                "SELECT m.group_id, u.email FROM group_members m "
                "JOIN users u ON u.id = m.user_id ORDER BY m.group_id, u.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    log = directory / "gunicorn.log"
    with gunicorn_serving(env, port, log) as process:
        yield Server(port, process, log, sign_in(port, email, password), group_id)


def hammer(server: Server, seconds: float) -> Counter[str]:
    """CONNECTIONS keep-alive clients list the group's expenses for `seconds`."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    path = f"/groups/{server.group_id}/expenses/?limit=200"
    headers = {"Authorization": f"Bearer {server.token}"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            while time.monotonic() < deadline:
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    outcome = str(response.status)
                except (OSError, http.client.HTTPException) as exc:
                    outcome = type(exc).__name__
                    connection.close()  # a fresh connection for the next request
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_no_worker_dies_under_concurrent_group_expense_lists(server: Server) -> None:
    served: Counter[str] = Counter()
    for _ in range(ROUNDS):
        # Fresh workers, as after a deploy's reload; then load them at once.
        server.process.send_signal(signal.SIGHUP)
        time.sleep(2)
        wait_until_ready(server.port, server.process, server.log)
        served += hammer(server, ROUND_SECONDS)
    deaths = server.worker_deaths()
    assert not deaths, "\n".join(deaths)
    assert set(served) == {"200"}, served
    assert served["200"] >= ROUNDS * CONNECTIONS
