"""Kept summaries of each user's personal expenses, so that the summary and the category
list cost the same at a hundred expenses and at a million.

Two tables, both kept in the transaction of every write of personal expenses (create,
update, delete, import; account deletion empties them):

- `ExpenseSummaryCell`: per user, month, category (its case fold), payment method and
  currency, how many expenses and their total. `GET /expenses/summary` adds up these cells
  whenever its filters are cell-shaped (category, payment method, currency, and dates that
  cover whole months); any other filter (amounts, text search, dates within a month) reads
  the matching expense rows instead, as before.
- `UsedCategory`: per user and category, how many expenses, and the spelling of the latest
  one (`created_at`, then `id`): what `GET /expenses/categories` lists, and the key the
  summary shows for a category.

One user's writes take turns on the user's row (the kept expense count's UPDATE locks it
before any of this runs), so two writes never change one user's cells at once. Bulk loads
that insert around the services call `summary_audit.rebuild`; `flask verify-balances`
compares the kept rows with the expenses (`summary_audit`) and repairs them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from expense_tracker.domain.text import casefold_key, like_pattern
from expense_tracker.extensions import db
from expense_tracker.http import reads
from expense_tracker.models import Expense, ExpenseSummaryCell, UsedCategory

Cell = tuple[int, date, str, str, str]  # owner, month, category key, payment method, currency
# The filters a summary can answer from the cells (dates only when they cover whole months).
CELL_FILTERS = frozenset({"date_from", "date_to", "category", "payment_method", "currency"})
CELL_COLUMNS = ("owner_id", "month", "category_key", "payment_method", "currency")


@dataclass(frozen=True)
class Entry:
    """What one expense counts for in its owner's summaries."""

    owner_id: int
    month: date
    category_key: str
    category: str
    payment_method: str
    currency: str
    amount: int

    @property
    def cell(self) -> Cell:
        return (self.owner_id, self.month, self.category_key, self.payment_method, self.currency)


def entry_of(expense: Expense) -> Entry:
    columns = ("date", "category", "payment_method", "currency", "amount")
    return _entry(expense.owner_id, {name: getattr(expense, name) for name in columns})


def _entry(owner_id: int, values: Mapping[str, Any]) -> Entry:
    category = values["category"]
    return Entry(
        owner_id=owner_id,
        month=values["date"].replace(day=1),
        category_key=casefold_key(category),
        category=category,
        payment_method=values["payment_method"],
        currency=values["currency"],
        amount=values["amount"],
    )


# --------------------------------------------------------------------------- writes


def record_change(before: Entry | None, after: Entry | None) -> None:
    """Move one expense's part of the summaries from `before` to `after` (None: absent).
    Call it after the expense's own write, in the same transaction."""
    deltas: Counter[tuple[Cell, str]] = Counter()
    if before is not None:
        deltas[before.cell, "count"] -= 1
        deltas[before.cell, "total"] -= before.amount
    if after is not None:
        deltas[after.cell, "count"] += 1
        deltas[after.cell, "total"] += after.amount
    cells = {cell for cell, _ in deltas}
    _add_to_cells({cell: (deltas[cell, "count"], deltas[cell, "total"]) for cell in cells})

    if before is not None and after is not None and before.category_key == after.category_key:
        if before.category != after.category:
            _refresh_spellings(after.owner_id, [after.category_key])
        return
    if before is not None:
        _add_to_categories(before.owner_id, {before.category_key: (-1, before.category)})
        _refresh_spellings(before.owner_id, [before.category_key])
    if after is not None:
        _add_to_categories(after.owner_id, {after.category_key: (1, after.category)})
        if before is not None:  # an older expense moved into the category: it may not be latest
            _refresh_spellings(after.owner_id, [after.category_key])


