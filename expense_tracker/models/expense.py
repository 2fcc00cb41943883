"""Personal expenses: what one person spent, when, on what and how they paid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, MinorUnits, UTCDateTime, VersionedMixin, utcnow
from expense_tracker.extensions import Model

PAYMENT_METHODS = (
    "cash",
    "credit_card",
    "debit_card",
    "bank_transfer",
    "mobile_payment",
    "other",
)
CATEGORY_MAX_LENGTH = 50
DESCRIPTION_MAX_LENGTH = 500


class Expense(VersionedMixin, Model):
    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX_LENGTH))
    # Unicode case fold of `category` (can be longer: "ß" folds to "ss"): filters, summaries
    # and the category list compare this, identically on SQLite and PostgreSQL.
    category_key: Mapped[str] = mapped_column(String(4 * CATEGORY_MAX_LENGTH))
    amount: Mapped[int] = mapped_column(MinorUnits)  # minor units of `currency`
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH), default="")
    # Case fold of `description`, for the case-insensitive text search `q`.
    description_key: Mapped[str] = mapped_column(String(4 * DESCRIPTION_MAX_LENGTH), default="")
    payment_method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The recurring series that created it, and which of its occurrences it is.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_series.id", ondelete="SET NULL")
    )
    occurrence: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "payment_method IN ({})".format(", ".join(f"'{m}'" for m in PAYMENT_METHODS)),
            name="payment_method_known",
        ),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("length(category) >= 1", name="category_not_empty"),
        CheckConstraint("(series_id IS NULL) = (occurrence IS NULL)", name="series_occurrence"),
        # Each occurrence of a series exists once, whatever runs concurrently.
        UniqueConstraint("series_id", "occurrence", name="uq_expenses_series_occurrence"),
        # The list's default order, and date-range filters, within one owner.
        Index("ix_expenses_owner_date", "owner_id", "date", "id"),
        Index("ix_expenses_owner_category", "owner_id", "category_key"),
    )
