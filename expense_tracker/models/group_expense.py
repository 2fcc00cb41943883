"""Shared expenses of a group, their payers and their splits, as rows.

Money is integer minor units of the group's currency (models/group.py says why
percentages and shares are integer hundredths).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from expense_tracker.database import (
    BigId,
    MinorUnits,
    SoftDeleteMixin,
    UTCDateTime,
    VersionedMixin,
    case_fold_of,
    keep_case_fold,
    partial_index_where,
    utcnow,
)
from expense_tracker.extensions import Model
from expense_tracker.models.expense import CATEGORY_MAX_LENGTH
from expense_tracker.models.group import (
    EXPENSE_DESCRIPTION_MAX_LENGTH,
    SPLIT_TYPES,
    _one_of,
    from_hundredths,
)
from expense_tracker.models.rates import DecimalText


class GroupExpense(SoftDeleteMixin, VersionedMixin, Model):
    __tablename__ = "group_expenses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(EXPENSE_DESCRIPTION_MAX_LENGTH))
    amount: Mapped[int] = mapped_column(MinorUnits)
    # Always the group's currency (which cannot change once the group has expenses);
    # kept on the row so that every amount carries its currency.
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(CATEGORY_MAX_LENGTH), default="")
    category_key: Mapped[str] = case_fold_of("category", length=4 * CATEGORY_MAX_LENGTH)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    split_type: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # An expense in another currency than the group's: `amount` is converted, these keep
    # what was spent (currencies/conversion.py). All three set, or none.
    original_amount: Mapped[int | None] = mapped_column(MinorUnits)
    original_currency: Mapped[str | None] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal | None] = mapped_column(DecimalText)
    # The recurring series that created it, and which of its occurrences it is.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_series.id", ondelete="SET NULL")
    )
    occurrence: Mapped[int | None] = mapped_column(Integer)

    @validates("category")
    def _fold(self, column: str, text: str) -> str:
        return keep_case_fold(self, column, text)

    payers: Mapped[list[ExpensePayer]] = relationship(
        back_populates="expense",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: ExpensePayer.user_id,
    )
    splits: Mapped[list[ExpenseSplit]] = relationship(
        back_populates="expense",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: ExpenseSplit.user_id,
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_one_of("split_type", SPLIT_TYPES), name="split_type_known"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("length(description) >= 1", name="description_not_empty"),
        CheckConstraint(
            "(original_amount IS NULL) = (original_currency IS NULL) "
            "AND (original_amount IS NULL) = (exchange_rate IS NULL)",
            name="conversion_complete",
        ),
        CheckConstraint("original_amount > 0", name="original_amount_positive"),
        CheckConstraint("(series_id IS NULL) = (occurrence IS NULL)", name="series_occurrence"),
        # Each occurrence of a series exists once, whatever runs concurrently.
        UniqueConstraint("series_id", "occurrence", name="uq_group_expenses_series_occurrence"),
        # The list's order, and date-range filters, within one group: the live rows only,
        # so deleted ones cost the list nothing; `?deleted=only` has its own.
        Index(
            "ix_group_expenses_group_date",
            "group_id",
            "date",
            "id",
            **partial_index_where("deleted_at IS NULL"),
        ),
        Index(
            "ix_group_expenses_deleted",
            "group_id",
            "date",
            "id",
            **partial_index_where("deleted_at IS NOT NULL"),
        ),
    )

    @property
    def input_currency(self) -> str:
        """The currency the body's amounts were in: the original one of a converted expense."""
        return self.original_currency or self.currency

    @property
    def paid_by(self) -> int | None:
        """The payer's id when one member paid the whole bill, else None."""
        return self.payers[0].user_id if len(self.payers) == 1 else None

    @property
    def user_ids(self) -> set[int]:
        """Everyone the expense involves: its payers and its split members."""
        return {payer.user_id for payer in self.payers} | {split.user_id for split in self.splits}


class ExpensePayer(Model):
    """One member's payment towards a group expense; the payers' amounts sum to its amount."""

    __tablename__ = "group_expense_payers"

    expense_id: Mapped[int] = mapped_column(
        ForeignKey("group_expenses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    amount: Mapped[int] = mapped_column(MinorUnits)
    original_amount: Mapped[int | None] = mapped_column(MinorUnits)  # converted expenses

    expense: Mapped[GroupExpense] = relationship(back_populates="payers")

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_group_expense_payers_user_id", "user_id"),
    )

    @property
    def currency(self) -> str:
        return self.expense.currency

    @property
    def input_currency(self) -> str:
        return self.expense.input_currency


class ExpenseSplit(Model):
    """What one member owes for a group expense, and the input it was computed from."""

    __tablename__ = "group_expense_splits"

    expense_id: Mapped[int] = mapped_column(
        ForeignKey("group_expenses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    amount: Mapped[int] = mapped_column(MinorUnits)
    # The stored inputs, so that an edit can recompute the split from what it keeps.
    percentage_hundredths: Mapped[int | None] = mapped_column(Integer)
    shares_hundredths: Mapped[int | None] = mapped_column(Integer)
    adjustment: Mapped[int | None] = mapped_column(MinorUnits)  # signed, input currency
    original_amount: Mapped[int | None] = mapped_column(MinorUnits)  # converted expenses
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    expense: Mapped[GroupExpense] = relationship(back_populates="splits")

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("percentage_hundredths > 0", name="percentage_positive"),
        CheckConstraint("shares_hundredths > 0", name="shares_positive"),
        CheckConstraint("is_paid = (paid_at IS NOT NULL)", name="paid_at_when_paid"),
        Index("ix_group_expense_splits_user_id", "user_id"),
    )

    @property
    def currency(self) -> str:
        return self.expense.currency

    @property
    def input_currency(self) -> str:
        return self.expense.input_currency

    @property
    def percentage(self) -> Decimal | None:
        if self.percentage_hundredths is None:
            return None
        return from_hundredths(self.percentage_hundredths)

    @property
    def shares(self) -> Decimal | None:
        if self.shares_hundredths is None:
            return None
        return from_hundredths(self.shares_hundredths)
