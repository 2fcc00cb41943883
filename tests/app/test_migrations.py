"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from expense_tracker import create_app
from expense_tracker.extensions import db
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
