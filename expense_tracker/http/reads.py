"""Hot reads: no transaction around their few statements on PostgreSQL, and a lean way
to run those statements.

A read of the API sends two or three SELECTs (the session check, the group and the
membership, the page). On PostgreSQL each already sees the data as of its own start
(READ COMMITTED: no snapshot spans statements), so the transaction around them adds no
guarantee, only two round trips: the driver's BEGIN before the first statement and the
ROLLBACK that ends the request. A view declared `lone_statements` runs in autocommit
mode instead: the same answers, as consistent as before, for less work on both sides.

Only views that write nothing are declared so (a write inside one would commit
statement by statement: tests/http/test_commits_per_request.py checks they commit
nothing). SQLite keeps its transaction: there a read transaction is one snapshot.
On PostgreSQL such a view takes a connection of its own (`begin`), from the hot reads'
pool (http/read_engine.py: in autocommit, each statement built once planned once per
connection), not the ORM session's: creating, binding and closing a session cost more
than the statements' own Python work. It goes back to the pool when the request ends.
Every statement of such a view goes through `rows` (a test holds each hot read to one
connection from the pool).

`rows` runs a Core SELECT of such a view. Through the ORM session a statement costs
about six times the round trip itself (ORM execution context, result metadata, row
objects; measured with bench/cpu.py): on PostgreSQL `rows` compiles each statement once
and sends its SQL on the request's connection through the driver's cursor, applying the
same bind and result conversions SQLAlchemy would, raising the same errors (a lost
connection is a 503 as before) and telling the application engine's
`before_cursor_execute` listeners, so statement counts stay true. On SQLite it is the
session's own execute.

A read inside a group starts with the group and the caller's membership: its view
declares that statement `with_session_check`, and it is sent inside the session check's
own (an outer join), one statement instead of two; the session check still decides
first, and `first` answers the view's own call from what came back.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import exc, true
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from expense_tracker import pagination
from expense_tracker.extensions import db
from expense_tracker.http import read_engine

F = TypeVar("F", bound=Callable[..., Any])

_CONNECTION = "lean_connection"
_READ_AHEAD = "read_ahead"

AnySelect = Select[*tuple[Any, ...]]


def lone_statements(view: F) -> F:
    """Declare a view that only reads: on PostgreSQL it runs without a transaction."""
    view.lone_statements = True  # type: ignore[attr-defined]
    return view


def with_session_check(statement: AnySelect) -> Callable[[F], F]:
    """Declare the statement a hot read runs first, to be sent inside the session check's
    (`first_with`): one statement and one round trip instead of two, the session check
    still deciding first (a refused caller gets its 401 whatever the other part found).

    Its parameters are the URL's values of the same names and `user_id`, the caller's id;
    `first(statement, params)` with those values then answers from what came back.
    """

    def declare(view: F) -> F:
        view.with_session_check = statement  # type: ignore[attr-defined]
        return view

    return declare


def declared_ahead() -> tuple[AnySelect, dict[str, Any]] | None:
    """The statement this request's view declared `with_session_check`, and its parameters
    but the caller's id (None: none declared, or the URL lacks one of its values)."""
    view = current_app.view_functions.get(request.endpoint or "")
    statement: AnySelect | None = getattr(view, "with_session_check", None)
    if statement is None:
        return None
    url_values = request.view_args or {}
    names = _ahead_parameters(statement)
    if any(name not in url_values for name in names):
        return None
    return statement, {name: url_values[name] for name in names}


def on_postgresql() -> bool:
    """Whether the application's database is PostgreSQL (without creating a session)."""
    return read_engine.current() is not None


def declared() -> bool:
    """Whether this request's view is a GET declared `lone_statements`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "lone_statements", False) and request.method == "GET"


def begin() -> None:
    """Before the request's first statement: a declared view on PostgreSQL gets a
    connection of its own from the hot reads' pool (http/read_engine.py: autocommit,
    statements planned once), given back when the request ends (`forget`). The ORM
    session is not involved: creating it, binding it and closing it cost more than the
    statements' own Python work (about 0.2 ms a request)."""
    if not declared():
        return
    engine = read_engine.current()
    if engine is None:
        return
    sessions = db.session.registry
    if sessions.has() and sessions().in_transaction():  # a test's session, mid-transaction
        return
    setattr(g, _CONNECTION, engine.connect())  # what `rows` sends its statements on


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled once for PostgreSQL's driver: its SQL, its own parameter
    values, and SQLAlchemy's conversions of parameters and columns."""

    statement: AnySelect  # held, so that its id is not reused while it is cached
    compiled: Any  # SQLAlchemy's compilation: the values of a statement of the same shape
    sql: str | None  # None: SQLAlchemy expands it at execution (an IN with a list)
    defaults: Mapping[str, Any]
    bind_processors: Mapping[str, Callable[[Any], Any]]
    result_processors: tuple[Callable[[Any], Any] | None, ...]
    row: Any  # a namedtuple class of the statement's columns


