"""The bench's own database: created empty at the start, dropped at the end.

PostgreSQL: a database named `bench_et` (by default) on the server of `--postgres-url`,
dropped (connections and all) and created again. SQLite: a file in a scratch directory.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class BenchDatabase:
    """Where the bench's data lives, and how to make it and get rid of it."""

    kind: str  # "postgresql" or "sqlite"
    url: str  # the SQLAlchemy URL the app is given
    name: str
    admin_conninfo: str = ""  # PostgreSQL: the server's maintenance database
    directory: Path | None = None  # SQLite: the scratch directory holding the file
    created: bool = False

    @classmethod
    def postgresql(cls, server_url: str, name: str) -> BenchDatabase:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        server = make_url(server_url)
        admin = server.set(drivername="postgresql")
        return cls(
            kind="postgresql",
            url=server.set(database=name).render_as_string(hide_password=False),
            name=name,
            admin_conninfo=admin.render_as_string(hide_password=False),
        )

    @classmethod
    def sqlite(cls) -> BenchDatabase:
        directory = Path(tempfile.mkdtemp(prefix="expense-bench-"))
        path = directory / "bench.db"
        return cls(kind="sqlite", url=f"sqlite:///{path}", name=str(path), directory=directory)

    def create(self) -> None:
        """An empty database (a PostgreSQL one of the same name is dropped first)."""
        if self.kind == "postgresql":
            with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    def drop(self) -> None:
        """Remove the database and everything in it (safe to call twice)."""
        if self.kind == "postgresql":
            if self.created:
                with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.created = False

    def vacuum(self) -> float:
        """PostgreSQL: VACUUM ANALYZE, as autovacuum would after a bulk load (visibility
        map for index-only scans, hint bits set, statistics), then a CHECKPOINT, so that
        the load's dirty pages are written now rather than by the checkpointer during the
        measurements (a superuser's right; skipped without it); its seconds. SQLite:
        no-op (seed-bench has run ANALYZE)."""
        if self.kind != "postgresql":
            return 0.0
        started = time.perf_counter()
        with psycopg.connect(self._conninfo(), autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
                connection.execute("CHECKPOINT")
        return time.perf_counter() - started

    def busy(self) -> bool:
        """PostgreSQL: does a client's query run in the database now (autovacuum aside)?"""
        if self.kind != "postgresql":
            return False
        with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND state = 'active' "
                "AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchone()
        return bool(row and row[0])

    def server_version(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"

    def _conninfo(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
