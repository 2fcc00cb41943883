"""Bulk inserts with SQLAlchemy Core: batches, explicit ids, sequences moved past them.

The ORM would build an object per row; Core inserts a batch of plain dicts in one
statement, which is what loading a million rows in minutes takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table, func, select, text

from expense_tracker.extensions import db


class BulkLoader:
    """Core bulk inserts in batches, one transaction per batch, with explicit ids (taken
    after the largest id present, so the command also adds to a loaded database)."""

    def __init__(self, batch_size: int, progress: Callable[[str], None]) -> None:
        self.engine = db.engine
        self.batch_size = batch_size
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.tables_with_explicit_ids: list[Table] = []

    def next_id(self, table: Table) -> int:
        """The first free id of `table`; the caller numbers its rows from there."""
        self.tables_with_explicit_ids.append(table)
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        total = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._flush(table, batch)
                total += len(batch)
                batch = []
        if batch:
            self._flush(table, batch)
            total += len(batch)
        self.counts[table.name] = self.counts.get(table.name, 0) + total
        elapsed = time.perf_counter() - started
        rate = total / elapsed if elapsed > 0 else 0.0
        self.progress(f"  {table.name}: {total:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)")

    def _flush(self, table: Table, batch: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(table.insert(), batch)

    def advance_sequences(self) -> None:
        """PostgreSQL: explicit ids leave the id sequences behind; move them past the rows
        (of every table `next_id` numbered)."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as connection:
            for table in self.tables_with_explicit_ids:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    )
                )

    def analyse(self) -> None:
        """Give the query planner statistics for the new rows now, not at autovacuum's
        next visit: before it, PostgreSQL plans the first queries for empty tables."""
        started = time.perf_counter()
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        self.progress(f"  analysed the tables in {time.perf_counter() - started:.1f} s")
