"""Which logged changes committed between two calls of the change feed, exactly.

Three logs record every change the feed reports: `activity` (every change in a group),
`expense_changes` (personal expenses) and `profile_changes` (names, which members show).
A call of the feed answers what committed after the previous call's *horizon* and up to
its own, and hands its horizon on in the cursor.

The trap is a transaction that commits out of order. A writer may take id 41 for its row,
a second writer id 42 and commit at once, the feed answer "up to 42", and only then the
first writer commit 41. A plain "id > 42" (or "timestamp > last call") on the next call
never returns 41. So the horizon is not a number but what the database says was visible:

- **PostgreSQL**: each logged row carries the id of the transaction that wrote it
  (`txid`, from `pg_current_xact_id()`), and a horizon is the reading transaction's
  snapshot, `pg_current_snapshot()` (`xmin:xmax:in-progress ids`). A row is in the window
  between horizons A and B when its transaction is visible in B and was not in A
  (`pg_visible_in_snapshot`): a transaction running when A was taken is in A's in-progress
  list (or at or above its xmax), so it is not visible in A whenever it commits, and its
  rows fall in the first window whose end sees it committed. Rows of transactions that
  committed before A are visible in A and never come again. The range `txid >= A.xmin`
  (every transaction below A's xmin had finished when A was taken) lets the index find the
  window's rows.
- **SQLite** has one writer at a time: a write transaction holds the database's write
  lock from its first INSERT to its COMMIT, and ids are handed out under that lock. So
  every row with a smaller id was written by a transaction that had committed (or rolled
  back, its rows never seen) before the larger id was taken: ids are in commit order,
  and the horizon is simply the highest id of each log a call saw.

A horizon is kept in the cursor as plain data (`Horizon.to_data` / `from_data`); the
cursor is signed (sync/cursor.py), so a client cannot forge one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Text, and_, cast, func, literal, select, text
from sqlalchemy.types import UserDefinedType

from expense_tracker.extensions import db
from expense_tracker.models import Activity, ExpenseChange, ProfileChange


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def transaction_id() -> ColumnElement[int] | None:
    """What a logged row's `txid` is set to: the writing transaction's id (PostgreSQL)."""
    if not is_postgresql():
        return None
    return cast(cast(func.pg_current_xact_id(), Text), BigInteger)


@dataclass(frozen=True)
class Horizon:
    """What one call of the feed saw: a PostgreSQL snapshot, or SQLite's highest ids."""

    snapshot: str | None = None  # "xmin:xmax:xip,..." (PostgreSQL)
    activity_id: int = 0  # SQLite
    expense_change_id: int = 0  # SQLite
    profile_change_id: int = 0  # SQLite

    @classmethod
    def now(cls) -> Horizon:
        if is_postgresql():
            return cls(snapshot=db.session.scalar(text("SELECT pg_current_snapshot()::text")))
        activity, change, profile = db.session.execute(
            select(
                *(
                    select(func.coalesce(func.max(log.id), 0)).scalar_subquery()
                    for log in (Activity, ExpenseChange, ProfileChange)
                )
            )
        ).one()
        return cls(None, activity, change, profile)

    def to_data(self) -> Any:
        if self.snapshot is not None:
            return self.snapshot
        return [self.activity_id, self.expense_change_id, self.profile_change_id]

    @classmethod
    def from_data(cls, data: Any) -> Horizon:
        """A horizon from a cursor; ValueError when it is not one of this database."""
        if is_postgresql():
            if not isinstance(data, str) or _xmin(data) is None:
                raise ValueError("not a PostgreSQL horizon")
            return cls(snapshot=data)
        if (
            not isinstance(data, list)
            or len(data) != 3
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in data)
        ):
            raise ValueError("not a SQLite horizon")
        return cls(None, *data)


def _xmin(snapshot: str) -> int | None:
    parts = snapshot.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts[:2]):
        return None
    in_progress = parts[2]
    if in_progress and not all(xid.isdigit() for xid in in_progress.split(",")):
        return None
    return int(parts[0])


class _PgType(UserDefinedType[Any]):
    """A PostgreSQL type SQLAlchemy has no class for, named in casts."""

    cache_ok = True
    name = ""

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


class _Xid8(_PgType):
    cache_ok = True
    name = "xid8"


class _PgSnapshot(_PgType):
    cache_ok = True
    name = "pg_snapshot"


def _visible(txid: Any, snapshot: str) -> ColumnElement[bool]:
    """`txid`'s transaction had committed when `snapshot` was taken."""
    return func.pg_visible_in_snapshot(
        cast(cast(txid, Text), _Xid8()), cast(literal(snapshot, Text), _PgSnapshot())
    )


Log = type[Activity] | type[ExpenseChange] | type[ProfileChange]
_HORIZON_FIELDS: dict[Any, str] = {
    Activity: "activity_id",
    ExpenseChange: "expense_change_id",
    ProfileChange: "profile_change_id",
}


def in_window(log: Log, since: Horizon | None, until: Horizon) -> ColumnElement[bool]:
    """The log's rows that committed after `since` (None: ever) and by `until`."""
    if until.snapshot is not None:
        conditions = [log.txid.is_not(None), _visible(log.txid, until.snapshot)]
        if since is not None and since.snapshot is not None:
            xmin = _xmin(since.snapshot)
            assert xmin is not None
            conditions += [log.txid >= xmin, ~_visible(log.txid, since.snapshot)]
        return and_(*conditions)
    field = _HORIZON_FIELDS[log]
    conditions = [log.id <= getattr(until, field)]
    if since is not None:
        conditions.append(log.id > getattr(since, field))
    return and_(*conditions)
