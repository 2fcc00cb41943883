"""Alembic environment: runs migrations against the Flask app's database (Flask-Migrate)."""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.operations.ops import MigrationScript
from flask import current_app

from expense_tracker.database import UTCDateTime

config = context.config
# Alembic's own log lines; the app's loggers (JSON to stdout) are left as they are.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_autogenerate(context: Any, revision: Any, directives: list[MigrationScript]) -> None:
    """`flask db migrate` with no model change writes no empty migration."""
    upgrade_ops = directives[0].upgrade_ops
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and upgrade_ops is not None and upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render our UTC timestamp type as the column type it stores, so that migrations do not
    import application code that may change."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`flask db upgrade --sql`) instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = current_app.extensions["migrate"].configure_args
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("render_item", render_item)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's constraints by rebuilding it (batch mode): a DROP of
            # the old copy, which with foreign keys on would cascade to (or be refused by)
            # every row that refers to it. Off during the migrations, checked after them.
            # Straight to the driver, outside any transaction: inside one (and SQLAlchemy
            # begins one with any statement, database.py's BEGIN IMMEDIATE) the pragma is
            # silently ignored.
            driver = connection.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            broken = driver.execute("PRAGMA foreign_key_check").fetchall()
            driver.execute("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"the migrations broke foreign keys: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
