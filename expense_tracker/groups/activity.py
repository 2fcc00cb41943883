"""The activity log: every change in a group appends one entry, in its own transaction.

An entry is `{id, group_id, actor_id, kind, subject_type, subject_id, at, before, after}`;
`before` and `after` are the subject's representation (what `GET` on it answers) just
before and just after the change, dumped here while the write still holds the rows, so
that an entry never changes afterwards: an old entry shows the old values. The invite
code never appears in one.

Writing an entry is one INSERT; the notifications it derives (`notifications.recipients`)
are one more, a single INSERT ... SELECT over the recipients' membership rows, and only
when someone other than the actor is concerned. The entry also carries the writing
transaction's id (`sync.window`), which is how the sync feed finds the changes
committed since a client's last call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Select, String, insert, literal, select

from expense_tracker.database import UTCDateTime, utcnow
from expense_tracker.extensions import db
from expense_tracker.groups.access import my_group_ids
from expense_tracker.groups.schemas.balances import SettlementSchema
from expense_tracker.groups.schemas.comments import CommentSchema
from expense_tracker.groups.schemas.expenses import GroupExpenseSchema
from expense_tracker.groups.schemas.groups import GroupSchema, MemberSchema
from expense_tracker.models import (
    Activity,
    Comment,
    Group,
    GroupExpense,
    GroupMember,
    Notification,
    Settlement,
    User,
)
from expense_tracker.notifications.recipients import recipients
from expense_tracker.sync.window import transaction_id

Snapshot = dict[str, Any] | None

_expense = GroupExpenseSchema()
_settlement = SettlementSchema()
_group = GroupSchema(exclude=("invite_code",))
_member = MemberSchema()
_comment = CommentSchema()


# --------------------------------------------------------------------------- snapshots


def of_expense(expense: GroupExpense) -> dict[str, Any]:
    return _expense.dump(expense)


def of_settlement(settlement: Settlement) -> dict[str, Any]:
    return _settlement.dump(settlement)


def of_group(group: Group) -> dict[str, Any]:
    """The group's full view, without its invite code (a secret an entry must not keep)."""
    return _group.dump(group)


def of_member(member: GroupMember) -> dict[str, Any]:
    return _member.dump(member)


def of_comment(comment: Comment) -> dict[str, Any]:
    return _comment.dump(comment)


# --------------------------------------------------------------------------- writing

_insert_entry = insert(Activity).returning(Activity.id)


def record(
    group_id: int,
    actor_id: int,
    kind: str,
    subject: tuple[str, int],
    before: Snapshot = None,
    after: Snapshot = None,
    *,
    concerned: Iterable[int] = (),
) -> int:
    """Append an entry (the caller commits) and notify whom it concerns; its id.

    `concerned`: people the snapshots do not name but whom the change concerns (the
    people in an expense that gained a comment).
    """
    at = utcnow()
    subject_type, subject_id = subject
    activity_id = db.session.scalar(
        _insert_entry.values(
            group_id=group_id,
            actor_id=actor_id,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            at=at,
            before=before,
            after=after,
            txid=transaction_id(),
        )
    )
    assert activity_id is not None
    notified = recipients(kind, before, after, concerned) - {actor_id}
    if notified:
        _notify(activity_id, group_id, actor_id, kind, at, notified)
    return activity_id


_NOTIFICATION_COLUMNS = ("user_id", "activity_id", "group_id", "kind", "actor_id", "at")


def _notify(
    activity_id: int, group_id: int, actor_id: int, kind: str, at: datetime, users: set[int]
) -> None:
    """One notification per user among `users` who is a member of the group: one
    INSERT ... SELECT over their membership rows.

    A former member hears nothing new from the group (an expense they were in may still
    be edited or commented on), except of their own removal, which ended it.
    """
    members, users_table = GroupMember.__table__, User.__table__
    rows = (
        select(
            members.c.user_id,
            literal(activity_id, BigInteger()),
            literal(group_id, BigInteger()),
            literal(kind, String()),
            literal(actor_id, BigInteger()),
            literal(at, UTCDateTime()),
        )
        .join(users_table, users_table.c.id == members.c.user_id)
        # Guests cannot sign in: nobody would ever read theirs.
        .where(members.c.group_id == group_id, members.c.user_id.in_(sorted(users)))
        .where(users_table.c.is_guest.is_(False))
    )
    if kind != "member.removed":
        rows = rows.where(members.c.left_at.is_(None))
    db.session.execute(insert(Notification).from_select(_NOTIFICATION_COLUMNS, rows))


# --------------------------------------------------------------------------- reading

FILTERS = ("kind", "subject_type", "subject_id", "actor_id")


def group_entries(group: Group, filters: Mapping[str, Any]) -> Select[Activity]:
    """The group's entries matching `filters`, newest first."""
    statement = select(Activity).where(Activity.group_id == group.id)
    for name in FILTERS:
        if name in filters:
            statement = statement.where(getattr(Activity, name) == filters[name])
    return statement.order_by(Activity.id.desc())


def my_entries(user: User, group_id: int | None) -> Select[Activity]:
    """The entries of every group `user` currently belongs to (or of one), newest first."""
    statement = select(Activity).where(Activity.group_id.in_(my_group_ids(user)))
    if group_id is not None:
        statement = statement.where(Activity.group_id == group_id)
    return statement.order_by(Activity.id.desc())
