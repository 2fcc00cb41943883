"""The kept summaries checked against the expenses they summarise: which users' kept rows
drifted, and their rebuild from the expense rows (`flask verify-balances`, bulk loads)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, cast, delete, func, select

from expense_tracker.expenses.summaries import CELL_COLUMNS, latest_spelling
from expense_tracker.extensions import db
from expense_tracker.models import Expense, ExpenseSummaryCell, UsedCategory


def _month_of_date() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", Expense.date), Date)
    return func.date(Expense.date, "start of month")


def _expected_cells(user_ids: Collection[int] | None) -> Any:
    month = _month_of_date()
    statement = select(
        Expense.owner_id,
        month,
        Expense.category_key,
        Expense.payment_method,
        Expense.currency,
        func.count(),
        func.sum(Expense.amount),
    ).group_by(
        Expense.owner_id, month, Expense.category_key, Expense.payment_method, Expense.currency
    )
    return statement if user_ids is None else statement.where(Expense.owner_id.in_(user_ids))


def _expected_categories(user_ids: Collection[int] | None) -> Any:
    statement = select(
        Expense.owner_id,
        Expense.category_key,
        latest_spelling(Expense.owner_id, Expense.category_key).correlate(Expense),
        func.count(),
    ).group_by(Expense.owner_id, Expense.category_key)
    return statement if user_ids is None else statement.where(Expense.owner_id.in_(user_ids))


def _kept(model: type[Any], columns: Iterable[str], user_ids: Collection[int] | None) -> Any:
    statement = select(*(getattr(model, name) for name in columns))
    return statement if user_ids is None else statement.where(model.owner_id.in_(user_ids))


def drifted_users(user_ids: Collection[int] | None = None) -> list[int]:
    """The users (of `user_ids`, or all) whose kept summaries differ from their expenses."""
    cell_columns = (*CELL_COLUMNS, "expense_count", "total")
    category_columns = ("owner_id", "category_key", "category", "expense_count")
    drifted: set[int] = set()
    for expected, kept in (
        (_expected_cells(user_ids), _kept(ExpenseSummaryCell, cell_columns, user_ids)),
        (_expected_categories(user_ids), _kept(UsedCategory, category_columns, user_ids)),
    ):
        want = {_comparable(row) for row in db.session.execute(expected)}
        have = {_comparable(row) for row in db.session.execute(kept)}
        drifted.update(row[0] for row in want ^ have)
    return sorted(drifted)


def _comparable(row: Any) -> tuple[Any, ...]:
    # SQLite's date() answers text; the kept cells hold dates.
    return tuple(value.isoformat() if isinstance(value, date) else value for value in row)


def rebuild(user_ids: Collection[int] | None = None) -> None:
    """Set the users' summaries (or everyone's) from their expenses. The caller commits."""
    for model in (ExpenseSummaryCell, UsedCategory):
        statement = delete(model)
        if user_ids is not None:
            statement = statement.where(model.owner_id.in_(user_ids))
        db.session.execute(statement)
    cells = ExpenseSummaryCell.__table__
    categories = UsedCategory.__table__
    db.session.execute(
        cells.insert().from_select(
            [*CELL_COLUMNS, "expense_count", "total"], _expected_cells(user_ids)
        )
    )
    db.session.execute(
        categories.insert().from_select(
            ["owner_id", "category_key", "category", "expense_count"],
            _expected_categories(user_ids),
        )
    )
