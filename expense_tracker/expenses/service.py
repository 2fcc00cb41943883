"""Personal expense rules: scoping, filters, writes, summaries and the category list.

Every query is filtered by its owner: rows through `owned_expenses(user)` (one expense by
id through `get_owned_expense`), aggregates with the same `owner_id` condition. So another
user's expense is simply not found (404), whichever path asks for it.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, extract, func, insert, or_, select, update

from expense_tracker.changelog import personal_log
from expense_tracker.database import commit_keeping_loaded, utc_today
from expense_tracker.domain import money
from expense_tracker.domain.text import casefold_key, like_pattern
from expense_tracker.expenses import csv_io, summaries
from expense_tracker.expenses.errors import ExpenseNotFound
from expense_tracker.extensions import db
from expense_tracker.http import reads
from expense_tracker.models import Expense, UsedCategory, User
from expense_tracker.models.user import UserFacts
from expense_tracker.money_fields import MAX_CURRENCY_PLACES

# Amounts are stored in each currency's minor units. Sorting and amount filters compare
# face values (100 JPY > 5.00 USD), so both use the amount scaled to a common 4 decimals.
COMMON_PLACES = MAX_CURRENCY_PLACES


def face_value() -> ColumnElement[int]:
    """`amount` in 1/10,000 of a major unit, whatever the row's currency."""
    groups = sorted(money.currencies_by_exponent().items())
    return case(
        *(
            (Expense.currency.in_(sorted(codes)), Expense.amount * 10 ** (COMMON_PLACES - exponent))
            for exponent, codes in groups
            if exponent != 2
        ),
        else_=Expense.amount * 10 ** (COMMON_PLACES - 2),
    )


SORT_ORDERS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "-date": (Expense.date.desc(), Expense.id.desc()),
    "date": (Expense.date.asc(), Expense.id.asc()),
    "-amount": (face_value().desc(), Expense.id.desc()),
    "amount": (face_value().asc(), Expense.id.asc()),
}


def owned_expenses(user: User) -> Select[Expense]:
    return select(Expense).where(Expense.owner_id == user.id)


