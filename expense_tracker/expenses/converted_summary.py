"""My money in one currency: the personal summary converted with the rate table, and
optionally with my shares of group expenses (`GET /expenses/summary?in=...&include=...`).

Every amount is converted at its own date's rate (the rate table's, or the nearest of the 7
days before). The rows are read summed per day and currency (one rate each), converted as
exact fractions, and each total rounded once, half to even, to the target's minor units: the
result is the exact sum of the converted amounts, never a sum of rounded parts.

When nothing needs converting (every matching expense is already in the target currency,
and no group shares are asked for) the kept summary cells answer, as without `in`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select

from expense_tracker.currencies import rates
from expense_tracker.currencies.conversion import round_half_even
from expense_tracker.domain import money
from expense_tracker.domain.text import casefold_key, like_pattern
from expense_tracker.expenses import summaries
from expense_tracker.expenses.service import COMMON_PLACES, filter_conditions, summarise
from expense_tracker.groups.expenses.filters import dates_and_category
from expense_tracker.http import reads
from expense_tracker.models import (
    Expense,
    ExpenseSplit,
    Group,
    GroupExpense,
    UsedCategory,
)
from expense_tracker.models.user import UserFacts

GROUP_METHOD = "group"  # the payment method my group shares are summed under


def summary(user: UserFacts, query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`GET /expenses/summary`: converted when `in` or `include` asks, else as before."""
    target = query.get("in_currency")
    group_shares = query.get("include") == "group_shares"
    filters = {k: v for k, v in query.items() if k not in ("in_currency", "include")}
    if group_shares or target is not None:
        target = target or user.default_currency
        if group_shares or not needs_no_conversion(user, filters, target):
            return converted_summary(user, filters, target, group_shares=group_shares)
    return summarise(user, filters)


@dataclass
class _Total:
    spelling: str
    amount: Fraction = field(default_factory=Fraction)
    count: int = 0


def converted_summary(
    user: UserFacts, filters: Mapping[str, Any], target: str, *, group_shares: bool
) -> list[dict[str, Any]]:
    """[{key, currency: target, total (minor units), count}], by key."""
    group_by = filters.get("group_by", "category")
    parts = _personal_parts(user, filters, group_by)
    if group_shares and filters.get("payment_method") in (None, GROUP_METHOD):
        parts += _group_share_parts(user, filters, group_by)
    rate_of = rates.rates_on_days(((currency, day) for _, _, day, currency, _, _ in parts), target)
    target_places = money.currency_exponent(target)
    totals: dict[str, _Total] = {}
    for key, spelling, day, currency, amount, count in parts:
        value = Fraction(int(amount))
        if currency != target:
            scale = Fraction(10) ** (target_places - money.currency_exponent(currency))
            value *= Fraction(rate_of[currency, day]) * scale
        total = totals.setdefault(key, _Total(spelling))
        total.amount += value
        total.count += int(count)
    rows: list[dict[str, Any]] = [
        {
            "key": t.spelling,
            "currency": target,
            "total": round_half_even(t.amount),
            "count": t.count,
        }
        for t in totals.values()
    ]
    rows.sort(key=lambda row: row["key"])
    return rows


def needs_no_conversion(user: UserFacts, filters: Mapping[str, Any], target: str) -> bool:
    """Whether every personal expense the filters match is already in `target` (then the
    kept cells answer): one indexed read of the distinct currencies."""
    currencies = reads.rows(
        select(Expense.currency)
        .where(Expense.owner_id == user.id, *filter_conditions(_without_grouping(filters)))
        .distinct()
        .limit(2)
    )
    return {currency for (currency,) in currencies} <= {target}


def _without_grouping(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if name != "group_by"}


# A part: (grouping key, its spelling, day, currency, amount in minor units, count).
Part = tuple[str, str, date, str, int, int]


def _personal_parts(user: UserFacts, filters: Mapping[str, Any], group_by: str) -> list[Part]:
    sums = (func.sum(Expense.amount), func.count(Expense.id))
    conditions = [Expense.owner_id == user.id, *filter_conditions(_without_grouping(filters))]
    statement: Any
    if group_by == "category":
        spelling = UsedCategory.category
        statement = summaries.join_spelling(
            select(Expense.category_key, spelling, Expense.date, Expense.currency, *sums)
        ).group_by(Expense.category_key, spelling, Expense.date, Expense.currency)
    elif group_by == "payment_method":
        method = Expense.payment_method
        statement = select(method, method, Expense.date, Expense.currency, *sums).group_by(
            method, Expense.date, Expense.currency
        )
    else:
        statement = select(Expense.date, Expense.currency, *sums).group_by(
            Expense.date, Expense.currency
        )
    rows = reads.rows(statement.where(*conditions))
    if group_by == "month":
        return [(f"{d:%Y-%m}", f"{d:%Y-%m}", d, c, a, n) for d, c, a, n in rows]
    return [tuple(row) for row in rows]


def _group_share_parts(user: UserFacts, filters: Mapping[str, Any], group_by: str) -> list[Part]:
    """My shares of live group expenses (live groups too), per day and currency."""
    sums = (func.sum(ExpenseSplit.amount), func.count(ExpenseSplit.expense_id))
    statement: Any
    if group_by == "category":
        # The category as written on the latest such expense shows for a key that my
        # personal expenses do not already spell.
        statement = select(
            GroupExpense.category_key,
            func.max(GroupExpense.category),
            GroupExpense.date,
            GroupExpense.currency,
            *sums,
        ).group_by(GroupExpense.category_key, GroupExpense.date, GroupExpense.currency)
    else:
        statement = select(GroupExpense.date, GroupExpense.currency, *sums).group_by(
            GroupExpense.date, GroupExpense.currency
        )
    statement = (
        statement.join(ExpenseSplit, ExpenseSplit.expense_id == GroupExpense.id)
        .join(Group, Group.id == GroupExpense.group_id)
        .where(
            ExpenseSplit.user_id == user.id,
            GroupExpense.deleted_at.is_(None),
            Group.deleted_at.is_(None),
            *_share_conditions(filters),
        )
    )
    rows = reads.rows(statement)
    if group_by == "category":
        return [(key, spelling or "", d, c, a, n) for key, spelling, d, c, a, n in rows]
    if group_by == "payment_method":
        return [(GROUP_METHOD, GROUP_METHOD, d, c, a, n) for d, c, a, n in rows]
    return [(f"{d:%Y-%m}", f"{d:%Y-%m}", d, c, a, n) for d, c, a, n in rows]


def _share_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The list filters, read on the group expense and my share of it."""
    conditions = dates_and_category(filters)
    if filters.get("currency") is not None:
        conditions.append(GroupExpense.currency == filters["currency"])
    if "min_amount" in filters:
        conditions.append(_share_face_value() >= int(filters["min_amount"].scaleb(COMMON_PLACES)))
    if "max_amount" in filters:
        conditions.append(_share_face_value() <= int(filters["max_amount"].scaleb(COMMON_PLACES)))
    if filters.get("q"):
        pattern = like_pattern(casefold_key(filters["q"]))
        conditions.append(
            or_(
                GroupExpense.category_key.like(pattern, escape="\\"),
                func.lower(GroupExpense.description).like(pattern, escape="\\"),
            )
        )
    return conditions


def _share_face_value() -> ColumnElement[int]:
    """My share in 1/10,000 of a major unit, whatever the expense's currency."""
    groups = sorted(money.currencies_by_exponent().items())
    return case(
        *(
            (
                GroupExpense.currency.in_(sorted(codes)),
                ExpenseSplit.amount * 10 ** (COMMON_PLACES - exponent),
            )
            for exponent, codes in groups
            if exponent != 2
        ),
        else_=ExpenseSplit.amount * 10 ** (COMMON_PLACES - 2),
    )