def record_import(owner_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
    """Add a bulk insert's rows (after it ran: the spellings are read back from the rows)."""
    cells: dict[Cell, tuple[int, int]] = {}
    categories: dict[str, tuple[int, str]] = {}
    for row in rows:
        entry = _entry(owner_id, row)
        count, total = cells.get(entry.cell, (0, 0))
        cells[entry.cell] = (count + 1, total + entry.amount)
        categories[entry.category_key] = (
            categories.get(entry.category_key, (0, ""))[0] + 1,
            entry.category,
        )
    _add_to_cells(cells)
    _add_to_categories(owner_id, categories)
    _refresh_spellings(owner_id, list(categories))


def forget_user(owner_id: int) -> None:
    """Empty a user's summaries (account deletion removes every expense)."""
    db.session.execute(delete(ExpenseSummaryCell).where(ExpenseSummaryCell.owner_id == owner_id))
    db.session.execute(delete(UsedCategory).where(UsedCategory.owner_id == owner_id))


def _insert(model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT, for the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _add_to_cells(deltas: Mapping[Cell, tuple[int, int]]) -> None:
    """Add (count, total) to each cell: new cells are created, emptied ones deleted."""
    table = ExpenseSummaryCell.__table__
    grown = {cell: change for cell, change in deltas.items() if change[0] > 0}
    shrunk = {cell: change for cell, change in deltas.items() if change[0] <= 0 and any(change)}
    if grown:
        statement = _insert(ExpenseSummaryCell)
        statement = statement.on_conflict_do_update(
            index_elements=list(CELL_COLUMNS),
            set_={
                "expense_count": table.c.expense_count + statement.excluded.expense_count,
                "total": table.c.total + statement.excluded.total,
            },
        )
        rows = [
            dict(zip(CELL_COLUMNS, cell, strict=True), expense_count=count, total=total)
            for cell, (count, total) in grown.items()
        ]
        db.session.execute(statement, rows)
    if shrunk:
        matches = and_(*(table.c[name] == bindparam("k_" + name) for name in CELL_COLUMNS))
        keys = {cell: {"k_" + name: value for name, value in zip(CELL_COLUMNS, cell, strict=True)}
                for cell in shrunk}  # fmt: skip
        db.session.execute(
            update(table)
            .where(matches)
            .values(
                expense_count=table.c.expense_count + bindparam("d_count"),
                total=table.c.total + bindparam("d_total"),
            ),
            [
                keys[cell] | {"d_count": count, "d_total": total}
                for cell, (count, total) in shrunk.items()
            ],
        )
        emptied = [keys[cell] for cell, (count, _) in shrunk.items() if count < 0]
        if emptied:
            db.session.execute(delete(table).where(matches, table.c.expense_count == 0), emptied)


def _add_to_categories(owner_id: int, deltas: Mapping[str, tuple[int, str]]) -> None:
    """Add to each category's count (with a spelling for a category that is new)."""
    table = UsedCategory.__table__
    grown = [
        {"owner_id": owner_id, "category_key": key, "category": spelling, "expense_count": count}
        for key, (count, spelling) in deltas.items()
        if count > 0
    ]
    shrunk = [{"k_key": key, "d_count": count} for key, (count, _) in deltas.items() if count < 0]
    if grown:
        statement = _insert(UsedCategory)
        statement = statement.on_conflict_do_update(
            index_elements=["owner_id", "category_key"],
            set_={
                "expense_count": table.c.expense_count + statement.excluded.expense_count,
                # A new expense is the category's latest: its spelling is the category's.
                "category": statement.excluded.category,
            },
        )
        db.session.execute(statement, grown)
    if shrunk:
        matches = and_(table.c.owner_id == owner_id, table.c.category_key == bindparam("k_key"))
        db.session.execute(
            update(table)
            .where(matches)
            .values(expense_count=table.c.expense_count + bindparam("d_count")),
            shrunk,
        )
        db.session.execute(delete(table).where(matches, table.c.expense_count == 0), shrunk)


def latest_spelling(owner_id: Any, category_key: Any) -> Any:
    """The category as spelled on the latest expense with this key (one index probe)."""
    latest = aliased(Expense)
    return (
        select(latest.category)
        .where(latest.owner_id == owner_id, latest.category_key == category_key)
        .order_by(latest.created_at.desc(), latest.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _refresh_spellings(owner_id: int, category_keys: Collection[str]) -> None:
    """Set these categories' spelling from their latest expense (a category with none left
    has been deleted already)."""
    db.session.flush()
    table = UsedCategory.__table__
    db.session.execute(
        update(table)
        .where(table.c.owner_id == owner_id, table.c.category_key.in_(list(category_keys)))
        .values(category=latest_spelling(table.c.owner_id, table.c.category_key))
    )


# --------------------------------------------------------------------------- reads


def answerable_from_cells(filters: Mapping[str, Any]) -> bool:
    """Whether the cells can answer a summary with these filters exactly."""
    if not set(filters) - {"group_by"} <= CELL_FILTERS:
        return False
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    if date_from is not None and date_from.day != 1:
        return False
    return date_to is None or (date_to + timedelta(days=1)).day == 1


def summary_from_cells(owner_id: int, filters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """(key, currency, total, count) per group, from the cells (`answerable_from_cells`)."""
    cells = ExpenseSummaryCell
    conditions = [cells.owner_id == owner_id]
    if "date_from" in filters:
        conditions.append(cells.month >= filters["date_from"])
    if "date_to" in filters:
        conditions.append(cells.month <= filters["date_to"].replace(day=1))
    if "category" in filters:
        conditions.append(cells.category_key == casefold_key(filters["category"]))
    for name in ("payment_method", "currency"):
        if name in filters:
            conditions.append(getattr(cells, name) == filters[name])
    sums = (func.sum(cells.total), func.sum(cells.expense_count))
    group_by = filters.get("group_by", "category")
    statement: Any
    if group_by == "category":
        spelling = UsedCategory.category
        statement = (
            select(spelling, cells.currency, *sums)
            .join(
                UsedCategory,
                and_(
                    UsedCategory.owner_id == cells.owner_id,
                    UsedCategory.category_key == cells.category_key,
                ),
            )
            .group_by(cells.category_key, spelling, cells.currency)
        )
    elif group_by == "month":
        statement = select(cells.month, cells.currency, *sums).group_by(cells.month, cells.currency)
    else:
        statement = select(cells.payment_method, cells.currency, *sums).group_by(
            cells.payment_method, cells.currency
        )
    rows = reads.rows(statement.where(*conditions))
    if group_by == "month":
        return [(f"{month:%Y-%m}", *rest) for month, *rest in rows]
    return [tuple(row) for row in rows]


def join_spelling(statement: Any) -> Any:
    """`statement` over Expense, joined to the spelling each category shows."""
    return statement.join(
        UsedCategory,
        and_(
            UsedCategory.owner_id == Expense.owner_id,
            UsedCategory.category_key == Expense.category_key,
        ),
    )


def used_categories(owner_id: int, prefix: str | None) -> list[tuple[str, int]]:
    """(spelling, count) of each category the user has used, whose key starts with `prefix`."""
    statement = select(UsedCategory.category, UsedCategory.expense_count).where(
        UsedCategory.owner_id == owner_id
    )
    if prefix:
        escaped = like_pattern(casefold_key(prefix))[1:]  # drop the leading wildcard
        statement = statement.where(UsedCategory.category_key.like(escaped, escape="\\"))
    return [(name, count) for name, count in reads.rows(statement)]
