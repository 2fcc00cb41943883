"""The change feed's first stage: objects sent whole, type by type, not from the logs.

On a first sync: the caller's personal expenses and every group of theirs. Later: the
groups the caller created or joined, or that were restored, within the window (no log row
in the window brings their older objects), and the comments of the expenses restored
within it (a client drops a deleted expense's comments with it). One statement per type
and page, however many groups: ids are unique per type, and members are placed by
(group_id, user_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, tuple_

from expense_tracker.changelog.window import in_window
from expense_tracker.extensions import db
from expense_tracker.models import (
    Activity,
    Comment,
    Expense,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.sync import cursor as cursors
from expense_tracker.sync.documents import Key
from expense_tracker.sync.page import Page

_GROUP_STREAMS = ("group", "member", "group_expense", "settlement", "comment")


def _stream(
    user: User, rank: int, whole: Whole, after: tuple[int, int], count: int
) -> list[tuple[Key, tuple[int, int]]]:
    """Up to `count` objects of one type after position `after`: each with its position.

    One statement per type, across every group of the stage (whose ids are unique per
    type: a member is placed by (group_id, user_id)).
    """
    first, groups = after[0], whole.groups
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
    if rank == 5:
        # The comments of whole groups and of restored expenses; none of a deleted expense
        # (a client drops those with it).
        statement = (
            select(Comment.id, Comment.group_id)
            .join(GroupExpense, GroupExpense.id == Comment.expense_id)
            .where(
                or_(Comment.group_id.in_(groups), Comment.expense_id.in_(whole.expenses)),
                GroupExpense.deleted_at.is_(None),
                Comment.id > first,
            )
        )
        return [
            (Key("comment", object_id, group_id), (object_id, 0))
            for object_id, group_id in db.session.execute(
                statement.order_by(Comment.id).limit(count)
            )
        ]
    model: Any = {1: Group, 3: GroupExpense, 4: Settlement}[rank]
    group_column = model.id if model is Group else model.group_id
    statement = select(model.id, group_column).where(
        group_column.in_(groups), model.id > first, model.deleted_at.is_(None)
    )
    return [
        (Key(_GROUP_STREAMS[rank - 1], object_id, group_id), (object_id, 0))
        for object_id, group_id in db.session.execute(statement.order_by(model.id).limit(count))
    ]


@dataclass(frozen=True)
class Whole:
    """What the `full` stage sends whole: groups, and the comments of restored expenses."""

    groups: list[int]
    expenses: list[int]


def whole_of(user: User, cursor: cursors.Cursor, accessible: set[int]) -> Whole:
    """On a first sync every group of the caller's. Later, the groups they created or
    joined, or that were restored, within the window (no log row in the window brings
    their older objects), and the expenses restored within it, whose comments a client
    dropped with them."""
    if cursor.since is None:
        return Whole(sorted(accessible), [])
    assert cursor.until is not None
    window = in_window(Activity, cursor.since, cursor.until)
    joined_or_restored = select(Activity.group_id).where(
        window,
        or_(
            and_(Activity.kind == "member.joined", Activity.subject_id == user.id),
            Activity.kind.in_(("group.created", "group.restored")),
        ),
    )
    groups = sorted(set(db.session.scalars(joined_or_restored.distinct())) & accessible)
    restored = select(Activity.subject_id).where(
        window,
        Activity.kind == "expense.restored",
        Activity.group_id.in_(sorted(accessible - set(groups))),
    )
    return Whole(groups, sorted(set(db.session.scalars(restored.distinct()))))


def run_full(user: User, cursor: cursors.Cursor, page: Page, whole: Whole) -> bool:
    """Fill the page with whole groups (and on a first sync the personal expenses), type
    by type; True when they are all sent. The position is [type rank, key, key]."""
    start_rank, *start = cursor.position or [0, 0, 0]
    for rank in range(start_rank, len(_GROUP_STREAMS) + 1):
        if rank == 0 and cursor.since is not None:
            continue
        if 0 < rank < 5 and not whole.groups:
            continue
        if rank == 5 and not (whole.groups or whole.expenses):
            continue
        after = (start[0], start[1]) if rank == start_rank else (0, 0)
        while True:
            found = _stream(user, rank, whole, after, page.room)
            for key, position in found:
                page.add(key)
                after = position
            if page.room == 0:
                cursor.position = [rank, *after]
                return False
            if not found:
                break
    return True
