"""Members' running totals: what each write that moves money adds to them.

Every membership row keeps four totals of its member in the group, in minor units:
`paid` (their payer rows), `owed` (their split rows), `sent` and `received` (settlements,
and shares marked paid). A write that moves money computes what the expense or settlement
it touches contributes to everyone's totals before and after the change, and adds the
difference in the same transaction (`record_change`). Reading a balance is then one row,
whatever the size of the group's history.

The rules are those of the recomputation in `audit`, which `flask verify-balances`
and the tests compare against:

- an expense adds each payer's amount to their `paid` and each split's amount to its
  member's `owed`;
- a split marked paid is a settlement from its member to the expense's payers: with
  several payers it is divided in proportion to what each paid (largest remainder, in
  ascending user id), and the part that would go to the member themself is no transfer;
- a settlement adds its amount to the sender's `sent` and the receiver's `received`.

Concurrent writers cannot lose an update: every write inside a group holds the group's
row lock (`access.member_group_for_update`) while it reads the rows it changes, and the
totals move by `UPDATE ... SET paid = paid + :delta`, never by writing a value read
earlier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, update

from expense_tracker.domain.splits import allocate_proportionally
from expense_tracker.extensions import db
from expense_tracker.models import GroupExpense, GroupMember, Settlement


@dataclass
class Totals:
    """One member's four running totals, or a change to them."""

    paid: int = 0
    owed: int = 0
    sent: int = 0
    received: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.paid + other.paid,
            self.owed + other.owed,
            self.sent + other.sent,
            self.received + other.received,
        )

    def __sub__(self, other: Totals) -> Totals:
        return Totals(
            self.paid - other.paid,
            self.owed - other.owed,
            self.sent - other.sent,
            self.received - other.received,
        )

    def __bool__(self) -> bool:
        return any((self.paid, self.owed, self.sent, self.received))


# What one expense or settlement adds to each member's totals, by user id.
Contribution = dict[int, Totals]


@dataclass(frozen=True)
class Share:
    """A split row as the rules read it: whose, how much, and whether marked paid."""

    user_id: int
    amount: int
    is_paid: bool


def expense_contribution(payers: Mapping[int, int], shares: Iterable[Share]) -> Contribution:
    """What an expense with these payers (user id -> amount) and split rows contributes."""
    totals: Contribution = defaultdict(Totals)
    for payer, amount in payers.items():
        totals[payer].paid += amount
    for share in shares:
        totals[share.user_id].owed += share.amount
        if share.is_paid and share.amount > 0:
            for payer, part in allocate_proportionally(
                share.amount, payers, sorted(payers)
            ).items():
                if payer != share.user_id and part:
                    totals[share.user_id].sent += part
                    totals[payer].received += part
    return dict(totals)


def of_expense(expense: GroupExpense) -> Contribution:
    """What a loaded expense contributes, as its payer and split rows say now."""
    return expense_contribution(
        {payer.user_id: payer.amount for payer in expense.payers},
        [Share(split.user_id, split.amount, split.is_paid) for split in expense.splits],
    )


def of_settlement(settlement: Settlement) -> Contribution:
    return {
        settlement.from_user_id: Totals(sent=settlement.amount),
        settlement.to_user_id: Totals(received=settlement.amount),
    }


NOTHING: Contribution = {}

_TOTAL_NAMES = tuple(field.name for field in fields(Totals))
_members = GroupMember.__table__
_add_to_member = (
    update(_members)
    .where(
        _members.c.group_id == bindparam("member_group_id"),
        _members.c.user_id == bindparam("member_user_id"),
    )
    .values({name: _members.c[name] + bindparam(f"add_{name}") for name in _TOTAL_NAMES})
)


def record_change(group_id: int, before: Contribution, after: Contribution) -> None:
    """Add `after - before` to the running totals of the group's members.

    Rows are updated in ascending user id, so concurrent writers (were they ever to run
    without the group's lock) would take the row locks in one order and never deadlock.
    """
    changes = []
    for user_id in sorted(before.keys() | after.keys()):
        change = after.get(user_id, Totals()) - before.get(user_id, Totals())
        if change:
            changes.append(
                {
                    "member_group_id": group_id,
                    "member_user_id": user_id,
                    **{f"add_{name}": getattr(change, name) for name in _TOTAL_NAMES},
                }
            )
    if changes:
        db.session.execute(_add_to_member, changes)
