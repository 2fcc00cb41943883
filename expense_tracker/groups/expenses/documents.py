"""Each group expense's document, kept as JSON per version (models/expense_document.py).

Every write of a group expense keeps the document of the version it leaves, in its own
transaction: `keep` where the writer holds the expense's objects (create, the recurring
runner's occurrences, edit, restore, a share marked paid: the document the writer dumped
for its activity entry, or one dumped here), `keep_new` for a bulk insert (the Splitwise
import), `rebuild` from the rows where the writer changed them with Core statements (a
guest merge, seed-bench, `flask keep-expense-documents`). The list sends kept documents
as they are (`expense_listing.expense_page`) and builds any it does not find for the
expense's current version, so a writer that keeps none makes that expense slower to
list, never wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from expense_tracker.extensions import db
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.expenses import listing as expense_listing
from expense_tracker.groups.expenses.listing import SHAPE, current, encode
from expense_tracker.models import GroupExpense, GroupExpenseDocument

# Documents built and written per statement by `rebuild` on a large set (an import, a fill).
BATCH = 500

_kept = GroupExpenseDocument.__table__


def keep(expense: GroupExpense, document: dict[str, Any] | None = None, new: bool = False) -> None:
    """Keep the document of `expense` as the transaction leaves it: `document` when the
    writer has dumped it already (GroupExpenseSchema, its rows in user_id order), else
    dumped here. `new`: the expense has no document yet (one statement fewer).

    Flushes first, so that `expense.version` is the one the transaction commits.
    """
    db.session.flush()
    if document is None:
        document = activity.of_expense(expense)
    if not new:
        db.session.execute(delete(_kept).where(_kept.c.expense_id == expense.id))
    db.session.execute(
        insert(_kept),
        [
            {
                "expense_id": expense.id,
                "version": expense.version,
                "shape": SHAPE,
                "body": encode(document),
            }
        ],
    )


def keep_new(documents: Iterable[tuple[int, int, dict[str, Any]]]) -> None:
    """Keep the documents of new expenses (id, version, document), built as `keep` says,
    in one statement (a bulk insert: the Splitwise import)."""
    rows = [
        {"expense_id": expense_id, "version": version, "shape": SHAPE, "body": encode(document)}
        for expense_id, version, document in documents
    ]
    if rows:
        db.session.execute(insert(_kept), rows)


def rebuild(expense_ids: Iterable[int], bind: Any = None) -> int:
    """Build and keep the documents of these expenses as the transaction now has them
    (after a flush); the number kept."""
    target = db.session if bind is None else bind
    if not isinstance(target, Connection):
        target.flush()
    ids = sorted(set(expense_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = target.execute(
            select(*expense_listing.EXPENSE_COLUMNS, GroupExpense.version).where(
                GroupExpense.id.in_(chunk)
            )
        ).all()
        documents = expense_listing.expense_documents([row[:-1] for row in rows], bind=target)
        target.execute(delete(_kept).where(_kept.c.expense_id.in_(chunk)))
        if rows:
            target.execute(
                insert(_kept),
                [
                    {
                        "expense_id": row[0],
                        "version": row[-1],
                        "shape": SHAPE,
                        "body": encode(document),
                    }
                    for row, document in zip(rows, documents, strict=True)
                ],
            )
    return len(ids)


def stale_ids(bind: Any, group_ids: Sequence[int] | None = None) -> list[int]:
    """Expenses (deleted ones included) without a kept document of their current version."""
    statement = (
        select(GroupExpense.id)
        .outerjoin(GroupExpenseDocument, current(GroupExpense.id, GroupExpense.version))
        .where(GroupExpenseDocument.expense_id.is_(None))
    )
    if group_ids is not None:
        statement = statement.where(GroupExpense.group_id.in_(group_ids))
    return list(bind.execute(statement).scalars())


def differing() -> list[int]:
    """Expenses whose kept document of their current version is not what they show now
    (a fresh build from their rows): none, unless a writer changed an expense without
    changing its version."""
    kept = db.session.execute(
        select(GroupExpenseDocument.expense_id, GroupExpenseDocument.body).join(
            GroupExpense, current(GroupExpense.id, GroupExpense.version)
        )
    ).all()
    wrong = []
    for start in range(0, len(kept), BATCH):
        chunk = dict(kept[start : start + BATCH])
        rows = db.session.execute(
            select(*expense_listing.EXPENSE_COLUMNS).where(GroupExpense.id.in_(chunk))
        ).all()
        for document in expense_listing.expense_documents(rows):
            if encode(document) != chunk[document["id"]]:
                wrong.append(document["id"])
    return sorted(wrong)
