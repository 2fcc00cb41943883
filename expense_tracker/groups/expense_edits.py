"""Changing a shared expense: recompute its split from what is sent and what is kept.

An edit may change any field; the split is recomputed from the new and the kept inputs.
It is refused (409) where it would move a share already marked paid or change whom it
paid, or touch a former member's part; the members' running totals move by the
difference, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from expense_tracker.database import utcnow
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.fields import minor_units
from expense_tracker.groups import activity, running_totals
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.errors import (
    FormerMemberInvolved,
    NotAllowedToChangeExpense,
    PaidShareInvolved,
)
from expense_tracker.groups.shared_expenses import may_change_expense, sync_payers, sync_splits
from expense_tracker.groups.split_requests import (
    ShareInput,
    SplitRequest,
    compute_split,
    group_currency,
    parse_split_request,
    resolve_payers,
)
from expense_tracker.models import ExpenseSplit, Group, GroupExpense, GroupMember
from expense_tracker.text import casefold_key


def update_expense(
    group: Group, actor: GroupMember, expense: GroupExpense, changes: Mapping[str, Any]
) -> GroupExpense:
    """Edit an expense (its creator, a payer or an owner); splits are recomputed.

    The split is recomputed from what is sent and what is kept. 409 where that would change
    a split marked paid or whom it paid, or touch a former member's payer or split row.
    """
    if not may_change_expense(actor, expense):
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
    snapshot = activity.of_expense(expense)
    if _apply_edit(expense, changes, total, split_type, payers, amounts, inputs):
        running_totals.record_change(group.id, before, running_totals.of_expense(expense))
        after = activity.of_expense(expense)
        subject = ("expense", expense.id)
        activity.record(group.id, actor.user_id, "expense.updated", subject, snapshot, after)
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
    """409 where the edit would move a share marked paid, make its member the only payer,
    or change whom it paid.

    A share marked paid is a settlement to the expense's payers, divided as they paid
    (running_totals): new payers, or new parts of the bill for several, would turn it
    into a payment to someone who never received it.
    """
    old_payers = {payer.user_id: payer.amount for payer in expense.payers}
    for split in expense.splits:
        if not split.is_paid:
            continue
        if amounts.get(split.user_id) != split.amount:
            raise PaidShareInvolved.would_change(split.user_id)
        if set(payers) == {split.user_id}:
            raise PaidShareInvolved.would_become_only_payer(split.user_id)
        if _paid_to(split, payers) != _paid_to(split, old_payers):
            raise PaidShareInvolved(
                f"The share of user {split.user_id} is marked paid to the payers as they are, "
                "so who paid (and how much each) cannot change; unmark it first."
            )


def _paid_to(split: ExpenseSplit, payers: Mapping[int, int]) -> dict[int, tuple[int, int]]:
    """Who sent and received what when this share, marked paid, settles with `payers`."""
    contribution = running_totals.expense_contribution(
        payers, [running_totals.Share(split.user_id, split.amount, True)]
    )
    return {
        user_id: (totals.sent, totals.received)
        for user_id, totals in contribution.items()
        if totals.sent or totals.received
    }


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
) -> bool:
    """Write the edit to the expense and its rows; its version moves only if something did
    (True then)."""
    for name in ("description", "date", "notes"):
        if name in changes:
            setattr(expense, name, changes[name])
    if "category" in changes:
        expense.category = changes["category"]
        expense.category_key = casefold_key(changes["category"])
    expense.amount = total
    expense.split_type = split_type
    sync_payers(expense, payers)
    sync_splits(expense, amounts, inputs)
    # Payer and split rows are the expense too: its version (the ETag) must move with them,
    # and only then, so that an edit that changes nothing does not outdate others' ETags.
    if not _changed(expense):
        return False
    expense.updated_at = utcnow()
    return True


def _changed(expense: GroupExpense) -> bool:
    session = db.session
    rows = [expense, *expense.payers, *expense.splits]
    return any(row in session.new or session.is_modified(row) for row in rows)
