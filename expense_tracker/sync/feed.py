"""`GET /users/me/changes`: what changed for the caller since their last call.

The guarantee: a client that calls again with the returned cursor until `has_more` is
false holds every object it may see in its latest state; each later call returns exactly
what changed since, including changes committed by transactions that were still running
when the previous call answered. How "since" stays exact under out-of-order commits is
`sync.window`'s business: each call reads up to a horizon and hands it on.

A call answers one page of a *window*: from the previous complete answer's horizon
(`since`) to the horizon taken when the window opened (`until`, kept in the cursor while
the window is paged through, so that its set of rows is fixed). A window has up to three
stages, each paged by a position in the cursor:

1. `full`: whole groups, object by object (the group, its members, expenses,
   settlements, comments): on the first sync every group of the caller's, and their
   personal expenses; later, the groups the caller created or joined (or that were
   restored) within the window, whose older objects no log row in the window would bring.
2. `log`: the activity rows of the window, in the caller's current groups, plus the rows
   about the caller's own membership anywhere (so that leaving a group, being removed or
   the group's deletion reach them as a `group` change with `deleted: true`: a group the
   caller cannot see any more is reported so, never its contents).
3. `personal`: the window's rows of the caller's personal expense log.

Each object appears at most once per page, with its current representation read after
the horizon (so never older than the change that brought it); a change made after the
horizon will come again in the next window. A page may end with `has_more` true and the
next page be empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, and_, or_, select

from expense_tracker.extensions import db
from expense_tracker.models import (
    Activity,
    Comment,
    Expense,
    ExpenseChange,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.sync import cursor as cursors
from expense_tracker.sync import documents
from expense_tracker.sync.documents import Key
from expense_tracker.sync.window import Horizon, in_window

# What an activity row's subject is as a feed object.
_FEED_TYPES = {
    "group": "group",
    "member": "member",
    "expense": "group_expense",
    "settlement": "settlement",
    "comment": "comment",
}
# The streams of a whole group in the `full` stage, in order (rank 0: personal expenses).
_GROUP_STREAMS = ("group", "member", "group_expense", "settlement", "comment")


class Page:
    """The keys of one answer, in order, each once, at most `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.keys: dict[Key, None] = {}

    def add(self, key: Key) -> bool:
        """Add `key`; False (and nothing added) when it is new and the page is full."""
        if key in self.keys:
            return True
        if len(self.keys) >= self.limit:
            return False
        self.keys[key] = None
        return True

    @property
    def room(self) -> int:
        return self.limit - len(self.keys)


def accessible_groups(user: User) -> set[int]:
    """The groups whose contents the caller may see: current member, group not deleted."""
    return set(
        db.session.scalars(
            select(GroupMember.group_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(
                GroupMember.user_id == user.id,
                GroupMember.left_at.is_(None),
                Group.deleted_at.is_(None),
            )
        )
    )


# --------------------------------------------------------------------------- stage 1


def _stream_ids(user: User, group_id: int, rank: int, after: int, count: int) -> list[int]:
    statement: Select[Any]
    if rank == 0:
        statement = select(Expense.id).where(Expense.owner_id == user.id, Expense.id > after)
        statement = statement.order_by(Expense.id)
    elif rank == 1:
        return [group_id] if group_id > after else []
    elif rank == 2:
        statement = select(GroupMember.user_id).where(
            GroupMember.group_id == group_id,
            GroupMember.left_at.is_(None),
            GroupMember.user_id > after,
        )
        statement = statement.order_by(GroupMember.user_id)
    elif rank == 3:
        statement = select(GroupExpense.id).where(
            GroupExpense.group_id == group_id,
            GroupExpense.deleted_at.is_(None),
            GroupExpense.id > after,
        )
        statement = statement.order_by(GroupExpense.id)
    elif rank == 4:
        statement = select(Settlement.id).where(
            Settlement.group_id == group_id,
            Settlement.deleted_at.is_(None),
            Settlement.id > after,
        )
        statement = statement.order_by(Settlement.id)
    else:  # comments stay while their expense is deleted: they come back with it
        statement = select(Comment.id).where(Comment.group_id == group_id, Comment.id > after)
        statement = statement.order_by(Comment.id)
    return list(db.session.scalars(statement.limit(count)))


def _streams(initial: bool, groups: list[int]) -> Iterator[tuple[int, int]]:
    if initial:
        yield 0, 0
    for group_id in groups:
        for rank in range(1, len(_GROUP_STREAMS) + 1):
            yield group_id, rank


def _key(group_id: int, rank: int, object_id: int) -> Key:
    if rank == 0:
        return Key("expense", object_id, None)
    return Key(_GROUP_STREAMS[rank - 1], object_id, group_id)


def _full_groups(user: User, cursor: cursors.Cursor, accessible: set[int]) -> list[int]:
    """Whole groups to send: all the caller's on a first sync, else those they created or
    joined, or that were restored, within the window."""
    if cursor.since is None:
        return sorted(accessible)
    assert cursor.until is not None
    joined_or_restored = select(Activity.group_id).where(
        in_window(Activity, cursor.since, cursor.until),
        or_(
            and_(Activity.kind == "member.joined", Activity.subject_id == user.id),
            Activity.kind.in_(("group.created", "group.restored")),
        ),
    )
    return sorted(set(db.session.scalars(joined_or_restored.distinct())) & accessible)


def _run_full(user: User, cursor: cursors.Cursor, page: Page, groups: list[int]) -> bool:
    """Fill the page from whole groups; True when they are all sent."""
    start = tuple(cursor.position) if cursor.position else (-1, -1, 0)
    for group_id, rank in _streams(cursor.since is None, groups):
        if (group_id, rank) < start[:2]:
            continue
        after = start[2] if (group_id, rank) == start[:2] else 0
        while True:
            ids = _stream_ids(user, group_id, rank, after, page.room)
            for object_id in ids:
                page.add(_key(group_id, rank, object_id))
                after = object_id
            if page.room == 0:
                cursor.position = [group_id, rank, after]
                return False
            if len(ids) == 0 or rank == 1:
                break
    return True


# --------------------------------------------------------------------------- stages 2, 3


def _log_key(row: Any, user: User, accessible: set[int]) -> Key:
    subject_type, subject_id, group_id = row
    if group_id not in accessible:
        return Key("group", group_id, group_id)
    if subject_type == "group":
        return Key("group", group_id, group_id)
    return Key(_FEED_TYPES[subject_type], subject_id, group_id)


def _run_log(
    user: User, cursor: cursors.Cursor, page: Page, accessible: set[int], full: list[int]
) -> bool:
    """Fill the page from the window's activity rows; True when they are all read."""
    assert cursor.until is not None
    mine = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id, GroupMember.left_at.is_(None)
    )
    statement = select(
        Activity.id, Activity.subject_type, Activity.subject_id, Activity.group_id
    ).where(
        in_window(Activity, cursor.since, cursor.until),
        or_(
            Activity.group_id.in_(mine),
            and_(Activity.subject_type == "member", Activity.subject_id == user.id),
        ),
        Activity.group_id.not_in(full),
    )
    return _read_log(
        statement, Activity.id, page, cursor, lambda row: _log_key(row, user, accessible)
    )


def _run_personal(user: User, cursor: cursors.Cursor, page: Page) -> bool:
    assert cursor.until is not None
    statement = select(ExpenseChange.id, ExpenseChange.expense_id).where(
        ExpenseChange.user_id == user.id, in_window(ExpenseChange, cursor.since, cursor.until)
    )
    return _read_log(
        statement, ExpenseChange.id, page, cursor, lambda row: Key("expense", row[0], None)
    )


def _read_log(statement: Any, id_column: Any, page: Page, cursor: Any, key: Any) -> bool:
    """Read log rows after the cursor's position, in id order, into the page."""
    after = cursor.position[0] if cursor.position else 0
    batch = max(page.limit, 100)
    while True:
        rows = db.session.execute(
            statement.where(id_column > after).order_by(id_column).limit(batch)
        ).all()
        for row_id, *rest in rows:
            if not page.add(key(rest)):
                cursor.position = [after]
                return False
            after = row_id
        if len(rows) < batch:
            return True


# --------------------------------------------------------------------------- the call


def changes(user: User, cursor_text: str | None, limit: int) -> dict[str, Any]:
    """One page of the caller's changes since `cursor_text` (None: from the beginning)."""
    cursor = cursors.decode(cursor_text, user.id) if cursor_text else cursors.Cursor(user.id)
    if cursor.stage == "done" or cursor.until is None:
        cursor = cursors.Cursor(user.id, cursor.since, Horizon.now(), "full", [])
    accessible = accessible_groups(user)
    page = Page(limit)
    full = _full_groups(user, cursor, accessible)
    finished = False
    if cursor.stage == "full" and _run_full(user, cursor, page, full):
        cursor.stage, cursor.position = ("log", []) if cursor.since else ("done", [])
    if cursor.stage == "log" and _run_log(user, cursor, page, accessible, full):
        cursor.stage, cursor.position = "personal", []
    if cursor.stage == "personal" and _run_personal(user, cursor, page):
        cursor.stage, cursor.position = "done", []
    if cursor.stage == "done":
        finished = True
        cursor = cursors.Cursor(user.id, since=cursor.until, stage="done")
    found = documents.load(user, page.keys, accessible)
    return {
        "changes": [documents.change(key, found) for key in page.keys],
        "cursor": cursors.encode(cursor),
        "has_more": not finished,
    }
