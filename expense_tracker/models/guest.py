"""Guest members: which group a guest (a `User` with `is_guest`) belongs to, and who added them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import UTCDateTime, utcnow
from expense_tracker.extensions import Model


class GroupGuest(Model):
    __tablename__ = "group_guests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_group_guests_group_id", "group_id"),)
