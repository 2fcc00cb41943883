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

from typing import Any

from sqlalchemy import and_, or_, select, tuple_

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
# The streams of whole groups in the `full` stage, by rank (rank 0: personal expenses).
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


def _stream(
    user: User, rank: int, groups: list[int], after: tuple[int, int], count: int
) -> list[tuple[Key, tuple[int, int]]]:
    """Up to `count` objects of one type after position `after`: each with its position.

    One statement per type, across every group of the stage (whose ids are unique per
    type: a member is placed by (group_id, user_id)).
    """
    first = after[0]
    statement: Any
    if rank == 0:
        statement = select(Expense.id).where(Expense.owner_id == user.id, Expense.id > first)
        rows = db.session.scalars(statement.order_by(Expense.id).limit(count))
        return [(Key("expense", i, None), (i, 0)) for i in rows]
    if rank == 2:
        statement = (
            select(GroupMember.group_id, GroupMember.user_id)
            .where(
                GroupMember.group_id.in_(groups),
                GroupMember.left_at.is_(None),
                tuple_(GroupMember.group_id, GroupMember.user_id) > tuple_(*after),
            )
            .order_by(GroupMember.group_id, GroupMember.user_id)
        )
        return [
            (Key("member", user_id, group_id), (group_id, user_id))
            for group_id, user_id in db.session.execute(statement.limit(count))
        ]
    model: Any = {1: Group, 3: GroupExpense, 4: Settlement, 5: Comment}[rank]
    group_column = model.id if model is Group else model.group_id
    statement = select(model.id, group_column).where(group_column.in_(groups), model.id > first)
    if model is not Comment:
        # Comments stay while their expense is deleted: they come back with it.
        statement = statement.where(model.deleted_at.is_(None))
    return [
        (Key(_GROUP_STREAMS[rank - 1], object_id, group_id), (object_id, 0))
        for object_id, group_id in db.session.execute(statement.order_by(model.id).limit(count))
    ]


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
    """Fill the page with whole groups (and on a first sync the personal expenses), type
    by type; True when they are all sent. The position is [type rank, key, key]."""
    start_rank, *start = cursor.position or [0, 0, 0]
    for rank in range(start_rank, len(_GROUP_STREAMS) + 1):
        if (rank == 0 and cursor.since is not None) or (rank > 0 and not groups):
            continue
        after = (start[0], start[1]) if rank == start_rank else (0, 0)
        while True:
            found = _stream(user, rank, groups, after, page.room)
            for key, position in found:
                page.add(key)
                after = position
            if page.room == 0:
                cursor.position = [rank, *after]
                return False
            if not found:
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
