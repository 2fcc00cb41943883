"""Groups, their members, shared expenses (payers and splits as rows) and settlements.

Money is integer minor units of the group's currency. Former members keep their
membership row (with `left_at`), so every expense, split and settlement they took part in
still names them. Percentages and shares are stored exactly, as integer hundredths: a
Numeric column would come back from SQLite as a float.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
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
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
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
from expense_tracker.models.rates import DecimalText
from expense_tracker.models.user import User

JOIN_POLICIES = ("invite", "open")
ROLES = ("owner", "member")
# A member's running totals in a group (GroupMember columns), in minor units.
RUNNING_TOTALS = ("paid", "owed", "sent", "received")
SPLIT_TYPES = ("equal", "exact", "percentage", "shares", "adjustment")

# How long the owners of a deleted group may restore it.
RESTORE_WINDOW = timedelta(days=30)
GROUP_NAME_MAX_LENGTH = 100
GROUP_DESCRIPTION_MAX_LENGTH = 500
EXPENSE_DESCRIPTION_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 500
EXPENSE_NOTES_MAX_LENGTH = 2000
INVITE_CODE_MAX_LENGTH = 64
# Percentages and shares have at most two decimals; stored multiplied by this.
HUNDREDTHS = 100


def to_hundredths(value: Decimal) -> int:
    """A percentage or number of shares as stored: exact, given at most two decimals."""
    return int(value * HUNDREDTHS)


def from_hundredths(hundredths: int) -> Decimal:
    """A stored percentage or number of shares as a Decimal with two places (150 -> 1.50)."""
    return Decimal(hundredths).scaleb(-2)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


class Group(SoftDeleteMixin, VersionedMixin, Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(GROUP_NAME_MAX_LENGTH))
    # For search and order (see case_fold_of).
    name_key: Mapped[str] = case_fold_of("name", length=4 * GROUP_NAME_MAX_LENGTH)
    description: Mapped[str] = mapped_column(String(GROUP_DESCRIPTION_MAX_LENGTH), default="")
    currency: Mapped[str] = mapped_column(String(3))
    join_policy: Mapped[str] = mapped_column(String(10), default="invite")
    invite_code: Mapped[str] = mapped_column(String(INVITE_CODE_MAX_LENGTH), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # How many expenses the group has, kept by the writes that add and delete them (under
    # the group's row lock): the list's X-Total-Count without counting 100,000 rows.
    expense_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Only the current members, in the contract's order; former ones are in `memberships`.
    current_members: Mapped[list[GroupMember]] = relationship(
        primaryjoin=lambda: and_(GroupMember.group_id == Group.id, GroupMember.left_at.is_(None)),
        order_by=lambda: (GroupMember.joined_at, GroupMember.user_id),
        viewonly=True,
    )

    __table_args__ = (
        CheckConstraint(_one_of("join_policy", JOIN_POLICIES), name="join_policy_known"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("length(name) >= 1", name="name_not_empty"),
        CheckConstraint("expense_count >= 0", name="expense_count_not_negative"),
        Index("ix_groups_name_key", "name_key", "id"),
    )

    @validates("name")
    def _fold(self, column: str, text: str) -> str:
        return keep_case_fold(self, column, text)

    @property
    def member_count(self) -> int:
        return len(self.current_members)

    @property
    def etag_extra(self) -> str:
        """The roster (who the current members are, and their roles) in the group's ETag.

        So a join, a leave or a role change moves the ETag, and an If-Match taken before it
        fails. A member renaming their own account does not: that is their resource.
        """
        roster = ",".join(f"{m.user_id}:{m.role}" for m in self.current_members)
        return hashlib.sha256(roster.encode()).hexdigest()[:12]

    @property
    def is_open(self) -> bool:
        return self.join_policy == "open"

    @property
    def restorable_until(self) -> datetime | None:
        """A deleted group can be restored until 30 days after its deletion."""
        return None if self.deleted_at is None else self.deleted_at + RESTORE_WINDOW


class GroupMember(Model):
    """A user's membership of a group; one row per (group, user), reused on re-joining.

    It also keeps the member's running totals in the group, in minor units: what they
    `paid` towards expenses, what they `owed` (their splits), and what they `sent` and
    `received` (settlements and shares marked paid). Every write that moves money adds its
    difference in the same transaction (groups/balances/running_totals.py), so a balance is one row
    to read, whatever the size of the group's history; `flask verify-balances` checks them
    against a recomputation from the rows.
    """

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid: Mapped[int] = mapped_column(MinorUnits, default=0, server_default="0")
    owed: Mapped[int] = mapped_column(MinorUnits, default=0, server_default="0")
    sent: Mapped[int] = mapped_column(MinorUnits, default=0, server_default="0")
    received: Mapped[int] = mapped_column(MinorUnits, default=0, server_default="0")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role_known"),
        *(
            CheckConstraint(f"{total} >= 0", name=f"{total}_not_negative")
            for total in RUNNING_TOTALS
        ),
        # "The groups I belong to", and account deletion.
        Index("ix_group_members_user_id", "user_id", "left_at"),
    )

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @hybrid_property
    def net(self) -> int:
        """> 0: the group owes this member; < 0: the member owes the group (also in SQL)."""
        return self.paid - self.owed + self.sent - self.received

    @property
    def is_owner(self) -> bool:
        return self.is_current and self.role == "owner"

    @property
    def full_name(self) -> str:
        return self.user.full_name

    @property
    def email(self) -> str | None:
        return self.user.email

    @property
    def guest(self) -> bool:
        """A guest member: someone without an account (groups/guests/service.py)."""
        return self.user.is_guest


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
