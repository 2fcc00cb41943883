"""Shared expenses of a group: record, list, change and delete them; mark shares paid."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, update

from expense_tracker.database import utcnow
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.fields import minor_units
from expense_tracker.groups import running_totals
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.errors import (
    FormerMemberInvolved,
    NotAllowedToChangeExpense,
    NotAllowedToDeleteExpense,
    NotAllowedToMarkShare,
    PaidShareInvolved,
    ShareNotFound,
)
from expense_tracker.groups.split_requests import (
    ShareInput,
    SplitRequest,
    compute_split,
    group_currency,
    parse_split_request,
    resolve_payers,
)
from expense_tracker.models import ExpensePayer, ExpenseSplit, Group, GroupExpense, GroupMember
from expense_tracker.text import casefold_key


def _sync_payers(expense: GroupExpense, payers: Mapping[int, int]) -> None:
    """Make the payer rows say `payers`, updating rows in place where the payer stays."""
    existing = {payer.user_id: payer for payer in expense.payers}
    for user_id, payer in existing.items():
        if user_id not in payers:
            expense.payers.remove(payer)
    for user_id, amount in payers.items():
        if user_id in existing:
            existing[user_id].amount = amount
        else:
            expense.payers.append(ExpensePayer(user_id=user_id, amount=amount))


def _sync_splits(
    expense: GroupExpense, amounts: Mapping[int, int], inputs: Mapping[int, ShareInput]
) -> None:
    """Make the split rows say `amounts`, keeping the paid flag of members who stay."""
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
        (split.percentage_hundredths, split.shares_hundredths, split.adjustment) = inputs[
            user_id
        ].stored()


def create_expense(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> GroupExpense:
    """Record a shared expense; its splits are computed once its id (the rotation key) exists."""
    members = current_member_ids(group.id)
    currency = group_currency(group, data)
    total = minor_units(data["amount"], currency, "amount")
    payers = resolve_payers(data, total, currency, members) or {actor.user_id: total}
    split_type = data["split_type"]
    request = parse_split_request(
        split_type, data.get("participants"), data.get("splits"), currency
    )
    if request is None:
        if split_type != "equal":
            raise ValidationFailed.field("splits", f"Required for {split_type} splits.")
        # Every member at this moment; later joins change nothing.
        request = SplitRequest([ShareInput(user_id) for user_id in sorted(members)], "participants")

    expense = GroupExpense(
        group_id=group.id,
        description=data["description"],
        amount=total,
        currency=currency,
        date=data["date"],
        category=data["category"],
        category_key=casefold_key(data["category"]),
        split_type=split_type,
        created_by=actor.user_id,
    )
    db.session.add(expense)
    db.session.flush()
    amounts = compute_split(
        split_type, total, request, members=members, rotation_key=expense.id, currency=currency
    )
    _sync_payers(expense, payers)
    _sync_splits(expense, amounts, {entry.user_id: entry for entry in request.entries})
    running_totals.record_change(
        group.id, running_totals.NOTHING, running_totals.of_expense(expense)
    )
    _add_to_expense_count(group, 1)
    db.session.commit()
    return expense


def _add_to_expense_count(group: Group, change: int) -> None:
    """Keep `Group.expense_count` (a Core UPDATE: the group's version and ETag stay)."""
    groups = Group.__table__
    db.session.execute(
        update(groups)
        .where(groups.c.id == group.id)
        .values(expense_count=groups.c.expense_count + change)
    )


def expense_filters(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """The conditions on GroupExpense that the list's query filters ask for."""
    conditions: list[ColumnElement[bool]] = []
    if "date_from" in filters:
        conditions.append(GroupExpense.date >= filters["date_from"])
    if "date_to" in filters:
        conditions.append(GroupExpense.date <= filters["date_to"])
    if "category" in filters:
        conditions.append(GroupExpense.category_key == casefold_key(filters["category"]))
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


def _may_change_expense(actor: GroupMember, expense: GroupExpense) -> bool:
    return (
        actor.is_owner
        or expense.created_by == actor.user_id
        or any(payer.user_id == actor.user_id for payer in expense.payers)
    )


def update_expense(
    group: Group, actor: GroupMember, expense: GroupExpense, changes: Mapping[str, Any]
) -> GroupExpense:
    """Edit an expense (its creator, a payer or an owner); splits are recomputed.

    The split is recomputed from what is sent and what is kept. 409 where that would change
    a split marked paid, or touch a former member's payer or split row.
    """
    if not _may_change_expense(actor, expense):
        raise NotAllowedToChangeExpense()
    members = current_member_ids(group.id)
    currency = group_currency(group, changes)
    # Former members still in this expense may stay in it (unchanged: checked below).
    allowed = members | expense.user_ids
    total = expense.amount
    if "amount" in changes:
        total = minor_units(changes["amount"], currency, "amount")

    payers = _payers_after_edit(expense, changes, total, currency, allowed)
    split_type = changes.get("split_type", expense.split_type)
    request = _split_request_after_edit(expense, changes, split_type, total, currency)
    amounts = compute_split(
        split_type, total, request, members=allowed, rotation_key=expense.id, currency=currency
    )
    inputs = {entry.user_id: entry for entry in request.entries}
    _refuse_paid_share_changes(expense, payers, amounts)
    _refuse_former_member_changes(expense, members, payers, amounts, inputs)
    before = running_totals.of_expense(expense)
    _apply_edit(expense, changes, total, split_type, payers, amounts, inputs)
    running_totals.record_change(group.id, before, running_totals.of_expense(expense))
    db.session.commit()
    return expense


def _payers_after_edit(
    expense: GroupExpense,
    changes: Mapping[str, Any],
    total: int,
    currency: str,
    allowed: Collection[int],
) -> dict[int, int]:
    """The payers the edit sends, or the kept ones (one payer follows a new amount)."""
    payers = resolve_payers(changes, total, currency, allowed)
    if payers is not None:
        return payers
    old_payers = {payer.user_id: payer.amount for payer in expense.payers}
    if total == expense.amount:
        return old_payers
    if len(old_payers) > 1:
        raise ValidationFailed.field(
            "payers", "Send the payers again when changing the amount of this expense."
        )
    return dict.fromkeys(old_payers, total)


def _split_request_after_edit(
    expense: GroupExpense,
    changes: Mapping[str, Any],
    split_type: str,
    total: int,
    currency: str,
) -> SplitRequest:
    """The split the edit sends, else the kept one: same inputs, or (to equal) same people."""
    request = parse_split_request(
        split_type, changes.get("participants"), changes.get("splits"), currency
    )
    if request is not None:
        return request
    if split_type != expense.split_type and split_type != "equal":
        raise ValidationFailed.field("splits", f"Required to change to {split_type} splits.")
    if split_type == "exact" and total != expense.amount:
        raise ValidationFailed.field(
            "splits", "Send the splits again when changing the amount of an exact split."
        )
    if split_type == expense.split_type:
        kept = [ShareInput.kept(split) for split in expense.splits]
    else:  # to equal, among the same people
        kept = [ShareInput(user_id) for user_id in sorted(s.user_id for s in expense.splits)]
    return SplitRequest(kept, "splits")


def _refuse_paid_share_changes(
    expense: GroupExpense, payers: Mapping[int, int], amounts: Mapping[int, int]
) -> None:
    """409 where the edit would move a share marked paid, or make its member the only payer."""
    for split in expense.splits:
        if not split.is_paid:
            continue
        if amounts.get(split.user_id) != split.amount:
            raise PaidShareInvolved.would_change(split.user_id)
        if set(payers) == {split.user_id}:
            raise PaidShareInvolved.would_become_only_payer(split.user_id)


def _refuse_former_member_changes(
    expense: GroupExpense,
    members: set[int],
    payers: Mapping[int, int],
    amounts: Mapping[int, int],
    inputs: Mapping[int, ShareInput],
) -> None:
    """409 where the edit would touch a former member's payer or split row."""
    old_payers = {payer.user_id: payer.amount for payer in expense.payers}
    old_splits = {split.user_id: split for split in expense.splits}
    for user_id in expense.user_ids - members:
        old = old_splits.get(user_id)
        before = None if old is None else (old.amount, ShareInput.kept(old).stored())
        after = None if user_id not in amounts else (amounts[user_id], inputs[user_id].stored())
        if old_payers.get(user_id) != payers.get(user_id) or before != after:
            raise FormerMemberInvolved(
                "This change would touch a former member's part of the expense."
            )


def _apply_edit(
    expense: GroupExpense,
    changes: Mapping[str, Any],
    total: int,
    split_type: str,
    payers: Mapping[int, int],
    amounts: Mapping[int, int],
    inputs: Mapping[int, ShareInput],
) -> None:
    """Write the edit to the expense and its rows; its version moves only if something did."""
    for name in ("description", "date"):
        if name in changes:
            setattr(expense, name, changes[name])
    if "category" in changes:
        expense.category = changes["category"]
        expense.category_key = casefold_key(changes["category"])
    expense.amount = total
    expense.split_type = split_type
    _sync_payers(expense, payers)
    _sync_splits(expense, amounts, inputs)
    # Payer and split rows are the expense too: its version (the ETag) must move with them,
    # and only then, so that an edit that changes nothing does not outdate others' ETags.
    if _changed(expense):
        expense.updated_at = utcnow()


def _changed(expense: GroupExpense) -> bool:
    session = db.session
    rows = [expense, *expense.payers, *expense.splits]
    return any(row in session.new or session.is_modified(row) for row in rows)


def _involves_former_member(group: Group, expense: GroupExpense) -> bool:
    return not expense.user_ids <= current_member_ids(group.id)


def delete_expense(group: Group, actor: GroupMember, expense: GroupExpense) -> None:
    """Delete an expense (its creator, a payer or an owner) unless a former member is in it."""
    if not _may_change_expense(actor, expense):
        raise NotAllowedToDeleteExpense()
    if _involves_former_member(group, expense):
        raise FormerMemberInvolved()
    running_totals.record_change(
        group.id, running_totals.of_expense(expense), running_totals.NOTHING
    )
    _add_to_expense_count(group, -1)
    db.session.delete(expense)
    db.session.commit()


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
        split.is_paid = is_paid
        split.paid_at = utcnow() if is_paid else None
        expense.updated_at = utcnow()
        running_totals.record_change(group.id, before, running_totals.of_expense(expense))
    db.session.commit()
    return expense
