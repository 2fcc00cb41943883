"""The filters of a group's expense list (its query's `date_from`, `category`, ...) as
conditions on GroupExpense."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, exists, or_

from expense_tracker.domain.text import casefold_key
from expense_tracker.models import ExpensePayer, ExpenseSplit, GroupExpense


def dates_and_category(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """`date_from`, `date_to` and `category` (also a summary's filters of my shares)."""
    conditions: list[ColumnElement[bool]] = []
    if "date_from" in filters:
        conditions.append(GroupExpense.date >= filters["date_from"])
    if "date_to" in filters:
        conditions.append(GroupExpense.date <= filters["date_to"])
    if "category" in filters:
        conditions.append(GroupExpense.category_key == casefold_key(filters["category"]))
    return conditions


def expense_filters(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The conditions on GroupExpense that the list's query filters ask for."""
    conditions = dates_and_category(filters)
    if "paid_by" in filters:
        conditions.append(
            exists().where(
                ExpensePayer.expense_id == GroupExpense.id,
                ExpensePayer.user_id == filters["paid_by"],
            )
        )
    if "involving" in filters:
        user_id = filters["involving"]
        conditions.append(
            or_(
                exists().where(
                    ExpensePayer.expense_id == GroupExpense.id, ExpensePayer.user_id == user_id
                ),
                exists().where(
                    ExpenseSplit.expense_id == GroupExpense.id, ExpenseSplit.user_id == user_id
                ),
            )
        )
    return conditions
