"""The restore drill, as deploy/README.md ("Backups") tells an operator to run it: a backup
taken while a live gunicorn serves several writing clients, restored into a fresh
database, must be whole.

On SQLite the backup is `flask backup PATH` and the restore a copy of that file into
place; on PostgreSQL (TEST_DATABASE_URL) `pg_dump --format=custom` and `pg_restore` into a
new database. Then `flask db upgrade` and `flask verify-balances` run clean on the
restored database, every write acknowledged before the backup started is in it, nothing
in it is half-written (every shared expense's splits add up to it) and it holds nothing
the live database does not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.servers import LiveServer, expenses_not_whole, live_server, run_flask

pytestmark = pytest.mark.slow

WRITERS = 4
WRITES_PER_WRITER = 200  # at most: the writers stop a second after the backup
ACKNOWLEDGED_BEFORE_BACKUP = 30
REQUEST_TIMEOUT = 20.0
TABLES = {"personal": "expenses", "shared": "group_expenses", "settlement": "group_settlements"}


@dataclass
class Drill:
    live_url: str
    restored_url: str
    directory: Path

    @property
    def is_postgresql(self) -> bool:
        return self.live_url.startswith("postgres")


@pytest.fixture
def drill(tmp_path: Path, run_worker_id: str) -> Iterator[Drill]:
    base_url = os.environ.get("TEST_DATABASE_URL", "")
    try:
        with (
            provision_database(base_url, f"{run_worker_id}_backup_live", tmp_path) as live,
            provision_database(base_url, f"{run_worker_id}_backup_restored", tmp_path) as fresh,
        ):
            yield Drill(live, fresh, tmp_path)
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def libpq_url(url: str) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def back_up(drill: Drill, server: LiveServer) -> Path:
    if drill.is_postgresql:
        if shutil.which("pg_dump") is None:
            service_unavailable("SKIPPED POSTGRESQL: pg_dump is not installed")
        backup = drill.directory / "expenses.dump"
        command = ["pg_dump", "--format=custom", f"--file={backup}", libpq_url(drill.live_url)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return backup
    backup = drill.directory / "expenses-backup.db"
    assert "integrity check ok" in run_flask(server.env, "backup", str(backup))
    return backup


def restore(drill: Drill, backup: Path) -> None:
    if drill.is_postgresql:
        command = [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={libpq_url(drill.restored_url)}",
            str(backup),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return
    database = Path(make_url(drill.restored_url).database or "")
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(backup, database)


def test_a_backup_taken_under_load_restores_whole(drill: Drill) -> None:
    with live_server(drill.directory, drill.live_url, GUNICORN_WORKERS="2") as server:
        owner_id, owner = server.sign_up("owner@example.com")
        member_id, member = server.sign_up("member@example.com")
        status, _, group = server.call("POST", "/groups/", token=owner, json_body={"name": "Flat"})
        assert status == 201, group
        joined = server.call(
            "POST", "/groups/join", token=member, json_body={"invite_code": group["invite_code"]}
        )
        assert joined[0] == 201, joined

        acknowledged: list[tuple[float, str, int]] = []
        lock = threading.Lock()
        enough = threading.Semaphore(0)
        failures: list[BaseException] = []
        stop = threading.Event()

        def write(number: int) -> None:
            token, other = (owner, member_id) if number % 2 else (member, owner_id)
            writes = [
                (
                    "shared",
                    f"/groups/{group['id']}/expenses",
                    {"description": "Groceries", "amount": "10.01", "split_type": "equal"},
                ),
                (
                    "personal",
                    "/expenses/",
                    {"amount": "3.50", "category": "Food", "payment_method": "cash"},
                ),
                (
                    "settlement",
                    f"/groups/{group['id']}/settlements",
                    {"to_user": other, "amount": "0.25"},
                ),
            ]
            try:
                for n in range(WRITES_PER_WRITER):
                    if stop.is_set():
                        return
                    kind, path, body = writes[n % len(writes)]
                    status, _, answer = server.call(
                        "POST", path, token=token, json_body=body, timeout=REQUEST_TIMEOUT
                    )
                    assert status == 201, (status, answer)
                    with lock:
                        acknowledged.append((time.monotonic(), kind, int(answer["id"])))
                    enough.release()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(ACKNOWLEDGED_BEFORE_BACKUP):
                assert enough.acquire(timeout=60), "the writers stalled"
            backup_started = time.monotonic()
            backup = back_up(drill, server)
            backup_took = time.monotonic() - backup_started
            time.sleep(1)  # writes go on after it, as they would
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
        assert not failures, failures
        before = [(kind, id_) for at, kind, id_ in acknowledged if at < backup_started]
        during = sum(
            backup_started <= at <= backup_started + backup_took for at, *_ in acknowledged
        )
        print(
            f"\nbackup of {backup.stat().st_size} bytes in {backup_took:.2f} s, "
            f"{len(before)} writes acknowledged before it, {during} during it"
        )
        assert during > 0  # the writers did not wait for the backup

    restore(drill, backup)
    restored_env = {**server.env, "DATABASE_URL": drill.restored_url}
    run_flask(restored_env, "db", "upgrade")  # the schema is at the code's revision already
    assert "match the rows" in run_flask(restored_env, "verify-balances")

    restored = _rows(drill.restored_url)
    live = _rows(drill.live_url)
    for kind, expense_id in before:
        assert expense_id in restored[kind], (kind, expense_id)
    for kind in TABLES:
        assert restored[kind] <= live[kind]
    assert expenses_not_whole(drill.restored_url) == []


def _rows(url: str) -> dict[str, set[int]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {
            kind: set(connection.execute(text(f"SELECT id FROM {table}")).scalars())
            for kind, table in TABLES.items()
        }
    engine.dispose()
    return found
