"""Migrations that rebuild SQLite tables keep every row, and keep ids from being reused."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from expense_tracker import create_app
from expense_tracker.extensions import db

ROWS = (
    "INSERT INTO users (id, email, email_key, full_name, password_hash, default_currency, "
    "created_at, credential_generation, expense_count) VALUES "
    "(1, 'a@example.com', 'a@example.com', 'A', 'x', 'USD', '2026-01-01 00:00:00', 0, 1)",
    "INSERT INTO expenses (id, owner_id, date, category, category_key, amount, currency, "
    "description, description_key, payment_method, created_at, updated_at, version) VALUES "
    "(1, 1, '2026-01-01', 'x', 'x', 100, 'USD', '', '', 'cash', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00', 1)",
    "INSERT INTO groups (id, name, name_key, description, currency, join_policy, invite_code, "
    "created_by, created_at, updated_at, version, expense_count) VALUES "
    "(1, 'g', 'g', '', 'USD', 'invite', 'code', 1, '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00', 1, 0)",
    "INSERT INTO group_members (group_id, user_id, role, joined_at, paid, owed, sent, received) "
    "VALUES (1, 1, 'owner', '2026-01-01 00:00:00', 0, 0, 0, 0)",
)


def test_sqlite_table_rebuilds_keep_rows_and_autoincrement(tmp_path: Path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context():
        upgrade(revision="e5f6a7b8c9d0")
        with db.engine.begin() as connection:
            for row in ROWS:
                connection.execute(text(row))
        upgrade()
        with db.engine.connect() as connection:
            for table in ("users", "expenses", "groups", "group_members"):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
            for table in ("users", "expenses", "groups", "group_expenses"):
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table}
                ).scalar()
                assert "AUTOINCREMENT" in sql, table
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
