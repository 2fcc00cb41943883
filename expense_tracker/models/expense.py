"""Personal expenses: what one person spent, when, on what and how they paid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from expense_tracker.database import (
    BigId,
    MinorUnits,
    UTCDateTime,
    VersionedMixin,
    case_fold_of,
    keep_case_fold,
    utcnow,
)
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
    # Filters, summaries and the category list compare this (see case_fold_of).
    category_key: Mapped[str] = case_fold_of("category", length=4 * CATEGORY_MAX_LENGTH)
    amount: Mapped[int] = mapped_column(MinorUnits)  # minor units of `currency`
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH), default="")
    # For the case-insensitive text search `q`.
    description_key: Mapped[str] = case_fold_of("description", length=4 * DESCRIPTION_MAX_LENGTH)
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
        # Category filters; and the latest spelling of a category (expenses/summaries.py)
        # in one index probe, however many expenses the category has.
        Index("ix_expenses_owner_category", "owner_id", "category_key", "created_at", "id"),
    )

    @validates("category", "description")
    def _fold(self, column: str, text: str) -> str:
        return keep_case_fold(self, column, text)


class ExpenseSummaryCell(Model):
    """A user's expenses of one month, category, payment method and currency: how many and
    their total. Kept by every write of personal expenses (expenses/summaries.py), so that
    `GET /expenses/summary` adds up a few hundred cells instead of a million rows."""

    __tablename__ = "expense_summary_cells"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    category_key: Mapped[str] = mapped_column(String(4 * CATEGORY_MAX_LENGTH), primary_key=True)
    payment_method: Mapped[str] = mapped_column(String(20), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    expense_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(MinorUnits)  # minor units of `currency`

    __table_args__ = (
        CheckConstraint("expense_count >= 0", name="expense_count_not_negative"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )


class UsedCategory(Model):
    """A category a user has expenses in (by its case fold): how many, and the spelling of
    the latest of them. Kept with the summary cells: `GET /expenses/categories` reads it."""

    __tablename__ = "used_categories"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category_key: Mapped[str] = mapped_column(String(4 * CATEGORY_MAX_LENGTH), primary_key=True)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX_LENGTH))
    expense_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("expense_count >= 0", name="expense_count_not_negative"),)
