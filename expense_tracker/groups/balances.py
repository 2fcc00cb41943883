"""Members' balances, computed by the database with aggregates, and the views of them.

For each (group, member): `paid` sums their payer rows, `owed` their split rows, `sent`
and `received` their settlements plus their paid splits. A split marked paid is a
settlement from its member to the expense's payers; with several payers it is divided in
proportion to what each paid, by largest remainder in ascending user_id, and the part
that would go to the member themself is no transfer at all.

The cost does not depend on the number of expenses: one aggregate statement for
everything but paid splits of several-payer bills, and one more statement for those
(whose division needs exact arithmetic that 64-bit SQL integers cannot hold:
amount x amount overflows), divided here in Python.

What the routes show: each current member's balance, the settle-up plan of a group, and
a user's net in each of their groups with totals per currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, union_all
from sqlalchemy.orm import QueryableAttribute

from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids, my_group_ids, name_order
from expense_tracker.models import ExpensePayer, ExpenseSplit, Group, GroupExpense, Settlement, User
from expense_tracker.settle import settle_up_plan
from expense_tracker.splits import allocate_proportionally


@dataclass
class Balance:
    """One member's position in one group, in minor units of the group's currency."""

    user_id: int
    currency: str
    paid: int = 0
    owed: int = 0
    sent: int = 0
    received: int = 0

    @property
    def net(self) -> int:
        """> 0: the group owes this member; < 0: the member owes the group."""
        return self.paid - self.owed + self.sent - self.received


# Everyone's balance in some groups, by (group_id, user_id).
Ledger = dict[tuple[int, int], Balance]
# An integer column of a model (`Settlement.amount`) or of a subquery (`subquery.c.amount`).
IntColumn = ColumnElement[int] | QueryableAttribute[int]
_ZERO: ColumnElement[int] = literal_column("0")


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
        .where(GroupExpense.group_id.in_(group_ids))
        .group_by(ExpensePayer.expense_id)
    )


def _aggregate_totals(currencies: Mapping[int, str]) -> Ledger:
    """Everything except paid splits of several-payer expenses, in one statement.

    `currencies` maps the id of each group to read to its currency.
    """
    group_ids = list(currencies)
    payer_counts = _payer_counts(group_ids).subquery()
    single_payer_paid_splits = (
        select(GroupExpense.group_id, ExpenseSplit.user_id, payer_counts.c.payer_id)
        .add_columns(ExpenseSplit.amount)
        .join(GroupExpense, GroupExpense.id == ExpenseSplit.expense_id)
        .join(payer_counts, payer_counts.c.expense_id == ExpenseSplit.expense_id)
        .where(
            GroupExpense.group_id.in_(group_ids),
            ExpenseSplit.is_paid.is_(True),
            payer_counts.c.payer_count == 1,
            ExpenseSplit.user_id != payer_counts.c.payer_id,
        )
        .subquery()
    )
    in_groups = GroupExpense.group_id.in_(group_ids)
    parts = [
        _row(GroupExpense.group_id, ExpensePayer.user_id, paid=ExpensePayer.amount)
        .join(GroupExpense, GroupExpense.id == ExpensePayer.expense_id)
        .where(in_groups),
        _row(GroupExpense.group_id, ExpenseSplit.user_id, owed=ExpenseSplit.amount)
        .join(GroupExpense, GroupExpense.id == ExpenseSplit.expense_id)
        .where(in_groups),
        _row(Settlement.group_id, Settlement.from_user_id, sent=Settlement.amount).where(
            Settlement.group_id.in_(group_ids)
        ),
        _row(Settlement.group_id, Settlement.to_user_id, received=Settlement.amount).where(
            Settlement.group_id.in_(group_ids)
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
        amounts = (int(value or 0) for value in sums)
        totals[(group_id, user_id)] = Balance(user_id, currencies[group_id], *amounts)
    return totals


def _add_several_payer_paid_splits(currencies: Mapping[int, str], totals: Ledger) -> None:
    """Divide each paid split of a several-payer expense among its payers."""

    def balance(group_id: int, user_id: int) -> Balance:
        return totals.setdefault((group_id, user_id), Balance(user_id, currencies[group_id]))

    group_ids = list(currencies)
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
            ExpenseSplit.is_paid.is_(True),
            ExpenseSplit.amount > 0,
            payer_counts.c.payer_count > 1,
        )
    )
    # (group_id, expense_id, member, share) -> {payer: paid}
    paid_splits: dict[tuple[int, int, int, int], dict[int, int]] = defaultdict(dict)
    for group_id, expense_id, member, share, payer, paid in db.session.execute(statement):
        paid_splits[(group_id, expense_id, member, share)][payer] = paid
    for (group_id, _, member, share), payers in paid_splits.items():
        parts = allocate_proportionally(share, payers, sorted(payers))
        for payer, part in parts.items():
            if payer == member or part == 0:
                continue
            balance(group_id, member).sent += part
            balance(group_id, payer).received += part


def ledger(groups: Collection[Group]) -> Ledger:
    """The balance of everyone who took part in these groups (former members included)."""
    currencies = {group.id: group.currency for group in groups}
    if not currencies:
        return {}
    totals = _aggregate_totals(currencies)
    _add_several_payer_paid_splits(currencies, totals)
    return totals


def _balance_in(totals: Ledger, group: Group, user_id: int) -> Balance:
    """`user_id`'s balance in `group`, zeros where they have no rows."""
    return totals.get((group.id, user_id)) or Balance(user_id, group.currency)


def group_nets(group: Group) -> dict[int, int]:
    """The net of everyone who ever took part in the group (former members included)."""
    return {user_id: balance.net for (_, user_id), balance in ledger([group]).items()}


def user_nets(user_id: int, groups: Collection[Group]) -> dict[int, int]:
    """`user_id`'s net in each of these groups, by group id (0 where they have no rows)."""
    totals = ledger(groups)
    return {group.id: _balance_in(totals, group, user_id).net for group in groups}


def member_balances(group: Group) -> list[Balance]:
    """One balance per current member of the group (zeros included), by user_id."""
    totals = ledger([group])
    return [_balance_in(totals, group, user_id) for user_id in sorted(current_member_ids(group.id))]


def settle_up(group: Group) -> list[dict[str, Any]]:
    """The fewest transfers that bring every net of the group to zero."""
    return [
        {
            "from_user": transfer.from_user,
            "to_user": transfer.to_user,
            "amount": transfer.amount,
            "currency": group.currency,
        }
        for transfer in settle_up_plan(group_nets(group))
    ]


def my_balances(user: User) -> dict[str, Any]:
    """My net in every group I belong to, and the totals per currency."""
    groups = db.session.scalars(
        select(Group).where(Group.id.in_(my_group_ids(user))).order_by(name_order(), Group.id)
    ).all()
    nets = user_nets(user.id, groups)
    totals: dict[str, int] = {}
    for group in groups:
        totals[group.currency] = totals.get(group.currency, 0) + nets[group.id]
    return {
        "groups": [
            {
                "group_id": group.id,
                "name": group.name,
                "currency": group.currency,
                "net": nets[group.id],
            }
            for group in groups
        ],
        "totals": [{"currency": code, "net": net} for code, net in sorted(totals.items())],
    }
