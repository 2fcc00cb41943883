"""Members' totals recomputed from the rows, to check (and repair) the running ones.

The running totals on membership rows (`running_totals`) are what the API reads. This
module derives the same four totals from the expenses, payers, splits and settlements
themselves (deleted expenses and settlements move no money, so they are left out,
as the writes that delete and restore them take them out of and put them back into
the running totals), for `flask verify-balances`, for bulk loads that insert rows without going
through the services, and for the tests that prove the two never differ.

The recomputation runs in the database: one aggregate statement for everything but paid
splits of several-payer bills, and one more for those, whose division among the payers
needs exact arithmetic that 64-bit SQL integers cannot hold (amount x amount overflows),
done here with the same `expense_contribution` rule the writes use.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select, union_all
from sqlalchemy.orm import QueryableAttribute

from expense_tracker.extensions import db
from expense_tracker.groups.balances.running_totals import Share, Totals, expense_contribution
from expense_tracker.models import (
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
)

# Everyone's totals in some groups, by (group_id, user_id).
Ledger = dict[tuple[int, int], Totals]
# An integer column of a model (`Settlement.amount`) or of a subquery (`subquery.c.amount`).
IntColumn = ColumnElement[int] | QueryableAttribute[int]
_ZERO: ColumnElement[int] = literal_column("0")
# Groups recomputed per statement by `find_drift`: bounds memory on a large database.
GROUPS_PER_BATCH = 500


def _row(
    group_id: IntColumn,
    user_id: IntColumn,
    *,
    paid: IntColumn = _ZERO,
    owed: IntColumn = _ZERO,
    sent: IntColumn = _ZERO,
    received: IntColumn = _ZERO,
) -> Select[int, int, int, int, int, int]:
    """One arm of the union: a member and the amounts it adds to each of their totals."""
    return select(
        group_id.label("group_id"),
        user_id.label("user_id"),
        paid.label("paid"),
        owed.label("owed"),
        sent.label("sent"),
        received.label("received"),
    )


def _payer_counts(group_ids: Collection[int]) -> Select[int, int, int]:
    """Per expense of these groups: how many payers, and the smallest payer id."""
    return (
        select(
            ExpensePayer.expense_id,
            func.count().label("payer_count"),
            func.min(ExpensePayer.user_id).label("payer_id"),
        )
        .join(GroupExpense, GroupExpense.id == ExpensePayer.expense_id)
        .where(GroupExpense.group_id.in_(group_ids), GroupExpense.deleted_at.is_(None))
        .group_by(ExpensePayer.expense_id)
    )


def _aggregate_totals(group_ids: Collection[int]) -> Ledger:
    """Everything except paid splits of several-payer expenses, in one statement."""
    payer_counts = _payer_counts(group_ids).subquery()
    single_payer_paid_splits = (
        select(GroupExpense.group_id, ExpenseSplit.user_id, payer_counts.c.payer_id)
        .add_columns(ExpenseSplit.amount)
        .join(GroupExpense, GroupExpense.id == ExpenseSplit.expense_id)
        .join(payer_counts, payer_counts.c.expense_id == ExpenseSplit.expense_id)
        .where(
            GroupExpense.group_id.in_(group_ids),
            GroupExpense.deleted_at.is_(None),
            ExpenseSplit.is_paid.is_(True),
            payer_counts.c.payer_count == 1,
            ExpenseSplit.user_id != payer_counts.c.payer_id,
        )
        .subquery()
    )
    in_groups = and_(GroupExpense.group_id.in_(group_ids), GroupExpense.deleted_at.is_(None))
    settlements_in_groups = and_(
        Settlement.group_id.in_(group_ids), Settlement.deleted_at.is_(None)
    )
    parts = [
        _row(GroupExpense.group_id, ExpensePayer.user_id, paid=ExpensePayer.amount)
        .join(GroupExpense, GroupExpense.id == ExpensePayer.expense_id)
        .where(in_groups),
        _row(GroupExpense.group_id, ExpenseSplit.user_id, owed=ExpenseSplit.amount)
        .join(GroupExpense, GroupExpense.id == ExpenseSplit.expense_id)
        .where(in_groups),
        _row(Settlement.group_id, Settlement.from_user_id, sent=Settlement.amount).where(
            settlements_in_groups
        ),
        _row(Settlement.group_id, Settlement.to_user_id, received=Settlement.amount).where(
            settlements_in_groups
        ),
        # A paid split of a single-payer expense goes straight to that payer.
        _row(
            single_payer_paid_splits.c.group_id,
            single_payer_paid_splits.c.user_id,
            sent=single_payer_paid_splits.c.amount,
        ),
        _row(
            single_payer_paid_splits.c.group_id,
            single_payer_paid_splits.c.payer_id,
            received=single_payer_paid_splits.c.amount,
        ),
    ]
    rows = union_all(*parts).subquery()
    statement = select(
        rows.c.group_id,
        rows.c.user_id,
        *(func.sum(rows.c[name]) for name in ("paid", "owed", "sent", "received")),
    ).group_by(rows.c.group_id, rows.c.user_id)
    totals: Ledger = {}
    for group_id, user_id, *sums in db.session.execute(statement):
        # PostgreSQL sums bigints as numeric (Decimal): integral, so int() is exact.
        totals[(group_id, user_id)] = Totals(*(int(value or 0) for value in sums))
    return totals


def _add_several_payer_paid_splits(group_ids: Collection[int], totals: Ledger) -> None:
    """Divide each paid split of a several-payer expense among its payers."""
    payer_counts = _payer_counts(group_ids).subquery()
    statement = (
        select(
            GroupExpense.group_id,
            ExpenseSplit.expense_id,
            ExpenseSplit.user_id,
            ExpenseSplit.amount,
            ExpensePayer.user_id,
            ExpensePayer.amount,
        )
        .join(GroupExpense, GroupExpense.id == ExpenseSplit.expense_id)
        .join(payer_counts, payer_counts.c.expense_id == ExpenseSplit.expense_id)
        .join(ExpensePayer, ExpensePayer.expense_id == ExpenseSplit.expense_id)
        .where(
            GroupExpense.group_id.in_(group_ids),
            GroupExpense.deleted_at.is_(None),
            ExpenseSplit.is_paid.is_(True),
            ExpenseSplit.amount > 0,
            payer_counts.c.payer_count > 1,
        )
    )
    # (group_id, expense_id, member, share) -> {payer: paid}
    paid_splits: dict[tuple[int, int, int, int], dict[int, int]] = {}
    for group_id, expense_id, member, share, payer, paid in db.session.execute(statement):
        paid_splits.setdefault((group_id, expense_id, member, share), {})[payer] = paid
    for (group_id, _, member, share), payers in paid_splits.items():
        # Only the transfers: the payers' `paid` and the member's `owed` are counted above.
        for user_id, change in expense_contribution(payers, [Share(member, share, True)]).items():
            totals.setdefault((group_id, user_id), Totals())
            totals[(group_id, user_id)].sent += change.sent
            totals[(group_id, user_id)].received += change.received


def recompute(group_ids: Collection[int]) -> Ledger:
    """The totals of everyone with rows in these groups, from the rows themselves."""
    if not group_ids:
        return {}
    totals = _aggregate_totals(group_ids)
    _add_several_payer_paid_splits(group_ids, totals)
    return totals


def stored(group_ids: Collection[int]) -> Ledger:
    """The running totals of every member (current and former) of these groups."""
    rows = db.session.execute(
        select(
            GroupMember.group_id,
            GroupMember.user_id,
            GroupMember.paid,
            GroupMember.owed,
            GroupMember.sent,
            GroupMember.received,
        ).where(GroupMember.group_id.in_(group_ids))
    )
    return {(group_id, user_id): Totals(*amounts) for group_id, user_id, *amounts in rows}


@dataclass(frozen=True)
class Drift:
    """A member whose running totals differ from the recomputation (None: no such row)."""

    group_id: int
    user_id: int
    stored: Totals | None
    recomputed: Totals


def _drift_in(group_ids: Collection[int]) -> Iterator[Drift]:
    kept = stored(group_ids)
    computed = recompute(group_ids)
    for key in sorted(kept.keys() | computed.keys()):
        expected = computed.get(key, Totals())
        if kept.get(key) != expected:
            yield Drift(*key, stored=kept.get(key), recomputed=expected)


def _group_id_batches(group_ids: Collection[int] | None) -> Iterator[list[int]]:
    if group_ids is None:
        group_ids = db.session.scalars(select(Group.id).order_by(Group.id)).all()
    ordered = sorted(group_ids)
    for start in range(0, len(ordered), GROUPS_PER_BATCH):
        yield ordered[start : start + GROUPS_PER_BATCH]


def find_drift(group_ids: Collection[int] | None = None) -> Iterator[Drift]:
    """Every member whose running totals differ from the rows (of these groups, or all)."""
    for batch in _group_id_batches(group_ids):
        yield from _drift_in(batch)
        # Nothing read here is needed again: keep a long check's memory flat.
        db.session.expunge_all()


@dataclass(frozen=True)
class CountDrift:
    """A group whose kept `expense_count` differs from its number of expense rows."""

    group_id: int
    stored: int
    counted: int


def _count_drift_in(group_ids: Collection[int]) -> Iterator[CountDrift]:
    counted = dict(
        db.session.execute(
            select(GroupExpense.group_id, func.count())
            .where(GroupExpense.group_id.in_(group_ids), GroupExpense.deleted_at.is_(None))
            .group_by(GroupExpense.group_id)
        ).all()
    )
    kept = db.session.execute(
        select(Group.id, Group.expense_count).where(Group.id.in_(group_ids)).order_by(Group.id)
    )
    for group_id, stored_count in kept:
        if stored_count != counted.get(group_id, 0):
            yield CountDrift(group_id, stored_count, counted.get(group_id, 0))


def find_count_drift(group_ids: Collection[int] | None = None) -> Iterator[CountDrift]:
    """Every group whose kept expense count is wrong (of these groups, or all)."""
    for batch in _group_id_batches(group_ids):
        yield from _count_drift_in(batch)


def repair(group_ids: Collection[int]) -> int:
    """Set the running totals (and expense counts) of these groups to the recomputation.

    Returns the number of member rows set.

    Each batch locks its groups' rows first, as every write inside a group does, so no
    write can land between the recomputation and the fix. The caller commits.
    """
    fixed = 0
    for batch in _group_id_batches(group_ids):
        db.session.execute(select(Group.id).where(Group.id.in_(batch)).with_for_update())
        for count in list(_count_drift_in(batch)):
            db.session.execute(
                Group.__table__.update()
                .where(Group.id == count.group_id)
                .values(expense_count=count.counted)
            )
        for drift in list(_drift_in(batch)):
            if drift.stored is None:
                continue  # a user with rows but no membership: reported, nothing to set
            db.session.execute(
                GroupMember.__table__.update()
                .where(
                    GroupMember.group_id == drift.group_id,
                    GroupMember.user_id == drift.user_id,
                )
                .values(**vars(drift.recomputed))
            )
            fixed += 1
    return fixed