def get_owned_expense(user: User, expense_id: int, *, for_update: bool = False) -> Expense:
    """The user's expense with this id; 404 when it does not exist or is someone else's.

    `for_update` (a PATCH or DELETE loads it so, before checking If-Match): the row is
    locked until the write commits (PostgreSQL) and read afresh, so writes to one expense
    take turns. Each sees the one before it: If-Match is checked against the version it
    will change (412 when stale), without If-Match the last writer wins, and a write after
    a deletion finds nothing (404); never the ORM's version check failing half-way.
    """
    statement = owned_expenses(user).where(Expense.id == expense_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    expense = db.session.scalar(statement)
    if expense is None:
        raise ExpenseNotFound()
    return expense


def filter_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if "date_from" in filters:
        conditions.append(Expense.date >= filters["date_from"])
    if "date_to" in filters:
        conditions.append(Expense.date <= filters["date_to"])
    if "category" in filters:
        conditions.append(Expense.category_key == casefold_key(filters["category"]))
    if "payment_method" in filters:
        conditions.append(Expense.payment_method == filters["payment_method"])
    currency = filters.get("currency")
    if currency is not None:
        conditions.append(Expense.currency == currency)
    # Bounds have at most COMMON_PLACES decimals (the Amount field), so scaling is exact.
    if "min_amount" in filters:
        conditions.append(face_value() >= int(filters["min_amount"].scaleb(COMMON_PLACES)))
    if "max_amount" in filters:
        conditions.append(face_value() <= int(filters["max_amount"].scaleb(COMMON_PLACES)))
    if filters.get("q"):
        pattern = like_pattern(casefold_key(filters["q"]))
        conditions.append(
            or_(
                Expense.category_key.like(pattern, escape="\\"),
                Expense.description_key.like(pattern, escape="\\"),
            )
        )
    return conditions


def filtered_expenses(user: User, filters: Mapping[str, Any]) -> Select[Expense]:
    """The user's expenses matching the filters, in the requested total order."""
    return (
        owned_expenses(user)
        .where(*filter_conditions(filters))
        .order_by(*SORT_ORDERS[filters.get("sort", "-date")])
    )


def _fields_in_currency(data: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """Turn loaded input into column values; the amount is checked against the currency."""
    values = {name: value for name, value in data.items() if name != "amount"}
    values["currency"] = currency
    if "amount" in data:
        values["amount"] = money.parse_amount(data["amount"], currency, field="amount")
    return values


def create_expense(user: User, data: Mapping[str, Any]) -> Expense:
    """Record an expense (`add_expense`) and commit."""
    expense = add_expense(user, data)
    # The answer shows the row as written (every value known here): not read back.
    commit_keeping_loaded(db.session())
    return expense


def add_expense(
    user: User,
    data: Mapping[str, Any],
    *,
    series_id: int | None = None,
    occurrence: int | None = None,
) -> Expense:
    """Add an expense to the transaction (the caller commits); a recurring series'
    occurrence passes its `series_id` and `occurrence`."""
    currency = data.get("currency") or user.default_currency
    values = _fields_in_currency(data, currency)
    values.setdefault("date", utc_today())
    values.setdefault("description", "")
    # The count first: its UPDATE locks the user's row before the insert's foreign key
    # check shares it, in the order account deletion takes them (no deadlock).
    add_to_expense_count(user.id, 1)
    expense = Expense(owner_id=user.id, series_id=series_id, occurrence=occurrence, **values)
    db.session.add(expense)
    db.session.flush()
    summaries.record_change(None, summaries.entry_of(expense))
    personal_log.record(user.id, [expense.id])
    return expense


def lock_owner(user_id: int) -> None:
    """Take the user's row, as the kept count's UPDATE does: one user's writes take turns.
    FOR NO KEY UPDATE: expenses being created meanwhile (KEY SHARE on the row, for their
    foreign key) are not held up by it, only other writes that lock it."""
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def add_to_expense_count(user_id: int, change: int) -> None:
    """Keep `User.expense_count` in the write's transaction (atomic under the row lock)."""
    users = User.__table__
    db.session.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(expense_count=users.c.expense_count + change)
    )


def _counted_expenses() -> Any:
    users = User.__table__
    return select(func.count()).where(Expense.owner_id == users.c.id).scalar_subquery()


def expense_count_drift() -> list[tuple[int, int, int]]:
    """(user id, kept count, rows) of every user whose kept expense count is wrong."""
    users = User.__table__
    counted = _counted_expenses()
    statement = (
        select(users.c.id, users.c.expense_count, counted)
        .where(users.c.expense_count != counted)
        .order_by(users.c.id)
    )
    return [(user_id, kept, rows) for user_id, kept, rows in db.session.execute(statement)]


def recount_expenses(user_ids: Collection[int] | None = None) -> int:
    """Set the kept expense count of these users (or all) from their rows; how many were
    wrong. For bulk loads that insert around the services, and `flask verify-balances`."""
    users = User.__table__
    counted = _counted_expenses()
    statement = update(users).where(users.c.expense_count != counted)
    if user_ids is not None:
        statement = statement.where(users.c.id.in_(user_ids))
    result = db.session.execute(statement.values(expense_count=counted))
    return int(result.rowcount)  # type: ignore[attr-defined]


def update_expense(expense: Expense, changes: Mapping[str, Any]) -> Expense:
    """Apply a partial update; a new currency must be able to hold the amount exactly."""
    currency = changes.get("currency", expense.currency)
    changes = dict(changes)
    if currency != expense.currency and "amount" not in changes:
        changes["amount"] = money.to_decimal(expense.amount, expense.currency)
    before = summaries.entry_of(expense)
    # The owner's row first, as every write of their expenses takes it (summaries.py).
    lock_owner(expense.owner_id)
    for name, value in _fields_in_currency(changes, currency).items():
        setattr(expense, name, value)
    db.session.flush()
    summaries.record_change(before, summaries.entry_of(expense))
    personal_log.record(expense.owner_id, [expense.id])
    # The answer is what this write wrote, kept in memory rather than read again after the
    # commit: a DELETE waiting for the row's lock may have removed it by then.
    db.session.expunge(expense)
    db.session.commit()
    return expense


def delete_expense(expense: Expense) -> None:
    before = summaries.entry_of(expense)
    add_to_expense_count(expense.owner_id, -1)
    db.session.delete(expense)
    db.session.flush()
    summaries.record_change(before, None)
    personal_log.record(expense.owner_id, [expense.id])
    db.session.commit()


def summarise(user: UserFacts, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Totals and counts per key and currency: from the kept summary cells when the filters
    allow (summaries.py), else computed by the database from the matching rows.

    Rows are ordered by key then currency in Python (code point order), because the two
    databases collate text differently and the contract fixes the order.
    """
    if summaries.answerable_from_cells(filters):
        groups = summaries.summary_from_cells(user.id, filters)
    else:
        groups = _summary_from_rows(user, filters)
    rows = [
        {"key": key, "currency": currency, "total": int(total), "count": int(count)}
        for key, currency, total, count in groups
    ]
    rows.sort(key=lambda item: (item["key"], item["currency"]))
    return rows


def _summary_from_rows(user: UserFacts, filters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    group_by = filters.get("group_by", "category")
    conditions = [Expense.owner_id == user.id, *filter_conditions(filters)]
    totals = (func.sum(Expense.amount), func.count(Expense.id))
    if group_by == "category":
        spelling = UsedCategory.category
        statement = summaries.join_spelling(select(spelling, Expense.currency, *totals)).group_by(
            Expense.category_key, spelling, Expense.currency
        )
    elif group_by == "month":
        year, month = extract("year", Expense.date), extract("month", Expense.date)
        statement = select(year, month, Expense.currency, *totals).group_by(
            year, month, Expense.currency
        )
    else:
        statement = select(Expense.payment_method, Expense.currency, *totals).group_by(
            Expense.payment_method, Expense.currency
        )
    rows = reads.rows(statement.where(*conditions))
    if group_by == "month":
        return [(f"{int(year):04d}-{int(month):02d}", *rest) for year, month, *rest in rows]
    return [tuple(row) for row in rows]


def category_counts(user: UserFacts, prefix: str | None) -> list[dict[str, Any]]:
    """Each category the user has used, with its count: most used first, then by name."""
    used = sorted(summaries.used_categories(user.id, prefix), key=lambda row: (-row[1], row[0]))
    return [{"category": name, "count": count} for name, count in used]


def iter_filtered(
    user: User, filters: Mapping[str, Any], batch: int = 1000
) -> Generator[Expense, None, None]:
    """Stream matching expenses from the database in batches (for the CSV export).

    In a database session of its own, closed when the rows run out or the generator is
    closed: the export reads its first rows in the view, before the response starts, and
    the rest while the body is sent, when Flask has already closed the request's session.
    """
    statement = filtered_expenses(user, filters).execution_options(yield_per=batch)
    with db.session.session_factory() as session:
        rows = session.scalars(statement)
        try:
            yield from rows
        finally:
            rows.close()  # the server-side cursor (PostgreSQL), before its connection goes


def existing_rows(user: User, first: date, last: date) -> list[tuple[Any, ...]]:
    """The exported fields (csv_io.COLUMNS, in that order) of the user's expenses dated
    within [first, last]: what an imported row is compared with to find duplicates."""
    columns = [getattr(Expense, name) for name in csv_io.COLUMNS]
    statement = select(*columns).where(
        Expense.owner_id == user.id, Expense.date.between(first, last)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def import_expenses(user: User, raw: bytes, *, allow_duplicates: bool) -> dict[str, int]:
    """Import a CSV file whole, or nothing of it (see csv_io for the file rules).

    Imports of one user take turns (PostgreSQL): the user's row is locked before the
    duplicates are looked for, so the same file sent twice at once is imported once, the
    second import finding the first's rows as duplicates once the first has committed.
    """
    rows = csv_io.parse_import(raw, user.default_currency)
    lock_owner(user.id)
    skipped = 0
    if not allow_duplicates:
        dates = [row["date"] for row in rows]
        existing = existing_rows(user, min(dates), max(dates))
        rows, skipped = csv_io.without_duplicates(rows, existing)
    if rows:
        imported = db.session.scalars(
            insert(Expense).returning(Expense.id),
            [{**row, "owner_id": user.id} for row in rows],
        ).all()
        personal_log.record(user.id, imported)
        add_to_expense_count(user.id, len(rows))
        summaries.record_import(user.id, rows)
    db.session.commit()
    return {"imported": len(rows), "skipped_duplicates": skipped}
