"""The current representation of each object a page of the change feed names.

One statement per type of object on the page, whatever its size: the page's keys are
grouped by type and loaded together. An object the caller can no longer see (deleted, in
a group they left, a former member) has no document: it is reported `deleted`.

A member's email is in a document exactly where `GET` shows it (groups/privacy.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from expense_tracker.expenses.schemas import ExpenseSchema
from expense_tracker.extensions import db
from expense_tracker.groups.comments.schemas import CommentSchema
from expense_tracker.groups.expenses.listing import documents_by_id
from expense_tracker.groups.schemas import GroupSchema, MemberSchema
from expense_tracker.groups.settlements.schemas import SettlementSchema
from expense_tracker.models import (
    Comment,
    Expense,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)

TYPES = ("expense", "group", "member", "group_expense", "settlement", "comment")


class Key(NamedTuple):
    """One object of the feed: its type, id (a member's user id) and group (None: personal)."""

    type: str
    id: int
    group_id: int | None


_expense = ExpenseSchema()
_group = GroupSchema()
_member = MemberSchema()
_settlement = SettlementSchema()
_comment = CommentSchema()


def _ids(keys: Iterable[Key], groups: Collection[int]) -> list[int]:
    return sorted({key.id for key in keys if key.group_id is None or key.group_id in groups})


def load(user: User, keys: Collection[Key], groups: Collection[int]) -> dict[Key, Any]:
    """Each key's document, for those the caller may see; `groups`: the groups they may."""
    by_type: dict[str, list[Key]] = defaultdict(list)
    for key in keys:
        by_type[key.type].append(key)
    found: dict[Key, Any] = {}
    if ids := _ids(by_type["expense"], groups):
        for expense in db.session.scalars(
            select(Expense).where(Expense.id.in_(ids), Expense.owner_id == user.id)
        ):
            found[Key("expense", expense.id, None)] = _expense.dump(expense)
    if ids := _ids(by_type["group"], groups):
        for group in db.session.scalars(
            select(Group)
            .where(Group.id.in_(ids), Group.deleted_at.is_(None))
            .options(selectinload(Group.current_members))
        ):
            found[Key("group", group.id, group.id)] = _group.dump(group)
    pairs = [(key.group_id, key.id) for key in by_type["member"] if key.group_id in groups]
    if pairs:
        # A member shows their email only in an invite-only group (groups/privacy.py): the
        # groups' policies in one query, held here while the members are dumped.
        _held = db.session.scalars(
            select(Group).where(Group.id.in_(sorted({group_id for group_id, _ in pairs})))
        ).all()
        for member in db.session.scalars(
            select(GroupMember).where(
                tuple_(GroupMember.group_id, GroupMember.user_id).in_(pairs),
                GroupMember.left_at.is_(None),
            )
        ):
            found[Key("member", member.user_id, member.group_id)] = _member.dump(member)
    if ids := _ids(by_type["group_expense"], groups):
        for document in documents_by_id(ids).values():
            if document["group_id"] in groups:
                found[Key("group_expense", document["id"], document["group_id"])] = document
    if ids := _ids(by_type["settlement"], groups):
        for settlement in db.session.scalars(
            select(Settlement).where(
                Settlement.id.in_(ids),
                Settlement.group_id.in_(groups),
                Settlement.deleted_at.is_(None),
            )
        ):
            found[Key("settlement", settlement.id, settlement.group_id)] = _settlement.dump(
                settlement
            )
    if ids := _ids(by_type["comment"], groups):
        for comment in db.session.scalars(
            select(Comment)
            .join(GroupExpense, GroupExpense.id == Comment.expense_id)
            .where(
                Comment.id.in_(ids),
                Comment.group_id.in_(groups),
                GroupExpense.deleted_at.is_(None),  # hidden while their expense is deleted
            )
        ):
            found[Key("comment", comment.id, comment.group_id)] = _comment.dump(comment)
    return found


def change(key: Key, documents: dict[Key, Any]) -> dict[str, Any]:
    """One entry of the feed's `changes`."""
    data = documents.get(key)
    return {
        "type": key.type,
        "id": key.id,
        "group_id": key.group_id,
        "deleted": data is None,
        "data": data,
    }