# By the statement's id (a module constant: found without computing its cache key), and
# by SQLAlchemy's cache key (a statement built per request: one entry per shape).
_BY_ID: dict[int, _Compiled] = {}
_BY_KEY: dict[Any, _Compiled] = {}


def rows(statement: AnySelect, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    """Every row of `statement` (tuples with the columns' names as attributes).

    `statement` built once (a module constant with `bindparam`s, `params` their values) is
    compiled once; one built per request is compiled once per shape (SQLAlchemy's cache
    key, whose extracted values are then its parameters).
    """
    connection = _lean_connection()
    if connection is None:
        session = db.session()
        # SQLite, and a session with changes to flush first (inside a write), go the usual way.
        if session.get_bind().dialect.name != "postgresql" or _has_changes(session):
            return session.execute(statement, params).all()
        connection = session.connection()
    compiled, values = _compile(statement, connection.dialect)
    if compiled.sql is None:  # expanded at execution (IN with a list): the usual way
        return connection.execute(statement, params).all()
    if params:
        values = {**values, **params}
    for name, process in compiled.bind_processors.items():
        if name in values:
            values[name] = process(values[name])
    # Built once (its values given apart): prepared, so planned once per connection.
    fetched = _execute(connection, compiled.sql, values, prepare=params is not None)
    make, processors = compiled.row._make, compiled.result_processors
    if not any(processors):
        return [make(row) for row in fetched]
    return [
        make([value if p is None else p(value) for p, value in zip(processors, row, strict=True)])
        for row in fetched
    ]


def first(statement: AnySelect, params: Mapping[str, Any] | None = None) -> Any | None:
    """The first row of `statement`, or None (read ahead by `first_with`, if it was)."""
    ahead: tuple[AnySelect, dict[str, Any], Any] | None = g.get(_READ_AHEAD)
    if ahead is not None and ahead[0] is statement and ahead[1] == dict(params or {}):
        return ahead[2]
    found = rows(statement, params)
    return found[0] if found else None


def first_with(
    statement: AnySelect,
    params: Mapping[str, Any],
    ahead: AnySelect,
    ahead_params: Mapping[str, Any],
) -> Any | None:
    """The first row of `statement`, and, in the same statement (an outer join, so that it
    changes nothing of the first part's answer), the first row of `ahead`: kept for the
    rest of the request, where `first(ahead, ahead_params)` returns it without a query."""
    joined = _joined(statement, ahead)
    row = first(joined.statement, {**params, **ahead_params})
    if row is None:
        return None
    own, theirs = row[: joined.width], row[joined.width :]
    found = joined.ahead_row._make(theirs[:-1]) if theirs[-1] is not None else None
    setattr(g, _READ_AHEAD, (ahead, dict(ahead_params), found))
    return joined.row._make(own)


def count(statement: AnySelect) -> int:
    """How many rows `statement` selects, counted by the database (as `rows` sends it)."""
    counted = first(pagination.counting(statement))
    return int(counted[0]) if counted is not None else 0


@dataclass(frozen=True)
class _Joined:
    pair: tuple[AnySelect, AnySelect]  # held, so that their ids are not reused while cached
    statement: AnySelect  # the first statement, `ahead`'s columns and a marker after its own
    width: int  # how many columns are the first statement's
    row: Any  # namedtuple classes of the first statement's columns, and of `ahead`'s
    ahead_row: Any


_JOINED: dict[tuple[int, int], _Joined] = {}
# By the statement's id: the statement (held, as above) and its parameters' names.
_AHEAD_PARAMETERS: dict[int, tuple[AnySelect, tuple[str, ...]]] = {}


def _joined(statement: AnySelect, ahead: AnySelect) -> _Joined:
    """`statement` LEFT JOIN (`ahead`, with a marker column) ON true: built once per pair
    (both are module constants)."""
    key = (id(statement), id(ahead))
    joined = _JOINED.get(key)
    if joined is None or joined.pair[0] is not statement or joined.pair[1] is not ahead:
        part = ahead.add_columns(true().label("read_ahead_found")).subquery("read_ahead")
        joined = _JOINED[key] = _Joined(
            pair=(statement, ahead),
            statement=statement.add_columns(*part.c).outerjoin(part, true()),
            width=len(statement.selected_columns),
            row=_row_class(statement),
            ahead_row=_row_class(ahead),
        )
    return joined


def _row_class(statement: AnySelect) -> Any:
    return namedtuple("Row", [column.key for column in statement.selected_columns], rename=True)  # type: ignore[misc]


def _ahead_parameters(statement: AnySelect) -> tuple[str, ...]:
    """The names of `statement`'s parameters but `user_id` (the caller's, given apart)."""
    cached = _AHEAD_PARAMETERS.get(id(statement))
    if cached is not None and cached[0] is statement:
        return cached[1]
    names = tuple(name for name in statement.compile().params if name != "user_id")
    _AHEAD_PARAMETERS[id(statement)] = (statement, names)
    return names


def _has_changes(session: Session) -> bool:
    return bool(session.new or session.deleted or session.dirty)


def _lean_connection() -> Connection | None:
    """The request's own connection (`begin`), while it is usable."""
    connection: Connection | None = g.get(_CONNECTION)
    if connection is None or connection.closed or connection.invalidated:
        return None
    return connection


def _compile(statement: AnySelect, dialect: Dialect) -> tuple[_Compiled, dict[str, Any]]:
    """The compilation of `statement` and its parameter values."""
    cached = _BY_ID.get(id(statement))
    if cached is not None and cached.statement is statement:
        return cached, dict(cached.defaults)
    key = statement._generate_cache_key()
    if key is None:  # not cacheable (no construct of ours is): compiled each time
        cached = _compile_afresh(statement, dialect, None)
        return cached, dict(cached.defaults)
    cached = _BY_KEY.get(key.key)
    if cached is None:
        cached = _BY_KEY[key.key] = _BY_ID[id(statement)] = _compile_afresh(statement, dialect, key)
        return cached, dict(cached.defaults)
    # Another statement of a shape compiled before: its own values, in that compilation.
    return cached, cached.compiled.construct_params(
        extracted_parameters=key.bindparams, _check=False
    )


def _compile_afresh(statement: AnySelect, dialect: Dialect, key: Any) -> _Compiled:
    # With its cache key: another statement of this shape gets its values from this one.
    compiled = statement.compile(dialect=dialect, cache_key=key)
    expanded = bool(compiled.post_compile_params or compiled.literal_execute_params)
    columns = compiled._result_columns
    return _Compiled(
        statement=statement,
        compiled=compiled,
        sql=None if expanded else compiled.string,
        defaults=compiled.construct_params(_check=False),
        bind_processors=dict(compiled._bind_processors),  # type: ignore[arg-type]
        result_processors=tuple(
            column.type._cached_result_processor(dialect, None) for column in columns
        ),
        row=namedtuple("Row", [column.keyname for column in columns], rename=True),
    )


def _execute(
    connection: Connection, sql: str, values: Mapping[str, Any], prepare: bool
) -> list[tuple[Any, ...]]:
    """Send `sql` on the connection's driver cursor, as SQLAlchemy would: the
    application engine's listeners told, its errors raised, a lost connection
    invalidated. `prepare`: as a prepared statement at once, else never prepared."""
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        for listener in db.engine.dispatch.before_cursor_execute:
            listener(connection, cursor, sql, values, None, False)
        cursor.execute(sql, values, prepare=prepare)
        return cursor.fetchall()
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, driver, cursor)
        if lost:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(
            sql,
            values,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error
    finally:
        cursor.close()


def forget_read_ahead() -> None:
    """Drop what `first_with` read ahead (its caller was refused)."""
    g.pop(_READ_AHEAD, None)


def forget() -> None:
    """At the end of the request: its own connection goes back to its pool."""
    forget_read_ahead()
    connection: Connection | None = g.pop(_CONNECTION, None)
    if connection is not None:
        connection.close()
