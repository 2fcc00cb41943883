"""History: the activity log of every change in a group, comments on group expenses,
notifications, and the change logs of personal expenses and of names (for the sync feed).

Activity entries and notifications are append-only: nothing updates an entry, so an old
entry keeps the old values (`before` / `after` are the subject's representation then).
`txid` (PostgreSQL only) is the id of the transaction that wrote the row: the sync feed
(changelog/window.py) decides with it which rows committed between two of its answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, utcnow
from expense_tracker.extensions import Model

SUBJECT_TYPES = ("group", "member", "expense", "settlement", "comment")
ACTIVITY_KINDS = (
    "group.created",
    "group.updated",
    "group.deleted",
    "group.restored",
    "invite_code.rotated",
    "member.joined",
    "member.left",
    "member.removed",
    "member.role_changed",
    "expense.created",
    "expense.updated",
    "expense.deleted",
    "expense.restored",
    "split.paid",
    "split.unpaid",
    "settlement.created",
    "settlement.updated",
    "settlement.deleted",
    "settlement.restored",
    "comment.created",
    "comment.deleted",
    # A guest merge asked for, and declined (groups/guests/merges.py); the subject is the
    # guest (a member), `before` / `after` the merge request.
    "merge.requested",
    "merge.declined",
)
COMMENT_MAX_LENGTH = 2000


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


class Activity(Model):
    """One change in a group, appended in the transaction that made it."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    after: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    txid: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint(_one_of("kind", ACTIVITY_KINDS), name="kind_known"),
        CheckConstraint(_one_of("subject_type", SUBJECT_TYPES), name="subject_type_known"),
        # The group's feed (newest first) and its filters on one subject.
        Index("ix_activity_group_id", "group_id", "id"),
        Index("ix_activity_group_subject", "group_id", "subject_type", "subject_id"),
        # The sync feed's window: rows written by transactions from a given id on.
        Index("ix_activity_txid", "txid"),
    )


class ExpenseChange(Model):
    """A personal expense created, changed or deleted: the sync feed's log of them."""

    __tablename__ = "expense_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expense_id: Mapped[int] = mapped_column(BigInteger)
    txid: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_expense_changes_user_id", "user_id", "id"),
        Index("ix_expense_changes_txid", "txid"),
    )


class ProfileChange(Model):
    """A user's name changed: it shows in every group they are in (the sync feed's log)."""

    __tablename__ = "profile_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    txid: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_profile_changes_txid", "txid"),)


class Comment(Model):
    __tablename__ = "group_expense_comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    expense_id: Mapped[int] = mapped_column(ForeignKey("group_expenses.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            f"length(body) >= 1 AND length(body) <= {COMMENT_MAX_LENGTH}", name="body_length"
        ),
        Index("ix_group_expense_comments_expense_id", "expense_id", "id"),
        Index("ix_group_expense_comments_group_id", "group_id", "id"),
    )


class Notification(Model):
    """A change someone else made that concerns `user_id` (derived from an activity entry)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_notifications_user_id", "user_id", "id"),
        # The unread count and the `unread=true` list read only unread rows.
        Index(
            "ix_notifications_unread",
            "user_id",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )
