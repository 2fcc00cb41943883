"""The change logs of what is not a group's, for the change feed: one row per personal
expense written (created, changed or deleted), and one per name changed (a member's
name shows in every group they are in), in the write's transaction, with its id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import insert

from expense_tracker.changelog.window import transaction_id
from expense_tracker.extensions import db
from expense_tracker.models import ExpenseChange, ProfileChange


def record(user_id: int, expense_ids: Collection[int]) -> None:
    """Log that these expenses of `user_id` changed (one statement; the caller commits)."""
    if not expense_ids:
        return
    db.session.execute(
        insert(ExpenseChange).values(txid=transaction_id()),
        [{"user_id": user_id, "expense_id": expense_id} for expense_id in expense_ids],
    )


def record_profile(user_id: int) -> None:
    """Log that the user's name changed (one statement; the caller commits)."""
    db.session.execute(insert(ProfileChange).values(user_id=user_id, txid=transaction_id()))
