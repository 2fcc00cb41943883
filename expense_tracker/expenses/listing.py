"""The personal expense list, read as plain rows and written straight to JSON.

As for the group list (groups/expenses/listing.py): loading ORM objects and dumping them
with marshmallow cost more than the query. `expense_document` builds exactly what
`ExpenseSchema` dumps (tests/expenses/test_listing.py compares them on random expenses);
the schema stays the documented shape.

On PostgreSQL the usual page (newest first, unfiltered) is written by the database:
`_DOCUMENT` is the same document as an SQL expression (http/sql_json.py), and the page
comes back as one row holding its JSON, instead of 550 values for Python to decode and
format again (tests/expenses/test_listing_sql.py compares the two byte for byte).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson
from sqlalchemy import bindparam, select

from expense_tracker.domain.money import currency_exponent, format_amount
from expense_tracker.expenses.service import (
    COMMON_PLACES,
    SORT_ORDERS,
    face_value,
    filter_conditions,
)
from expense_tracker.fields import timestamp_text
from expense_tracker.http import json_pages, reads, sql_json
from expense_tracker.models import Expense
from expense_tracker.models.user import UserFacts
from expense_tracker.pagination import after_position, parse_position, position_text

_COLUMNS = (
    Expense.id,
    Expense.date,
    Expense.category,
    Expense.amount,
    Expense.currency,
    Expense.description,
    Expense.payment_method,
    Expense.created_at,
    Expense.updated_at,
    Expense.series_id,
    Expense.occurrence,
)


# The ids of a page of the usual order: a deep `skip` walks the (owner_id, date, id) index
# rather than whole rows.
_NEWEST_IDS = (
    select(Expense.id)
    .where(Expense.owner_id == bindparam("owner_id"))
    .order_by(*SORT_ORDERS["-date"])
    .offset(bindparam("skip"))
    .limit(bindparam("limit"))
    .scalar_subquery()
)
_NEWEST_PAGE = select(*_COLUMNS).where(Expense.id.in_(_NEWEST_IDS)).order_by(*SORT_ORDERS["-date"])

# What `expense_document` builds, written by PostgreSQL.
_DOCUMENT = sql_json.json_object(
    {
        "id": sql_json.number(Expense.id),
        "date": sql_json.day(Expense.date),
        "category": sql_json.string(Expense.category),
        "amount": sql_json.amount(Expense.amount, Expense.currency),
        "currency": sql_json.string(Expense.currency),
        "description": sql_json.string(Expense.description),
        "payment_method": sql_json.string(Expense.payment_method),
        "created_at": sql_json.timestamp(Expense.created_at),
        "updated_at": sql_json.timestamp(Expense.updated_at),
        "series_id": sql_json.number(Expense.series_id),
        "occurrence": sql_json.number(Expense.occurrence),
    }
)


_PAGE_COLUMNS = (Expense.id, Expense.date, _DOCUMENT.label("document"))
# The first page: straight down the (owner_id, date, id) index, fifty rows read.
_FIRST_PAGE_JSON = json_pages.newest_first(
    select(*_PAGE_COLUMNS)
    .where(Expense.owner_id == bindparam("owner_id"))
    .order_by(*SORT_ORDERS["-date"])
    .limit(bindparam("limit"))
    .subquery("page")
)
# A later page: its ids from the index first, then only its own rows read.
_LATER_PAGE_JSON = json_pages.newest_first(
    select(*_PAGE_COLUMNS).where(Expense.id.in_(_NEWEST_IDS)).subquery("page")
)


def expense_document(row: Any) -> dict[str, Any]:
    """One expense as `ExpenseSchema` dumps it, from a row of `_COLUMNS`."""
    (expense_id, day, category, amount, currency, description, method, created, updated) = row[:9]
    series_id, occurrence = row[9:]
    return {
        "id": expense_id,
        "date": day.isoformat(),
        "category": category,
        "amount": format_amount(amount, currency),
        "currency": currency,
        "description": description,
        "payment_method": method,
        "created_at": timestamp_text(created),
        "updated_at": timestamp_text(updated),
        "series_id": series_id,
        "occurrence": occurrence,
    }


def expense_page(
    user: UserFacts, filters: Mapping[str, Any], skip: int, limit: int
) -> tuple[bytes, int, str | None]:
    """One page of the user's expenses matching `filters`, in their order, as the JSON the
    response sends; the total; and the position of its last row, for the next page's
    `after` (None on a short page).

    The page's ids come from an inner query: a deep `skip` walks the (owner_id, date, id)
    index rather than whole rows, and an `after` position starts at that row.
    """
    filtered = filter_conditions(filters)
    sort = filters.get("sort", "-date")
    if not filtered and sort == "-date" and "after" not in filters:
        # The usual page (newest first, no filter): one statement built once.
        params = {"owner_id": user.id, "skip": skip, "limit": limit}
        if reads.on_postgresql():
            statement = _FIRST_PAGE_JSON if skip == 0 else _LATER_PAGE_JSON
            written = json_pages.read(statement, params)
            assert written is not None  # every row has its document: it is written here
            return written[0], user.expense_count, written[1]
        rows = reads.rows(_NEWEST_PAGE, params)
        last = _position(rows[-1], sort) if len(rows) == limit else None
        return _json(rows), user.expense_count, last
    conditions = [Expense.owner_id == user.id, *filtered]
    order = SORT_ORDERS[sort]
    page_ids = select(Expense.id).where(*conditions).order_by(*order).limit(limit)
    if "after" in filters:
        by_date = sort.endswith("date")
        position = parse_position(filters["after"], date if by_date else int)
        key = Expense.date if by_date else face_value()
        page_ids = page_ids.where(
            after_position(key, Expense.id, position, desc=sort.startswith("-"))
        )
    else:
        page_ids = page_ids.offset(skip)
    rows = reads.rows(
        select(*_COLUMNS).where(Expense.id.in_(page_ids.scalar_subquery())).order_by(*order)
    )
    # Without filters the total is kept on the user: no count over every row they have.
    if not filtered:
        total = user.expense_count
    else:
        total = reads.count(select(Expense.id).where(*conditions))
    last = _position(rows[-1], sort) if len(rows) == limit else None
    return _json(rows), total, last


def _json(rows: Any) -> bytes:
    """The documents of these rows, as the response sends them."""
    return orjson.dumps([expense_document(row) for row in rows]) + b"\n"


def _position(row: Any, sort: str) -> str:
    """The `after` value of a row in the order `sort`."""
    if sort.endswith("date"):
        return position_text(row.date, row.id)
    places = currency_exponent(row.currency)
    return position_text(row.amount * 10 ** (COMMON_PLACES - places), row.id)
