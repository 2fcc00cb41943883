"""Bulk inserts: batches, explicit ids, sequences moved past them.

The ORM would build an object per row; a batch of plain dicts goes in one statement
instead (SQLAlchemy Core's executemany), or on PostgreSQL in one `COPY ... FROM STDIN`,
several times faster again, which is what loading millions of rows in minutes takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text

from expense_tracker.extensions import db

# A table whose rows are drawn along with another's, and the list they are appended to.
Children = Sequence[tuple[Table, list[dict[str, Any]]]]


class BulkLoader:
    """Bulk inserts in batches, one transaction per batch, with explicit ids (taken after
    the largest id present, so the command also adds to a loaded database)."""

    def __init__(self, batch_size: int, progress: Callable[[str], None]) -> None:
        self.engine = db.engine
        self.batch_size = batch_size
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.tables_with_explicit_ids: list[Table] = []
        self.use_copy = self.engine.dialect.name == "postgresql"

    def next_id(self, table: Table) -> int:
        """The first free id of `table`; the caller numbers its rows from there."""
        self.tables_with_explicit_ids.append(table)
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, table: Table, rows: Iterable[dict[str, Any]], children: Children = ()) -> None:
        """Insert `rows` into `table`.

        `children` are (table, list) pairs that drawing `rows` fills, e.g. the payers and
        splits of each shared expense, appended as the expense is drawn: after each batch of
        `rows`, what those lists hold goes in too, in the same transaction, and the lists
        are emptied, so they never hold more than a batch's worth.
        """
        started = time.perf_counter()
        tables = [table, *(child for child, _ in children)]
        totals = dict.fromkeys((t.name for t in tables), 0)
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            with self.engine.begin() as connection:
                for target, pending in [(table, batch), *children]:
                    if pending:
                        self._write(connection, target, pending)
                        totals[target.name] += len(pending)
                        if pending is not batch:
                            pending.clear()

        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                flush()
                batch = []
        flush()
        for name, total in totals.items():
            self.counts[name] = self.counts.get(name, 0) + total
        elapsed = time.perf_counter() - started
        rows_done = sum(totals.values())
        rate = rows_done / elapsed if elapsed > 0 else 0.0
        listed = ", ".join(f"{name}: {total:,} rows" for name, total in totals.items())
        self.progress(f"  {listed} in {elapsed:.1f} s ({rate:,.0f} rows/s)")

    def _write(self, connection: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
        if self.use_copy:
            _copy(connection, table, batch)
        else:
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


def _copy(connection: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL (psycopg 3): the batch in one COPY, each value bound as SQLAlchemy would
    bind it (the column types' bind processors), in the connection's transaction."""
    dialect = connection.dialect
    given = list(batch[0])
    values = itemgetter(*given)  # a tuple in `given` order (tables have several columns)
    # Columns the rows leave out get their Python-side default, as an INSERT would.
    defaults = [
        column
        for column in table.c
        if column.name not in batch[0]
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]
    names = [*given, *(column.name for column in defaults)]
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in batch:
                raw = [*values(row), *(_default(column) for column in defaults)]
                copy.write_row(
                    [
                        value if process is None or value is None else process(value)
                        for process, value in zip(processors, raw, strict=True)
                    ]
                )
    finally:
        cursor.close()


def _default(column: Column[Any]) -> Any:
    """The value of a column's Python-side default (a constant, or a function called now)."""
    default: Any = column.default
    return default.arg(None) if default.is_callable else default.arg
