"""A real database outage under load: PostgreSQL stops and comes back while gunicorn serves.

The test runs a throwaway PostgreSQL cluster of its own (initdb in a temporary folder, on
a free port; never the shared server), serves it with gunicorn's production stack, and
keeps clients writing and reading throughout. Mid-run the cluster is killed (`pg_ctl stop
-m immediate`: a crash, connections cut mid-transaction), stays down a few seconds, and
is started again. Every request must answer within its timeout with its success or a 503
problem (never a 500, a reset connection or a hang); `/readyz` must answer 503 while the
database is down and 200 once it is back; the same workers must serve again without a
restart; and nothing half-written may remain: every expense's splits sum to its amount
and the kept balances and counts equal a recomputation (`flask verify-balances`).
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.databases import service_unavailable
from tests.servers import LiveServer, expenses_not_whole, free_port, live_server, run_flask

pytestmark = pytest.mark.slow

CLIENTS = 6
REQUEST_TIMEOUT = 20.0
DOWN_SECONDS = 5.0


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own."""

    directory: Path
    port: int
    bin_dir: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/outage"

    def pg_ctl(self, *args: str) -> None:
        command = [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data")]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-o", options, "-l", str(self.directory / "postgres.log"), "-w", "start")

    def crash(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")


def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = postgres_binaries()
    if bin_dir is None:
        service_unavailable("SKIPPED OUTAGE: no initdb/pg_ctl on this machine")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: as the postgres account
        if shutil.which("runuser") is None or not _user_exists("postgres"):
            service_unavailable("SKIPPED OUTAGE: running as root without a postgres account")
        as_user = ["runuser", "-u", "postgres", "--"]
    directory = Path(tempfile.mkdtemp(prefix="et-outage-"))
    if as_user:
        shutil.chown(directory, "postgres", "postgres")
    cluster = Cluster(directory, free_port(), bin_dir, as_user)
    done = subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            *("-D", str(directory / "data"), "-U", "postgres", "-A", "trust"),
            *("--no-sync", "-E", "UTF8"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    cluster.start()
    try:
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE outage"))
        admin.dispose()
        yield cluster
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@dataclass
class Outcome:
    kind: str
    status: int | str
    content_type: str
    seconds: float
    body: bytes
    finished: float = 0.0


def request(
    server: LiveServer, method: str, path: str, token: str | None, body: object = None
) -> Outcome:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(
            method, path, body=None if body is None else json.dumps(body), headers=headers
        )
        response = connection.getresponse()
        data = response.read()
        status: int | str = response.status
        content_type = response.getheader("Content-Type", "")
    except (OSError, http.client.HTTPException) as exc:
        status, content_type, data = type(exc).__name__, "", b""
    finally:
        connection.close()
    finished = time.monotonic()
    kind = f"{method} {path.split('?')[0]}"
    return Outcome(kind, status, content_type, finished - started, data, finished)


def test_the_service_answers_503_through_an_outage_and_recovers(
    cluster: Cluster, tmp_path: Path
) -> None:
    with live_server(tmp_path, cluster.url, GUNICORN_WORKERS="2") as server:
        owner_id, owner = server.sign_up("owner@example.com")
        member_id, member = server.sign_up("member@example.com")
        status, _, group = server.call("POST", "/groups/", token=owner, json_body={"name": "Flat"})
        assert status == 201, group
        joined = server.call(
            "POST", "/groups/join", token=member, json_body={"invite_code": group["invite_code"]}
        )
        assert joined[0] == 201, joined
        workers_before = _workers(server)

        outcomes: list[Outcome] = []
        ready: list[tuple[float, int | str]] = []
        lock = threading.Lock()
        stop = threading.Event()
        t0 = time.monotonic()

        def client(number: int) -> None:
            token = owner if number % 2 else member
            calls = [
                (
                    "POST",
                    f"/groups/{group['id']}/expenses/",
                    {"description": "Taxi", "amount": "10.01", "split_type": "equal"},
                ),
                (
                    "POST",
                    "/expenses/",
                    {"amount": "3.50", "category": "Food", "payment_method": "cash"},
                ),
                ("GET", f"/groups/{group['id']}/balances", None),
                (
                    "POST",
                    f"/groups/{group['id']}/settlements",
                    {"to_user": owner_id if token == member else member_id, "amount": "0.25"},
                ),
                ("GET", "/expenses/?limit=5", None),
            ]
            n = 0
            while not stop.is_set():
                method, path, body = calls[n % len(calls)]
                n += 1
                outcome = request(server, method, path, token, body)
                with lock:
                    outcomes.append(outcome)
                if outcome.status == 503:
                    time.sleep(0.05)

        def probe() -> None:
            while not stop.is_set():
                outcome = request(server, "GET", "/readyz", None)
                with lock:
                    ready.append((time.monotonic() - t0, outcome.status))
                time.sleep(0.2)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=probe))
        for thread in threads:
            thread.start()
        try:
            time.sleep(3)
            down_at = time.monotonic() - t0
            cluster.crash()
            time.sleep(DOWN_SECONDS)
            cluster.start()
            up_at = time.monotonic() - t0
            time.sleep(8)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

        seen = Counter(f"{o.kind} {o.status}" for o in outcomes)
        wrong = [
            o
            for o in outcomes
            if not (isinstance(o.status, int) and (o.status < 300 or o.status == 503))
            or (o.status == 503 and o.content_type != "application/problem+json")
            or o.seconds > REQUEST_TIMEOUT
        ]
        assert not wrong, f"{seen}\n" + "\n".join(
            f"{o.kind}: {o.status} {o.content_type} {o.seconds:.1f}s {o.body[:200]!r}"
            for o in wrong[:10]
        )
        assert any(o.status == 503 for o in outcomes), seen  # the outage was seen
        # /readyz: 200 before, 503 while down, 200 again once the database is back.
        before = [status for at, status in ready if at < down_at]
        during = [status for at, status in ready if down_at + 1 < at < up_at - 0.5]
        after = [status for at, status in ready if at > up_at + 4]
        assert set(before) == {200}, ready
        assert set(during) == {503}, ready
        assert set(after) == {200}, ready
        # Recovered without a restart: the same workers serve, and serve every kind again.
        assert _workers(server) == workers_before
        late = [o for o in outcomes if o.finished > t0 + up_at and o.status in (200, 201)]
        assert {o.kind for o in late} >= {
            "POST /expenses/",
            f"POST /groups/{group['id']}/expenses/",
        }
        assert server.call("GET", f"/groups/{group['id']}/balances", token=owner)[0] == 200

    # Nothing half-written: every expense whole, kept totals and counts as the rows say.
    assert expenses_not_whole(cluster.url) == []
    run_flask(server.env, "verify-balances")


def _workers(server: LiveServer) -> set[int]:
    """The pids of the master's worker processes."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in children.read_text().split()}
