"""Shared expenses of a group: record and filter them; mark shares paid.

Changing one is `edits`, deleting and restoring one `deletion`; they all keep
the members' running totals and the group's expense count in the same transaction, and
append the change to the activity log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import func, select, update

from expense_tracker.database import commit_keeping_loaded, utcnow
from expense_tracker.errors import LimitReached, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.errors import (
    FormerMemberInvolved,
    NotAllowedToMarkShare,
    ShareNotFound,
)
from expense_tracker.groups.expenses import documents as expense_documents
from expense_tracker.groups.expenses import foreign_currency
from expense_tracker.groups.expenses.plan import plan_expense
from expense_tracker.groups.expenses.split_requests import (
    ShareInput,
)
from expense_tracker.models import ExpensePayer, ExpenseSplit, Group, GroupExpense, GroupMember


def sync_payers(
    expense: GroupExpense, payers: Mapping[int, int], originals: Mapping[int, int] | None = None
) -> None:
    """Make the payer rows say `payers` (and, converted, their `originals`), updating rows
    in place where the payer stays."""
    existing = {payer.user_id: payer for payer in expense.payers}
    for user_id, old_payer in existing.items():
        if user_id not in payers:
            expense.payers.remove(old_payer)
    for user_id, amount in payers.items():
        payer = existing.get(user_id)
        if payer is None:
            payer = ExpensePayer(user_id=user_id, amount=amount)
            expense.payers.append(payer)
        payer.amount = amount
        payer.original_amount = None if originals is None else originals[user_id]


def sync_splits(
    expense: GroupExpense,
    amounts: Mapping[int, int],
    inputs: Mapping[int, ShareInput],
    originals: Mapping[int, int] | None = None,
) -> None:
    """Make the split rows say `amounts` (and, converted, their `originals`), keeping the
    paid flag of members who stay."""
    existing = {split.user_id: split for split in expense.splits}
    for user_id, old_split in existing.items():
        if user_id not in amounts:
            expense.splits.remove(old_split)
    for user_id, amount in amounts.items():
        split = existing.get(user_id)
        if split is None:
            split = ExpenseSplit(user_id=user_id, is_paid=False)
            expense.splits.append(split)
        split.amount = amount
        split.original_amount = None if originals is None else originals[user_id]
        (split.percentage_hundredths, split.shares_hundredths, split.adjustment) = inputs[
            user_id
        ].stored()


class Recorded(NamedTuple):
    """A shared expense just written, and its document (GroupExpenseSchema), dumped once:
    the activity entry keeps it, and the response sends it."""

    expense: GroupExpense
    document: dict[str, Any]


def create_expense(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> Recorded:
    """Record a shared expense (`add_expense`) and commit."""
    recorded = _add(group, actor, data, series_id=None, occurrence=None)
    commit_keeping_loaded(db.session())
    return recorded


def add_expense(
    group: Group,
    actor: GroupMember,
    data: Mapping[str, Any],
    *,
    series_id: int | None = None,
    occurrence: int | None = None,
) -> GroupExpense:
    """Add a shared expense to the transaction (the caller commits); see `_add`."""
    return _add(group, actor, data, series_id=series_id, occurrence=occurrence).expense


def _add(
    group: Group,
    actor: GroupMember,
    data: Mapping[str, Any],
    *,
    series_id: int | None,
    occurrence: int | None,
) -> Recorded:
    """Add a shared expense to the transaction (the caller commits): its splits are computed
    once its id (the rotation key) exists, in the expense's currency, then converted to the
    group's when they differ (`foreign_currency`). A recurring series' occurrence passes its
    `series_id` and `occurrence`."""
    members = current_member_ids(group.id)
    conversion = foreign_currency.for_new_expense(group, data)
    plan = plan_expense(group, data, members, conversion)
    total, split_type = plan.total, plan.split_type
    payers = plan.payers or {actor.user_id: total}

    expense = GroupExpense(
        group_id=group.id,
        description=data["description"],
        amount=plan.amount,
        currency=group.currency,
        date=data["date"],
        category=data["category"],
        notes=data.get("notes", ""),
        split_type=split_type,
        created_by=actor.user_id,
        series_id=series_id,
        occurrence=occurrence,
        # Empty collections, known to be: filling them reads no rows back.
        payers=[],
        splits=[],
    )
    if conversion:
        expense.original_amount = total
        expense.original_currency = conversion.source
        expense.exchange_rate = conversion.rate
    check_totals_have_room(group, expense.amount)
    db.session.add(expense)
    db.session.flush()
    amounts = plan.split(expense.id)
    inputs = {entry.user_id: entry for entry in plan.request.entries}
    if conversion:
        sync_payers(expense, conversion.payers(payers, expense.id), payers)
        sync_splits(expense, conversion.splits(amounts, expense.id), inputs, amounts)
    else:
        sync_payers(expense, payers)
        sync_splits(expense, amounts, inputs)
    running_totals.record_change(
        group.id, running_totals.NOTHING, running_totals.of_expense(expense)
    )
    add_to_expense_count(group, 1)
    # The response shows these rows as written, in the collections' user_id order.
    expense.payers.sort(key=lambda payer: payer.user_id)
    expense.splits.sort(key=lambda split: split.user_id)
    after = activity.of_expense(expense)
    activity.record(
        group.id, actor.user_id, "expense.created", ("expense", expense.id), None, after
    )
    expense_documents.keep(expense, after, new=True)
    return Recorded(expense, after)


# What a running total column holds (BIGINT, SQLite's INTEGER): 2**63 - 1 minor units.
LARGEST_RUNNING_TOTAL = 2**63 - 1


def check_totals_have_room(group: Group, amount: int) -> None:
    """409 when a new expense of `amount` could carry a member's running `paid` or `owed`
    past what its column holds (which PostgreSQL refuses with an error, and SQLite turns
    into an inexact float).

    Every amount is bounded (999,999,999.99 in the group's currency), so this takes
    hundreds of thousands of the largest expenses; it is one indexed read under the
    group's lock, and a new expense adds at most `amount` to anyone's `paid` and `owed`.
    """
    members = GroupMember.__table__
    highest_paid, highest_owed = db.session.execute(
        select(func.max(members.c.paid), func.max(members.c.owed)).where(
            members.c.group_id == group.id
        )
    ).one()
    if max(highest_paid or 0, highest_owed or 0) > LARGEST_RUNNING_TOTAL - amount:
        raise LimitReached(
            "A member's running total in this group has reached the largest amount it can "
            "hold; this group can take no more expenses."
        )


def add_to_expense_count(group: Group, change: int) -> None:
    """Keep `Group.expense_count` (a Core UPDATE: the group's version and ETag stay)."""
    groups = Group.__table__
    db.session.execute(
        update(groups)
        .where(groups.c.id == group.id)
        .values(expense_count=groups.c.expense_count + change)
    )


def may_change_expense(actor: GroupMember, expense: GroupExpense) -> bool:
    return (
        actor.is_owner
        or expense.created_by == actor.user_id
        or any(payer.user_id == actor.user_id for payer in expense.payers)
    )


def _involves_former_member(group: Group, expense: GroupExpense) -> bool:
    return not expense.user_ids <= current_member_ids(group.id)


def set_split_paid(
    group: Group, actor: GroupMember, expense: GroupExpense, user_id: int, is_paid: bool
) -> GroupExpense:
    """Mark a member's share paid (a settlement to the payers) or unpaid again.

    Allowed to that member and to the payers. The only payer's own share is no debt.
    """
    split = next((split for split in expense.splits if split.user_id == user_id), None)
    if split is None:
        raise ShareNotFound()
    payer_ids = {payer.user_id for payer in expense.payers}
    if actor.user_id != user_id and actor.user_id not in payer_ids:
        raise NotAllowedToMarkShare()
    if payer_ids == {user_id}:
        raise ValidationFailed.field(
            "is_paid", "This member paid the whole expense; their own share is no debt."
        )
    if _involves_former_member(group, expense):
        raise FormerMemberInvolved()
    if split.is_paid != is_paid:
        before = running_totals.of_expense(expense)
        snapshot = activity.of_expense(expense)
        split.is_paid = is_paid
        split.paid_at = utcnow() if is_paid else None
        expense.updated_at = utcnow()
        running_totals.record_change(group.id, before, running_totals.of_expense(expense))
        kind = "split.paid" if is_paid else "split.unpaid"
        subject = ("expense", expense.id)
        activity.record(
            group.id, actor.user_id, kind, subject, snapshot, activity.of_expense(expense)
        )
        expense_documents.keep(expense)
    # Answer from the rows held: a DELETE waiting for the group's lock runs the moment this
    # commits, and reading the expense back afterwards could find it gone (see update).
    commit_keeping_loaded(db.session())
    return expense
