"""Attaching, listing and removing receipts; the caller has loaded (and locked) the expense
and checked who may do what (routes.py).

A failed upload leaves nothing behind: the bytes are stored first, the row committed after;
when the commit fails the bytes are deleted again. Only a process that dies between the two
leaves a file without a row, which `flask receipts clean` removes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from expense_tracker.errors import ApiError, LimitReached, NotFound, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.models import Expense, GroupExpense, Receipt
from expense_tracker.receipts import scrub, sniff, storage

MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_RECEIPTS_PER_EXPENSE = 10
# A file younger than this may belong to an upload still on its way to its commit.
CLEAN_GRACE = timedelta(hours=1)


class ReceiptTooLarge(ApiError):
    status = 413
    detail = f"A receipt is at most {MAX_RECEIPT_BYTES // (1024 * 1024)} MiB."


class ReceiptTypeRefused(ApiError):
    status = 415
    detail = "A receipt must be a JPEG, PNG or WebP photo, or a PDF (read from its content)."


class ReceiptNotFound(NotFound):
    detail = "No such receipt."


def _of(expense: Expense | GroupExpense) -> ColumnElement[bool]:
    if isinstance(expense, GroupExpense):
        return Receipt.group_expense_id == expense.id
    return Receipt.expense_id == expense.id


def receipts_of(expense: Expense | GroupExpense) -> Sequence[Receipt]:
    return db.session.scalars(select(Receipt).where(_of(expense)).order_by(Receipt.id)).all()


def receipt_of(expense: Expense | GroupExpense, receipt_id: int) -> Receipt:
    receipt = db.session.scalar(select(Receipt).where(_of(expense), Receipt.id == receipt_id))
    if receipt is None:
        raise ReceiptNotFound()
    return receipt


def attach(expense: Expense | GroupExpense, uploader_id: int, data: bytes) -> Receipt:
    """Store `data` (its type read from it, photos without their location) and commit its
    row; 413, 415, 422 (an unreadable photo) or 409 (ten already) otherwise."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise ReceiptTooLarge()
    kind = sniff.content_type(data)
    if kind is None:
        raise ReceiptTypeRefused()
    try:
        stored = scrub.without_location(data, kind)
    except ValueError as exc:
        raise ValidationFailed.field("file", f"{exc} Send the photo again.") from None
    count = db.session.scalar(select(func.count()).select_from(Receipt).where(_of(expense)))
    if (count or 0) >= MAX_RECEIPTS_PER_EXPENSE:
        raise LimitReached(f"An expense holds at most {MAX_RECEIPTS_PER_EXPENSE} receipts.")
    store = storage.store()
    key = store.put(stored)
    try:
        receipt = Receipt(
            content_type=kind,
            size=len(stored),
            sha256=hashlib.sha256(stored).hexdigest(),
            storage_key=key,
            uploaded_by=uploader_id,
        )
        if isinstance(expense, GroupExpense):
            receipt.group_expense_id, receipt.group_id = expense.id, expense.group_id
        else:
            receipt.expense_id = expense.id
        db.session.add(receipt)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(key)
        raise
    return receipt


def content(receipt: Receipt) -> bytes:
    try:
        return storage.store().get(receipt.storage_key)
    except FileNotFoundError:
        # The row outlived its file (a restore from an older backup of the folder).
        raise ReceiptNotFound("The receipt's file is missing from the store.") from None


def remove(receipt: Receipt) -> None:
    """Delete the row, then the bytes (a crash between leaves a file for the sweeper)."""
    key = receipt.storage_key
    db.session.delete(receipt)
    db.session.commit()
    storage.store().delete(key)


def clean_orphans() -> int:
    """Delete stored files that no receipt row names (older than CLEAN_GRACE); how many."""
    store = storage.store()
    removed = 0
    candidates = list(store.keys_older_than(storage.now() - CLEAN_GRACE))
    for start in range(0, len(candidates), 500):
        batch = candidates[start : start + 500]
        known = set(
            db.session.scalars(select(Receipt.storage_key).where(Receipt.storage_key.in_(batch)))
        )
        for key in batch:
            if key not in known:
                store.delete(key)
                removed += 1
    return removed
