"""Settlements: payments from one member of a group to another, outside any expense."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import (
    BigId,
    MinorUnits,
    SoftDeleteMixin,
    UTCDateTime,
    VersionedMixin,
    partial_index_where,
    utcnow,
)
from expense_tracker.extensions import Model
from expense_tracker.models.group import (
    NOTE_MAX_LENGTH,
)


class Settlement(SoftDeleteMixin, VersionedMixin, Model):
    """A payment from one member to another, outside any expense."""

    __tablename__ = "group_settlements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("from_user_id <> to_user_id", name="different_users"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        # The list's order within one group (live rows), and the deleted ones'.
        Index(
            "ix_group_settlements_group_created",
            "group_id",
            "created_at",
            "id",
            **partial_index_where("deleted_at IS NULL"),
        ),
        Index(
            "ix_group_settlements_deleted",
            "group_id",
            "created_at",
            "id",
            **partial_index_where("deleted_at IS NOT NULL"),
        ),
    )
