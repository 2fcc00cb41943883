"""Receipts: photos and PDFs attached to an expense, personal or shared.

The bytes live in the receipt store (receipts/storage.py) under `storage_key`; the row says
what they are. A receipt belongs to exactly one expense: a personal one (`expense_id`) or a
group's (`group_expense_id`, with `group_id` for scoping). Deleting a personal expense
deletes its rows (its files are then swept by `flask receipts clean`); a deleted group
expense keeps them until it is purged, so that a restore brings them back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, utcnow
from expense_tracker.extensions import Model

RECEIPT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def _type_known() -> str:
    return "content_type IN ({})".format(", ".join(f"'{kind}'" for kind in RECEIPT_TYPES))


class Receipt(Model):
    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id", ondelete="CASCADE"))
    group_expense_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_expenses.id", ondelete="CASCADE")
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("(expense_id IS NULL) <> (group_expense_id IS NULL)", name="one_expense"),
        CheckConstraint(
            "(group_expense_id IS NULL) = (group_id IS NULL)", name="group_with_group_expense"
        ),
        CheckConstraint(_type_known(), name="content_type_known"),
        CheckConstraint("size > 0 AND size <= 10485760", name="size_in_range"),
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        Index("ix_receipts_expense_id", "expense_id"),
        Index("ix_receipts_group_expense_id", "group_expense_id"),
    )

    @property
    def owner_expense_id(self) -> int:
        return self.expense_id if self.expense_id is not None else int(self.group_expense_id or 0)
