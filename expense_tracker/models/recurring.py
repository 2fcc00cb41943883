"""Recurring series: a template expense and the date rule it repeats on.

A series belongs to a group (`group_id`) or to one person (`owner_id`), never both. The
expenses it creates carry `series_id` and their `occurrence` number, unique together, so
that however many `flask run-recurring` processes run at once each occurrence exists once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, utcnow
from expense_tracker.extensions import Model

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")
STATUSES = ("active", "paused", "ended")
PAUSED_REASONS = ("member_left", "failed")
MAX_INTERVAL = 366
# A series whose start lies far back would write years of expenses in one request: a
# request creates at most this many, the rest is `flask run-recurring`'s (recurring/occurrences.py).
OCCURRENCES_PER_REQUEST = 12
# Series of one group that are active or paused: the runner's work stays bounded.
MAX_SERIES_PER_GROUP = 100


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


class RecurringSeries(Model):
    __tablename__ = "recurring_series"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The create body of an expense without `date`, as JSON (money as decimal strings).
    template: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(10))
    interval: Mapped[int] = mapped_column("repeat_interval", Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column("max_occurrences", Integer)
    # Position in the rule's dates (0: start_date) of the next occurrence to create, and how
    # many occurrences exist (the next one is number `occurrences + 1`). They differ once a
    # PATCH changes the rule: the new rule's dates continue after the last one created.
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    occurrences: Mapped[int] = mapped_column(Integer, default=0)
    next_date: Mapped[date | None] = mapped_column(Date)  # None once ended
    last_date: Mapped[date | None] = mapped_column(Date)  # the latest occurrence created
    status: Mapped[str] = mapped_column(String(10), default="active")
    paused_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("(group_id IS NULL) <> (owner_id IS NULL)", name="group_or_owner"),
        CheckConstraint(_one_of("frequency", FREQUENCIES), name="frequency_known"),
        CheckConstraint(_one_of("status", STATUSES), name="status_known"),
        CheckConstraint(f"repeat_interval BETWEEN 1 AND {MAX_INTERVAL}", name="interval_range"),
        CheckConstraint("max_occurrences IS NULL OR max_occurrences >= 1", name="count_positive"),
        CheckConstraint("end_date IS NULL OR max_occurrences IS NULL", name="end_date_or_count"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("next_index >= 0 AND occurrences >= 0", name="positions_not_negative"),
        CheckConstraint("(status = 'paused') = (paused_reason IS NOT NULL)", name="paused_why"),
        CheckConstraint(
            "paused_reason IS NULL OR " + _one_of("paused_reason", PAUSED_REASONS),
            name="paused_reason_known",
        ),
        CheckConstraint("(status = 'ended') = (next_date IS NULL)", name="ended_no_next"),
        # What the scheduler reads: active series that are due.
        Index("ix_recurring_series_due", "status", "next_date"),
        Index("ix_recurring_series_group_id", "group_id", "id"),
        Index("ix_recurring_series_owner_id", "owner_id", "id"),
    )

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None
