"""The hot reads' own pool of PostgreSQL connections (http/reads.py).

A hot read (a view declared `lone_statements`) sends two or three SELECTs and writes
nothing, so its connection needs no transaction, and its statements are few, fixed and
sent thousands of times. Its connections come from a pool of their own, made for that:

- **autocommit from the start**: taken from the application's pool, each connection had
  to be switched to autocommit and back at every request (about 5% of a balances request,
  in SQLAlchemy's isolation-level bookkeeping);
- **planned once**: a statement built once (a module constant, its values given apart) is
  prepared by the server on its first use on a connection, and `plan_cache_mode` is
  `force_generic_plan` on these connections, so it is planned once per connection too.
  PostgreSQL otherwise plans such a statement afresh at every execution whenever the
  first plans it makes, for one user with a million expenses, look cheaper than a
  generic plan: 0.13 to 0.19 ms of the server's CPU per list page (EXPLAIN's planning
  time, bench/README.md), for the same plan. A statement built per request (a filtered
  list: its values inside, reads.rows) is never prepared, so it is still planned for its
  own values each time, as before.

The pool has the application pool's size settings (DATABASE_POOL_SIZE and
DATABASE_MAX_OVERFLOW), so a worker keeps up to twice as many connections; a worker
uses at most one per thread in each. Its connections are checked at checkout like the
application pool's (pool_liveness.py). SQLite has no such pool: there a hot read keeps
its transaction (one snapshot) in the ORM session.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from expense_tracker import pool_liveness

_EXTENSION = "expense_tracker.read_engine"
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"


def create(app: Flask, engine: Engine) -> None:
    """Make the hot reads' engine of `app`, beside its engine `engine` (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    options: dict[str, Any] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options")
    connect_args["options"] = f"{given} {GENERIC_PLANS}" if given else GENERIC_PLANS
    options["connect_args"] = connect_args
    options["isolation_level"] = "AUTOCOMMIT"
    read_engine = create_engine(engine.url, **options)
    pool_liveness.check_on_checkout(read_engine)
    app.extensions[_EXTENSION] = read_engine

    # Whoever closes the application's connections (`db.engine.dispose()`: tests,
    # scripts) closes these too. (Nothing here disposes of an engine in a forked process,
    # where `dispose(close=False)` must leave the parent's connections alone:
    # gunicorn does not preload the app, so each worker makes its own engines.)
    @event.listens_for(engine, "engine_disposed")
    def dispose_too(_engine: Engine) -> None:
        read_engine.dispose()


def current() -> Engine | None:
    """This application's hot reads' engine (None: not on PostgreSQL)."""
    found: Engine | None = current_app.extensions.get(_EXTENSION)
    return found
