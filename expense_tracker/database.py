"""The database layer's shared parts: declarative base, column types, engine settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from flask import Flask, has_request_context, request
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from expense_tracker import pool_liveness
from expense_tracker.domain.text import casefold_key

# Named constraints, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest id either database can store: larger ones cannot exist (404, or 422 in bodies).
MAX_ID = 2**63 - 1
# 64-bit ids on PostgreSQL; SQLite only autoincrements a plain INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Money in integer minor units: 64 bits comfortably hold any sum of amounts <= 999,999,999.99.
MinorUnits = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no time zones and hands back naive values: store UTC and re-attach it.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_today() -> date:
    """ "Today" as the contract means it: today in UTC."""
    return utcnow().date()


def case_fold_of(source: str, *, length: int) -> Mapped[str]:
    """A `<source>_key` column: the Unicode case fold of the text in column `source`, which
    filters, searches and orderings compare (the same fold on SQLite and PostgreSQL, where
    lower() and ILIKE differ). "ß" folds to "ss": give room for the longer fold.

    The model keeps it: an INSERT that leaves it out (ORM or Core bulk) gets the fold as the
    column default, and `keep_case_fold` refolds it on every ORM assignment of `source`.
    """

    def fold(context: Any) -> str:
        return casefold_key(context.get_current_parameters().get(source, ""))

    return mapped_column(String(length), default=fold)


def keep_case_fold(row: object, source: str, text: str) -> str:
    """For a model's `@validates(source, ...)`: set `<source>_key` as `source` is set."""
    setattr(row, f"{source}_key", casefold_key(text))
    return text


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model names its `__tablename__`, so is mapped to a Table (SQLAlchemy can
        # only promise some FromClause).
        __table__: ClassVar[Table]


def never_reuse_ids_on_sqlite(mapper: Any, _class: type) -> None:
    """Without AUTOINCREMENT, SQLite hands a deleted row's id to the next insert, so a stale
    URL or ETag would point at a different resource. PostgreSQL sequences never reuse.

    A mapper event on the model base class (extensions.py), so every model gets it.
    """
    table = mapper.local_table
    if [column.name for column in table.primary_key] == ["id"]:
        table.dialect_kwargs["sqlite_autoincrement"] = True


SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys=ON",  # off by default in SQLite
    # Wait for the writer ahead instead of failing at once: writes queue for the one write
    # lock (BEGIN IMMEDIATE below), so a burst of them waits its turn; under gunicorn's
    # 30 s worker timeout.
    "PRAGMA busy_timeout=15000",
    "PRAGMA case_sensitive_like=ON",  # LIKE compares like PostgreSQL's: we fold case first
)
SQLITE_FILE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers do not block the writer
    "PRAGMA synchronous=NORMAL",  # safe with WAL, much faster than FULL
)


def engine_options(app: Flask) -> dict[str, Any]:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        # A fresh checkout has no instance/ folder; SQLite creates files, not folders.
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.get_backend_name() == "postgresql":
        # No pool_pre_ping: its round trip per checkout is replaced by a local check
        # (check_pooled_connections below).
        options.setdefault("pool_size", app.config["DATABASE_POOL_SIZE"])
        options.setdefault("max_overflow", app.config["DATABASE_MAX_OVERFLOW"])
        options.setdefault("pool_recycle", 1800)
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", 5)
        connect_args.setdefault("application_name", "expense_tracker")
    return options


def check_pooled_connections(engines: Iterable[Engine]) -> None:
    """PostgreSQL pools check each connection at checkout, as pool_pre_ping did, but
    without its round trip where the connection was just used and its socket is quiet
    (pool_liveness.py). SQLite connections are local files: nothing to check."""
    for engine in engines:
        if engine.dialect.name == "postgresql":
            pool_liveness.check_on_checkout(engine)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.execute("PRAGMA database_list")
    is_file = any(row[2] for row in cursor.fetchall())
    if is_file:
        for pragma in SQLITE_FILE_PRAGMAS:
            cursor.execute(pragma)
    cursor.close()
    # The driver begins a transaction only before its first INSERT/UPDATE/DELETE, so the
    # reads a write decides on ran outside it; `_begin_sqlite` begins every transaction.
    dbapi_connection.isolation_level = None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _transaction_may_write() -> bool:
    """Every transaction but a read-only request's may write (CLI commands, scripts too)."""
    return not (has_request_context() and request.method in SAFE_METHODS)


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection: Connection) -> None:
    """SQLite's transactions begin IMMEDIATE where they may write, plain BEGIN elsewhere.

    SQLite has one writer at a time and no row locks (it ignores FOR UPDATE). A deferred
    transaction that has read and then wants to write, while another wrote in between,
    is refused at once ("database is locked"): no busy timeout helps, its snapshot is
    stale. BEGIN IMMEDIATE takes the write lock first (waiting up to the busy timeout),
    so a write reads and changes its rows with no other writer in between: what the row
    locks (`member_group_for_update`, ...) give on PostgreSQL. Reads (GET) stay deferred
    and, under WAL, never wait for a writer.
    """
    if connection.dialect.name != "sqlite":
        return
    # Straight to the driver, as its own implicit BEGIN went: not a statement of the
    # request's (statement counts, logs).
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = "BEGIN IMMEDIATE" if _transaction_may_write() else "BEGIN"
    try:
        driver.execute(statement)
    except sqlite3.OperationalError as exc:
        # Still locked after the busy timeout: the 503 every database outage answers
        # (errors.py handles SQLAlchemy's errors; the driver's own would be a 500).
        raise OperationalError(statement, None, exc) from exc


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring the objects the session holds.

    For a write whose response shows exactly the rows it has just written (every value
    known in Python: ids from the inserts, defaults set by the models, not the
    database), reading them back after the commit would be round trips for nothing.
    """
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


class VersionedMixin:
    """A row version, incremented by every UPDATE and checked by it (optimistic locking)."""

    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class SoftDeleteMixin:
    """Deleted is not gone: a deleted row keeps everything and can be restored
    (groups/deletion.py); every list, balance and load leaves it out meanwhile."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def partial_index_where(condition: str) -> dict[str, Any]:
    """The keyword arguments of an Index that covers only the rows where `condition` holds,
    on both databases."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}
