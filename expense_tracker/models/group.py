"""Groups and their members; the limits and stored forms their expenses share.

Money is integer minor units of the group's currency. Former members keep their
membership row (with `left_at`), so every expense, split and settlement they took part in
still names them. Percentages and shares are stored exactly, as integer hundredths: a
Numeric column would come back from SQLite as a float.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
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
    utcnow,
)
from expense_tracker.extensions import Model
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
