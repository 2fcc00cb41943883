"""The group expense list, read as plain rows and written straight to JSON.

This is the hottest read of the API (50 expenses of 8 splits each is 500 nested objects
per page). Built the general way (ORM objects for every payer and split row, then
marshmallow's `GroupExpenseSchema(many=True)`), two thirds of a request went to creating
and serialising those objects. Here `expense_document` builds exactly what
`GroupExpenseSchema` would dump from plain rows (tests/groups/test_expense_listing.py
proves it on random expenses), and each expense's document is kept as JSON per version
when it is written (groups/expense_documents.py): a page is one statement reading fifty
kept documents, joined here as they are. An expense without a kept document of its
current version is built here from its rows (three statements for all such rows of a
page). The schema stays the documented shape in the OpenAPI document; it is just not what
produces these bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, select

from expense_tracker.domain.money import format_amount, format_decimal
from expense_tracker.extensions import db
from expense_tracker.fields import timestamp_text
from expense_tracker.groups.access import GroupFacts
from expense_tracker.groups.expenses.filters import expense_filters
from expense_tracker.http import reads
from expense_tracker.models import (
    ExpensePayer,
    ExpenseSplit,
    GroupExpense,
    GroupExpenseDocument,
)
from expense_tracker.models.group import from_hundredths
from expense_tracker.pagination import after_position, parse_position, position_text

EXPENSE_COLUMNS = (
    GroupExpense.id,
    GroupExpense.group_id,
    GroupExpense.description,
    GroupExpense.amount,
    GroupExpense.currency,
    GroupExpense.date,
    GroupExpense.category,
    GroupExpense.notes,
    GroupExpense.created_by,
    GroupExpense.split_type,
    GroupExpense.created_at,
    GroupExpense.updated_at,
    GroupExpense.original_amount,
    GroupExpense.original_currency,
    GroupExpense.exchange_rate,
    GroupExpense.series_id,
    GroupExpense.occurrence,
)
_NEWEST_FIRST = (GroupExpense.date.desc(), GroupExpense.id.desc())

# The shape of the documents `expense_document` builds. Change it whenever they show
# something else (a field added, a format changed): every document kept before then
# counts no more, and the list builds them afresh until they are kept again
# (`flask keep-expense-documents`).
SHAPE = 1


def encode(document: dict[str, Any]) -> str:
    """The document as the API sends it: orjson, compact, keys in the order built (as the
    JSON provider, http/json.py, encodes it)."""
    return orjson.dumps(document).decode()


def current(expense_id: Any, version: Any) -> Any:
    """The condition on a kept document: this expense's, of its current version and of the
    shape this code builds."""
    return and_(
        GroupExpenseDocument.expense_id == expense_id,
        GroupExpenseDocument.version == version,
        GroupExpenseDocument.shape == SHAPE,
    )


# The usual page: the live expenses, newest first, unfiltered (built once). Its ids read
# from the (group_id, date, id) index alone, however deep `skip` goes.
_NEWEST_IDS = (
    select(GroupExpense.id)
    .where(GroupExpense.group_id == bindparam("group_id"), GroupExpense.deleted_at.is_(None))
    .order_by(*_NEWEST_FIRST)
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
    .scalar_subquery()
)
_KEPT_DOCUMENTS = (
    select(GroupExpense.id, GroupExpense.date, GroupExpenseDocument.body.label("document"))
    .select_from(GroupExpense)
    .outerjoin(GroupExpenseDocument, current(GroupExpense.id, GroupExpense.version))
)
_NEWEST_PAGE = _KEPT_DOCUMENTS.where(GroupExpense.id.in_(_NEWEST_IDS)).order_by(*_NEWEST_FIRST)
# The first page goes straight down the index, reading its fifty rows only. Its kept
# documents come back as rows and are joined here: joined by PostgreSQL (string_agg, as
# the personal list's written ones are) the page cost it 0.2 ms more than sending them,
# for 50 kB of text, and saved the worker less than that (bench/README.md).
_FIRST_PAGE = (
    _KEPT_DOCUMENTS.where(
        GroupExpense.group_id == bindparam("group_id"), GroupExpense.deleted_at.is_(None)
    )
    .order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit"))
)


def _split_document(row: Any, currency: str, input_currency: str) -> dict[str, Any]:
    _, user_id, amount, percentage, shares, adjustment, original, is_paid, paid_at = row
    document: dict[str, Any] = {"user_id": user_id, "amount": format_amount(amount, currency)}
    # As SplitSchema: percentage / shares / adjustment appear only where they were input.
    if percentage is not None:
        document["percentage"] = format_decimal(from_hundredths(percentage), 2)
    if shares is not None:
        document["shares"] = format_decimal(from_hundredths(shares), 2)
    if adjustment is not None:
        document["adjustment"] = format_amount(adjustment, input_currency)
    if original is not None:
        document["original_amount"] = format_amount(original, input_currency)
    document["is_paid"] = is_paid
    document["paid_at"] = timestamp_text(paid_at)
    return document


def expense_document(expense: Any, payers: Sequence[Any], splits: Sequence[Any]) -> dict[str, Any]:
    """One expense as `GroupExpenseSchema` dumps it, from its rows (payers, splits by user)."""
    (
        expense_id,
        group_id,
        description,
        amount,
        currency,
        day,
        category,
        notes,
        created_by,
        split_type,
        created_at,
        updated_at,
        original_amount,
        original_currency,
        exchange_rate,
        series_id,
        occurrence,
    ) = expense
    assert isinstance(day, date)
    input_currency = original_currency or currency
    return {
        "id": expense_id,
        "group_id": group_id,
        "description": description,
        "amount": format_amount(amount, currency),
        "currency": currency,
        "date": day.isoformat(),
        "category": category,
        "notes": notes,
        "paid_by": payers[0][1] if len(payers) == 1 else None,
        "payers": [_payer_document(payer, currency, input_currency) for payer in payers],
        "created_by": created_by,
        "split_type": split_type,
        "splits": [_split_document(split, currency, input_currency) for split in splits],
        "created_at": timestamp_text(created_at),
        "updated_at": timestamp_text(updated_at),
        "original_amount": (
            None if original_amount is None else format_amount(original_amount, input_currency)
        ),
        "original_currency": original_currency,
        "exchange_rate": None if exchange_rate is None else format(exchange_rate, "f"),
        "series_id": series_id,
        "occurrence": occurrence,
    }


def _payer_document(row: Any, currency: str, input_currency: str) -> dict[str, Any]:
    _, user_id, paid, original = row
    document = {"user_id": user_id, "amount": format_amount(paid, currency)}
    if original is not None:
        document["original_amount"] = format_amount(original, input_currency)
    return document


def expense_documents(expense_rows: Sequence[Any], bind: Any = None) -> list[dict[str, Any]]:
    """These expenses (rows of EXPENSE_COLUMNS) as the API shows them: two more
    statements, for payers and splits."""
    target = db.session if bind is None else bind
    ids = [row[0] for row in expense_rows]
    payers: dict[int, list[Any]] = defaultdict(list)
    splits: dict[int, list[Any]] = defaultdict(list)
    if ids:
        for row in target.execute(
            select(
                ExpensePayer.expense_id,
                ExpensePayer.user_id,
                ExpensePayer.amount,
                ExpensePayer.original_amount,
            )
            .where(ExpensePayer.expense_id.in_(ids))
            .order_by(ExpensePayer.expense_id, ExpensePayer.user_id)
        ):
            payers[row[0]].append(row)
        for split in target.execute(
            select(
                ExpenseSplit.expense_id,
                ExpenseSplit.user_id,
                ExpenseSplit.amount,
                ExpenseSplit.percentage_hundredths,
                ExpenseSplit.shares_hundredths,
                ExpenseSplit.adjustment,
                ExpenseSplit.original_amount,
                ExpenseSplit.is_paid,
                ExpenseSplit.paid_at,
            )
            .where(ExpenseSplit.expense_id.in_(ids))
            .order_by(ExpenseSplit.expense_id, ExpenseSplit.user_id)
        ):
            splits[split[0]].append(split)
    return [expense_document(row, payers[row[0]], splits[row[0]]) for row in expense_rows]


def expense_page(
    group: GroupFacts, filters: Mapping[str, Any], skip: int, limit: int
) -> tuple[bytes, int, str | None]:
    """One page of the group's expenses matching `filters`, newest first, as the JSON the
    response sends; their total; and the position of its last row, for the next page's
    `after` (None on a short page).

    The page's ids come from an inner query which, without filters, reads only the
    (group_id, date, id) index; from an `after` position it starts at that row.
    """
    deleted = filters.get("deleted") == "only"
    filtered = expense_filters(filters)
    rows: Sequence[Any]
    if not deleted and not filtered and "after" not in filters:
        # The usual page (the live expenses, newest first): one statement built once.
        # A later page by its ids first: a deep `skip` walks only the index.
        statement = _FIRST_PAGE if skip == 0 else _NEWEST_PAGE
        rows = reads.rows(statement, {"group_id": group.id, "skip": skip, "limit": limit})
        return _live_page(rows), group.expense_count, _last(rows, limit)
    # Deleted rows are apart: each kind has its partial index, (group_id, date, id).
    live = GroupExpense.deleted_at.is_not(None) if deleted else GroupExpense.deleted_at.is_(None)
    conditions = [GroupExpense.group_id == group.id, live, *filtered]
    # Without filters the total is kept on the group: no count over the whole history.
    if not filtered and not deleted:
        total = group.expense_count
    else:
        total = reads.count(select(GroupExpense.id).where(*conditions))
    page_ids = select(GroupExpense.id).where(*conditions).order_by(*_NEWEST_FIRST).limit(limit)
    if "after" in filters:
        position = parse_position(filters["after"], date)
        page_ids = page_ids.where(
            after_position(GroupExpense.date, GroupExpense.id, position, desc=True)
        )
    else:
        page_ids = page_ids.offset(skip)
    in_page = GroupExpense.id.in_(page_ids.scalar_subquery())
    if not deleted:
        # The kept document of each expense's current version, where there is one.
        rows = reads.rows(
            select(GroupExpense.id, GroupExpense.date, GroupExpenseDocument.body)
            .outerjoin(GroupExpenseDocument, current(GroupExpense.id, GroupExpense.version))
            .where(in_page)
            .order_by(*_NEWEST_FIRST)
        )
        return _live_page(rows), total, _last(rows, limit)
    rows = db.session.execute(
        select(*EXPENSE_COLUMNS).where(in_page).order_by(*_NEWEST_FIRST)
    ).all()
    documents = expense_documents(rows)
    _add_deletion(documents)
    return orjson.dumps(documents) + b"\n", total, _last(rows, limit)


def _live_page(rows: Sequence[Any]) -> bytes:
    return ("[" + ",".join(_bodies(rows)) + "]\n").encode()


def _last(rows: Sequence[Any], limit: int) -> str | None:
    """The `after` position of a full page's last row (None on a short page)."""
    return position_text(rows[-1].date, rows[-1].id) if len(rows) == limit else None


