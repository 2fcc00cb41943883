"""Deleted is not gone: soft deletion and restore of group expenses, settlements, groups.

Deleting marks the row (`deleted_at`, `deleted_by`) and leaves every other column, payer
and split row (paid flags included) as it was; the money leaves the members' running
totals and the expense count at once, in the same transaction. Restoring puts back
exactly what the rows say, so balances after a restore equal balances before the delete,
to the cent. Lists, balances, settle-up and loads by id leave deleted rows out (the
scoping helpers of `access`; the lists' partial indexes cover live rows only).

A deleted group is hidden from everyone, its rows untouched; its current owners may
restore it for RESTORE_WINDOW. Deletion keeps `updated_at` (`SET updated_at =
updated_at`): it is not an edit, and a restored resource reads exactly as before.
"""

from __future__ import annotations

from sqlalchemy import Select, delete
from sqlalchemy.orm import selectinload

from expense_tracker.database import commit_keeping_loaded, utcnow
from expense_tracker.extensions import db
from expense_tracker.groups import access
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.balances.service import group_nets
from expense_tracker.groups.errors import (
    FormerMemberInvolved,
    NotAllowedToDeleteExpense,
    NotAllowedToDeleteSettlement,
    UnsettledBalance,
)
from expense_tracker.groups.expenses import documents as expense_documents
from expense_tracker.groups.expenses.service import add_to_expense_count, may_change_expense
from expense_tracker.groups.order import name_order
from expense_tracker.models import Group, GroupExpense, GroupMember, Settlement, User
from expense_tracker.models.group import RESTORE_WINDOW

# --------------------------------------------------------------------------- expenses


def _refuse_former_members(group: Group, user_ids: set[int]) -> None:
    if not user_ids <= current_member_ids(group.id):
        raise FormerMemberInvolved()


def delete_expense(group: Group, actor: GroupMember, expense: GroupExpense) -> None:
    """Delete an expense (its creator, a payer or an owner) unless a former member is in it."""
    if not may_change_expense(actor, expense):
        raise NotAllowedToDeleteExpense()
    _refuse_former_members(group, expense.user_ids)
    before = activity.of_expense(expense)
    running_totals.record_change(
        group.id, running_totals.of_expense(expense), running_totals.NOTHING
    )
    add_to_expense_count(group, -1)
    expense.deleted_at, expense.deleted_by = utcnow(), actor.user_id
    expense.updated_at = GroupExpense.updated_at
    activity.record(group.id, actor.user_id, "expense.deleted", ("expense", expense.id), before)
    db.session.commit()


def restore_expense(group: Group, actor: GroupMember, expense: GroupExpense) -> GroupExpense:
    """Put a deleted expense back, every cent and paid flag (whoever may delete it).

    409 if it involves someone who is no longer a member.
    """
    if not may_change_expense(actor, expense):
        raise NotAllowedToDeleteExpense(
            "Only the expense's creator, a payer or an owner may restore it."
        )
    _refuse_former_members(group, expense.user_ids)
    running_totals.record_change(
        group.id, running_totals.NOTHING, running_totals.of_expense(expense)
    )
    add_to_expense_count(group, 1)
    expense.deleted_at = expense.deleted_by = None
    expense.updated_at = GroupExpense.updated_at
    db.session.flush()
    after = activity.of_expense(expense)
    activity.record(
        group.id, actor.user_id, "expense.restored", ("expense", expense.id), None, after
    )
    expense_documents.keep(expense, after)
    # The answer is these rows as restored: no need to read them again.
    commit_keeping_loaded(db.session())
    return expense


# --------------------------------------------------------------------------- settlements


def _may_delete_settlement(actor: GroupMember, settlement: Settlement) -> None:
    if settlement.created_by != actor.user_id and not actor.is_owner:
        raise NotAllowedToDeleteSettlement()


def delete_settlement(group: Group, actor: GroupMember, settlement: Settlement) -> None:
    """Delete a settlement (its creator or an owner) unless a former member is in it."""
    _may_delete_settlement(actor, settlement)
    _refuse_former_members(group, {settlement.from_user_id, settlement.to_user_id})
    before = activity.of_settlement(settlement)
    running_totals.record_change(
        group.id, running_totals.of_settlement(settlement), running_totals.NOTHING
    )
    settlement.deleted_at, settlement.deleted_by = utcnow(), actor.user_id
    subject = ("settlement", settlement.id)
    activity.record(group.id, actor.user_id, "settlement.deleted", subject, before)
    db.session.commit()


def restore_settlement(group: Group, actor: GroupMember, settlement: Settlement) -> Settlement:
    """Put a deleted settlement back (its creator or an owner); 409 for a former member."""
    _may_delete_settlement(actor, settlement)
    _refuse_former_members(group, {settlement.from_user_id, settlement.to_user_id})
    running_totals.record_change(
        group.id, running_totals.NOTHING, running_totals.of_settlement(settlement)
    )
    settlement.deleted_at = settlement.deleted_by = None
    after = activity.of_settlement(settlement)
    subject = ("settlement", settlement.id)
    activity.record(group.id, actor.user_id, "settlement.restored", subject, None, after)
    db.session.commit()
    return settlement


# --------------------------------------------------------------------------- groups


def delete_group(group: Group, actor: GroupMember) -> None:
    """Hide the group from everyone, once every balance is zero; owners may restore it."""
    if any(group_nets(group).values()):
        raise UnsettledBalance("The group still has unsettled balances.")
    before = activity.of_group(group)
    group.deleted_at, group.deleted_by = utcnow(), actor.user_id
    group.updated_at = Group.updated_at
    activity.record(group.id, actor.user_id, "group.deleted", ("group", group.id), before)
    db.session.commit()


def deleted_groups(user: User) -> Select[Group]:
    """The deleted groups I own that I can still restore, by name then id (as mine are)."""
    return (
        access.restorable_groups(user)
        .order_by(name_order(), Group.id)
        .options(selectinload(Group.current_members))
    )


def restore_group(group: Group, user: User) -> Group:
    """Restore a deleted group, loaded by `access.restorable_group` (which takes its lock)."""
    group.deleted_at = group.deleted_by = None
    group.updated_at = Group.updated_at
    db.session.flush()
    after = activity.of_group(group)
    activity.record(group.id, user.id, "group.restored", ("group", group.id), None, after)
    db.session.commit()
    return group


def purge_expired_groups() -> int:
    """Delete for good the groups deleted longer ago than the restore window, with every
    row they hold (the foreign keys cascade); how many. For `flask purge-deleted-groups`."""
    result = db.session.execute(
        delete(Group).where(
            Group.deleted_at.is_not(None), Group.deleted_at <= utcnow() - RESTORE_WINDOW
        )
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
