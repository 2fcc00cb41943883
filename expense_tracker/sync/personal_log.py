"""The change log of personal expenses, for the change feed: one row per expense written
(created, changed or deleted), in the write's transaction, with its transaction id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import insert

from expense_tracker.extensions import db
from expense_tracker.models import ExpenseChange
from expense_tracker.sync.window import transaction_id


def record(user_id: int, expense_ids: Collection[int]) -> None:
    """Log that these expenses of `user_id` changed (one statement; the caller commits)."""
    if not expense_ids:
        return
    db.session.execute(
        insert(ExpenseChange).values(txid=transaction_id()),
        [{"user_id": user_id, "expense_id": expense_id} for expense_id in expense_ids],
    )