def _bodies(rows: Sequence[Any]) -> list[str]:
    """The JSON of each (id, date, kept body) row, built afresh where none is kept."""
    missing = [expense_id for expense_id, _, body in rows if body is None]
    built = {}
    if missing:
        built = {
            expense_id: encode(document)
            for expense_id, document in documents_of(missing, live_only=False).items()
        }
    # An expense gone meanwhile (its group purged between the two reads) is left out.
    return [
        body if body is not None else built[expense_id]
        for expense_id, _, body in rows
        if body is not None or expense_id in built
    ]


def _add_deletion(documents: list[dict[str, Any]]) -> None:
    """`deleted_at` and `deleted_by` on each document of the deleted list (one statement)."""
    marks = {
        expense_id: (deleted_at, deleted_by)
        for expense_id, deleted_at, deleted_by in db.session.execute(
            select(GroupExpense.id, GroupExpense.deleted_at, GroupExpense.deleted_by).where(
                GroupExpense.id.in_([document["id"] for document in documents])
            )
        )
    }
    for document in documents:
        deleted_at, deleted_by = marks[document["id"]]
        document["deleted_at"] = timestamp_text(deleted_at)
        document["deleted_by"] = deleted_by


def documents_of(ids: Sequence[int], live_only: bool = True) -> dict[int, dict[str, Any]]:
    """The expenses among `ids` (the live ones only, unless `live_only` is false), as the
    API shows them, by id."""
    statement = select(*EXPENSE_COLUMNS).where(GroupExpense.id.in_(ids))
    if live_only:
        statement = statement.where(GroupExpense.deleted_at.is_(None))
    rows = db.session.execute(statement).all()
    return {document["id"]: document for document in expense_documents(rows)}


def documents_by_id(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The live (not deleted) expenses among `ids`, as the API shows them, by id."""
    return documents_of(ids)
