"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from expense_tracker import create_app
from expense_tracker.expenses import summaries, summary_audit
from expense_tracker.extensions import db
from expense_tracker.models import ExpenseSummaryCell
from tests.databases import DatabaseUnavailable, provision_database, service_unavailable

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_models(backend, tmp_path: Path, run_worker_id: str):
    base_url = "" if backend == "sqlite" else POSTGRES_URL
    try:
        with provision_database(base_url, f"{run_worker_id}_migrations", tmp_path) as url:
            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                upgrade()
            assert schema_differences(app) == []
            with app.app_context():
                downgrade(revision="base")
                remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
                assert remaining == set()
                upgrade()
            assert schema_differences(app) == []
            with app.app_context():
                db.engine.dispose()
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_summaries_migration_fills_them_from_existing_expenses(
    backend, tmp_path: Path, run_worker_id: str
):
    base_url = "" if backend == "sqlite" else POSTGRES_URL
    try:
        with provision_database(base_url, f"{run_worker_id}_summaries", tmp_path) as url:
            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
            with app.app_context():
                upgrade(revision="d08000000001-1")
                with db.engine.begin() as connection:
                    connection.execute(text(INSERT_USER))
                    for day, category, amount in EXISTING_EXPENSES:
                        connection.execute(
                            text(INSERT_EXPENSE), {"d": day, "c": category, "a": amount}
                        )
                upgrade()
                assert summary_audit.drifted_users() == []
                assert summaries.used_categories(1, None) == [("FOOD", 3)]
                assert len(db.session.scalars(select(ExpenseSummaryCell)).all()) == 2
                db.session.remove()
                db.engine.dispose()
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


INSERT_USER = """
    INSERT INTO users (id, email, email_key, full_name, password_hash, default_currency,
                       created_at, credential_generation, expense_count)
    VALUES (1, 'a@example.com', 'a@example.com', 'A', 'x', 'USD', CURRENT_TIMESTAMP, 0, 3)
"""
INSERT_EXPENSE = """
    INSERT INTO expenses (owner_id, date, category, category_key, amount, currency,
                          description, description_key, payment_method, created_at,
                          updated_at, version)
    VALUES (1, :d, :c, 'food', :a, 'USD', '', '', 'cash', CURRENT_TIMESTAMP,
            CURRENT_TIMESTAMP, 1)
"""
EXISTING_EXPENSES = (
    ("2024-01-05", "food", 100),
    ("2024-01-30", "Food", 250),
    ("2024-02-01", "FOOD", 5),
)
