"""Guest members: which group a guest (a `User` with `is_guest`) belongs to, who added
them, and the requests to merge one into an account (groups/guests/merges.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, partial_index_where, utcnow
from expense_tracker.extensions import Model

# pending: waiting for the side that did not ask; accepted: the merge happened;
# declined: either side said no; lapsed: the guest was merged into someone else, or the
# asker lost the right to ask, so the request can never apply.
MERGE_STATUSES = ("pending", "accepted", "declined", "lapsed")


class GroupGuest(Model):
    __tablename__ = "group_guests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_group_guests_group_id", "group_id"),)


def _status_known() -> str:
    return "status IN ({})".format(", ".join(f"'{status}'" for status in MERGE_STATUSES))


class GuestMerge(Model):
    """One side's yes to merging guest `guest_id` into account `user_id`, waiting for the
    other side's (the receiving account's, or an owner's).

    A merge deletes the guest's `User`: its requests keep their outcome with `guest_id`
    NULL (only a request no longer pending may lose it).
    """

    __tablename__ = "guest_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_status_known(), name="status_known"),
        CheckConstraint("status <> 'pending' OR guest_id IS NOT NULL", name="pending_has_guest"),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        CheckConstraint("guest_id IS NULL OR guest_id <> user_id", name="not_into_itself"),
        # At most one pending request per guest and receiving account; the same pair may
        # be asked again once one is decided.
        Index(
            "uq_guest_merges_pending",
            "guest_id",
            "user_id",
            unique=True,
            **partial_index_where("status = 'pending'"),
        ),
        # The group's pending list.
        Index("ix_guest_merges_group_id", "group_id", "status", "id"),
        # Deleting a user (a merged guest) finds the rows its foreign keys change.
        Index("ix_guest_merges_guest_id", "guest_id"),
        Index("ix_guest_merges_user_id", "user_id"),
    )
