"""Hot reads on PostgreSQL run their few statements without a transaction around them.

A read of the API sends two or three SELECTs (the session check, the group and the
membership, the page). On PostgreSQL each already sees the data as of its own start
(READ COMMITTED: no snapshot spans statements), so the transaction around them adds no
guarantee, only two round trips: the driver's BEGIN before the first statement and the
ROLLBACK that ends the request. A view declared `lone_statements` runs in autocommit
mode instead: the same answers, as consistent as before, for less work on both sides.

Only views that write nothing are declared so (a write inside one would commit
statement by statement: tests/http/test_commits_per_request.py checks they commit
nothing). SQLite keeps its transaction: there a read transaction is one snapshot.
The connection goes back to the pool with its isolation level reset (SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from expense_tracker.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def lone_statements(view: F) -> F:
    """Declare a view that only reads: on PostgreSQL it runs without a transaction."""
    view.lone_statements = True  # type: ignore[attr-defined]
    return view


def begin() -> None:
    """Before the request's first statement: autocommit for a declared view (PostgreSQL)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "lone_statements", False) or request.method != "GET":
        return
    session = db.session()
    if session.get_bind().dialect.name != "postgresql" or session.in_transaction():
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
