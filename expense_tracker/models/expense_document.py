"""A group expense's API document, kept as the JSON it is sent as, per version.

A group expense's document (`GroupExpenseSchema`) changes only when the expense's row
changes, and every such change increments its `version` (the ETag's): so the document of
one version can be built once, when it is written, and the list of a group's expenses
sends fifty kept documents joined instead of building fifty documents of 600 amounts and
timestamps (groups/expense_documents.py).

A kept document counts only for the `version` it was built from and the document
`shape` of the code that built it: one of an older version, or built by code that
shaped documents otherwise, is ignored and the document built afresh. It holds nothing
that changes without the expense's version changing: ids, amounts, dates, no person's
name or email.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.extensions import Model


class GroupExpenseDocument(Model):
    __tablename__ = "group_expense_documents"

    expense_id: Mapped[int] = mapped_column(
        ForeignKey("group_expenses.id", ondelete="CASCADE"), primary_key=True
    )
    # The expense's `version` this document shows.
    version: Mapped[int] = mapped_column(Integer)
    # expense_documents.SHAPE of the code that built it.
    shape: Mapped[int] = mapped_column(Integer)
    # The document as JSON, as the API sends it (compact, keys in the schema's order).
    body: Mapped[str] = mapped_column(Text)
