"""Pooled PostgreSQL connections are checked before use, without a round trip on a busy pool.

`pool_pre_ping` sends `SELECT 1` at every checkout, so every request paid a round trip
(and PostgreSQL the work) for a guarantee that is nearly always free to check locally:
a connection handed back moments ago whose socket is quiet is alive. What pre-ping
guarded against shows up without asking the server:

- a backend terminated (pg_terminate_backend, idle_session_timeout, a restart or a crash):
  the server sends its termination notice and closes, or the kernel closes the socket,
  so the socket is readable. An idle connection in the pool has nothing to read (every
  answer to the statements it ran was read before it was handed back), so readable
  means something happened;
- a connection silently dropped by a firewall or proxy after minutes of idleness: the
  socket shows nothing, so a connection idle longer than `IDLE_TRUST_SECONDS` is pinged.

Anything else (psycopg reports it closed or broken, a transaction left open, no socket)
is pinged too. A failed ping raises DisconnectionError: the pool discards that
connection and checks out a fresh one (SQLAlchemy's pessimistic disconnect handling),
so the request never meets the stale connection. Fresh connections count as just
checked, as pre-ping skipped them.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

# How long after its check-in a quiet connection is trusted without a ping. Firewalls,
# NAT and proxies drop idle connections after minutes, without a word on the socket; a
# busy pool hands a connection out again within milliseconds. Seconds keep every busy
# pool ping-free while a connection left idle long enough to be dropped gets pinged.
IDLE_TRUST_SECONDS = 5.0

# Where a connection's record keeps the monotonic time it was last known alive.
KNOWN_ALIVE_AT = "expense_tracker_known_alive_at"

# psycopg's pq.TransactionStatus.IDLE: no transaction open, no command in flight.
_TRANSACTION_IDLE = 0


def check_on_checkout(engine: Engine) -> None:
    """Check `engine`'s pooled PostgreSQL (psycopg) connections on every checkout."""
    dialect = engine.dialect

    def checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        if not looks_alive(dbapi_connection, record):
            ping_or_discard(dialect, dbapi_connection)
        # Not recorded here: alive at checkout says nothing about how long the request
        # will hold it; the check-in records when it was last used.

    event.listen(engine, "connect", note_alive)
    event.listen(engine, "checkin", note_alive)
    event.listen(engine, "checkout", checkout)


def note_alive(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """At connect and at check-in (after the pool's rollback): it answered just now."""
    record.info[KNOWN_ALIVE_AT] = time.monotonic()


def looks_alive(dbapi_connection: Any, record: ConnectionPoolEntry) -> bool:
    """Recently used, idle, and nothing waiting on its socket: alive, no round trip."""
    known_alive_at = record.info.get(KNOWN_ALIVE_AT)
    if known_alive_at is None or time.monotonic() - known_alive_at >= IDLE_TRUST_SECONDS:
        return False
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    pgconn = dbapi_connection.pgconn
    if pgconn.transaction_status != _TRANSACTION_IDLE:
        return False
    try:
        socket = pgconn.socket
    except Exception:  # psycopg's OperationalError: libpq has no socket for it any more
        return False
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLPRI)
    # Zero timeout: only what is already there. POLLHUP/POLLERR come back unasked.
    return not poller.poll(0)


def ping_or_discard(dialect: Dialect, dbapi_connection: Any) -> None:
    """The round trip pre-ping made (autocommit `SELECT 1`); failing, discard the
    connection. A readable socket holding something harmless (a notice, a parameter
    change) reads it and passes; one holding the server's goodbye fails here."""
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as exc:
        raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc
