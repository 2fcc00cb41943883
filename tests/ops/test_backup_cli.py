"""`flask backup PATH`, through Flask's CLI runner: a SQLite copy that opens with every row,
taken while writes go on, never over an existing file; on PostgreSQL, the pg_dump line.

Each test backs up a SQLite file database of its own (migrated like production), whatever
TEST_DATABASE_URL says: the command copies SQLite files only.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from expense_tracker.backup import REFUSED, USE_PG_DUMP
from tests.factories import add_expense, create_account, group_with


@pytest.fixture
def sqlite_app(app_factory: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app on a fresh, migrated SQLite file (WAL, as production runs it)."""
    served = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    with served.app_context():
        upgrade()
    return served


def open_copy(app_factory: Callable[..., Flask], path: Path) -> Flask:
    return app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")


def add_personal(app: Flask, headers: dict[str, str], amount: str) -> int:
    response = app.test_client().post(
        "/expenses/",
        json={"amount": amount, "category": "Food", "payment_method": "cash"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_a_backup_opens_as_a_database_with_every_row(
    sqlite_app: Flask, app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    owner, friend = create_account(sqlite_app), create_account(sqlite_app)
    client = sqlite_app.test_client()
    group_id = group_with(client, owner, friend)
    shared = add_expense(client, group_id, owner, amount="30.01")["id"]
    personal = add_personal(sqlite_app, owner.headers, "12.50")
    destination = tmp_path / "backups" / "expenses.db"
    destination.parent.mkdir()

    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(destination)])

    assert result.exit_code == 0, result.output
    assert f"Backed up to {destination}" in result.output
    assert "integrity check ok" in result.output
    # One self-contained file (no -wal/-shm to carry along), readable by its owner only.
    assert sorted(p.name for p in destination.parent.iterdir()) == ["expenses.db"]
    assert destination.stat().st_mode & 0o077 == 0
    with contextlib.closing(sqlite3.connect(destination)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    # The copy serves: the same people, tokens, expenses and balances.
    restored = open_copy(app_factory, destination)
    copy_client = restored.test_client()
    mine = copy_client.get("/expenses/", headers=owner.headers)
    assert [row["id"] for row in mine.get_json()] == [personal]
    expense = copy_client.get(f"/groups/{group_id}/expenses/{shared}", headers=friend.headers)
    assert expense.status_code == 200
    assert expense.get_json()["amount"] == "30.01"
    balances = copy_client.get(f"/groups/{group_id}/balances", headers=friend.headers)
    assert (
        balances.get_json()
        == client.get(f"/groups/{group_id}/balances", headers=friend.headers).get_json()
    )
    audit = restored.test_cli_runner().invoke(args=["verify-balances"])
    assert audit.exit_code == 0, audit.output


def test_backups_taken_while_writes_go_on_hold_whole_committed_writes(
    sqlite_app: Flask, app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    owner, friend = create_account(sqlite_app), create_account(sqlite_app)
    group_id = group_with(sqlite_app.test_client(), owner, friend)
    acknowledged: list[int] = []
    done = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        client = sqlite_app.test_client()
        try:
            for number in range(80):
                if number % 2:
                    acknowledged.append(add_personal(sqlite_app, owner.headers, "1.25"))
                else:
                    acknowledged.append(add_expense(client, group_id, owner, amount="10.01")["id"])
        except BaseException as exc:
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    copies: list[tuple[Path, int, int]] = []
    try:
        while not done.is_set() or not copies:
            destination = tmp_path / f"copy-{len(copies)}.db"
            before = len(acknowledged)
            result = sqlite_app.test_cli_runner().invoke(args=["backup", str(destination)])
            assert result.exit_code == 0, result.output
            copies.append((destination, before, len(acknowledged)))
    finally:
        writer.join(timeout=120)
    assert not failures, failures
    assert len(copies) >= 2

    for destination, before, after in copies:
        with contextlib.closing(sqlite3.connect(destination)) as raw:
            personal = raw.execute("SELECT count(*) FROM expenses").fetchone()[0]
            shared = raw.execute("SELECT count(*) FROM group_expenses").fetchone()[0]
            # Nothing half-written: every shared expense has splits adding up to it.
            broken = raw.execute(
                "SELECT e.id FROM group_expenses e LEFT JOIN group_expense_splits s "
                "ON s.expense_id = e.id GROUP BY e.id, e.amount "
                "HAVING COALESCE(SUM(s.amount), 0) <> e.amount"
            ).fetchall()
        # Every write acknowledged before the backup began is in it; nothing later than
        # what had been acknowledged when it ended (a commit answers just after).
        assert before <= personal + shared <= after + 1
        assert broken == []
        audit = (
            open_copy(app_factory, destination).test_cli_runner().invoke(args=["verify-balances"])
        )
        assert audit.exit_code == 0, audit.output


def test_a_backup_never_overwrites_a_file(sqlite_app: Flask, tmp_path: Path) -> None:
    destination = tmp_path / "precious.db"
    destination.write_bytes(b"last week's backup")

    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(destination)])

    assert result.exit_code == REFUSED
    assert "exists: a backup never overwrites a file" in result.output
    assert destination.read_bytes() == b"last week's backup"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_backup_on_a_filesystem_without_hard_links_is_written_all_the_same(
    sqlite_app: Flask, app_factory: Callable[..., Flask], tmp_path: Path, monkeypatch: Any
) -> None:
    owner = create_account(sqlite_app)
    personal = add_personal(sqlite_app, owner.headers, "7.00")

    def no_hard_links(source: Any, target: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    destination = tmp_path / "copy.db"
    runner = sqlite_app.test_cli_runner()

    result = runner.invoke(args=["backup", str(destination)])

    assert result.exit_code == 0, result.output
    assert destination.stat().st_mode & 0o077 == 0
    mine = (
        open_copy(app_factory, destination).test_client().get("/expenses/", headers=owner.headers)
    )
    assert [row["id"] for row in mine.get_json()] == [personal]
    again = runner.invoke(args=["backup", str(destination)])
    assert again.exit_code == REFUSED
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_backup_into_a_missing_folder_writes_nothing(sqlite_app: Flask, tmp_path: Path) -> None:
    result = sqlite_app.test_cli_runner().invoke(
        args=["backup", str(tmp_path / "no-such-folder" / "copy.db")]
    )

    assert result.exit_code == REFUSED
    assert "does not exist" in result.output
    assert not (tmp_path / "no-such-folder").exists()


def test_on_postgresql_the_command_says_to_use_pg_dump(
    app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    postgres_app = app_factory(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://backup:s3cret-word@db.internal:5432/money"
    )
    destination = tmp_path / "copy.db"

    result = postgres_app.test_cli_runner().invoke(args=["backup", str(destination)])

    assert result.exit_code == USE_PG_DUMP
    assert "pg_dump --format=custom" in result.output
    # A URL pg_dump understands (libpq's, not SQLAlchemy's driver name), password hidden.
    assert "'postgresql://backup:***@db.internal:5432/money'" in result.output
    assert "s3cret-word" not in result.output
    assert not destination.exists()


def test_an_in_memory_database_has_nothing_to_back_up(
    app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    memory_app: Any = app_factory(SQLALCHEMY_DATABASE_URI="sqlite:///:memory:")

    result = memory_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])

    assert result.exit_code == REFUSED
    assert "in memory" in result.output
    assert list(tmp_path.iterdir()) == []
