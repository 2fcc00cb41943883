"""Changing a shared expense: recompute its split from what is sent and what is kept.

An edit may change any field; the split is recomputed from the new and the kept inputs.
It is refused (409) where it would move a share already marked paid or change whom it
paid, or touch a former member's part; the members' running totals move by the
difference, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from expense_tracker.database import commit_keeping_loaded, utcnow
from expense_tracker.domain import money
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.errors import (
    FormerMemberInvolved,
    NotAllowedToChangeExpense,
    PaidShareInvolved,
)
from expense_tracker.groups.expenses import documents as expense_documents
from expense_tracker.groups.expenses import foreign_currency
from expense_tracker.groups.expenses.service import may_change_expense, sync_payers, sync_splits
from expense_tracker.groups.expenses.split_requests import (
    ShareInput,
    SplitRequest,
    compute_split,
    parse_split_request,
    resolve_payers,
)
from expense_tracker.models import ExpenseSplit, Group, GroupExpense, GroupMember


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
    conversion = foreign_currency.for_edit(group, expense, changes)
    currency = conversion.source if conversion else group.currency
    kept = _kept_money(expense, currency)
    # Former members still in this expense may stay in it (unchanged: checked below).
    allowed = members | expense.user_ids
    total = kept.total
    if "amount" in changes:
        total = money.parse_amount(changes["amount"], currency, field="amount")
    elif total is None:
        raise ValidationFailed.field("amount", "Send the amount again when changing the currency.")

    payers = _payers_after_edit(kept, changes, total, currency, allowed)
    split_type = changes.get("split_type", expense.split_type)
    request = _split_request_after_edit(expense, changes, split_type, total, kept)
    amounts = compute_split(
        split_type, total, request, members=allowed, rotation_key=expense.id, currency=currency
    )
    inputs = {entry.user_id: entry for entry in request.entries}
    originals: tuple[dict[int, int], dict[int, int]] | None = None
    if conversion:
        originals = payers, amounts
        payers = conversion.payers(payers, expense.id)
        amounts = conversion.splits(amounts, expense.id)
    _refuse_paid_share_changes(expense, payers, amounts)
    _refuse_former_member_changes(expense, members, payers, amounts, inputs)
    before = running_totals.of_expense(expense)
    snapshot = activity.of_expense(expense)
    converted_total = conversion.total(total) if conversion else total
    _apply_edit(expense, changes, converted_total, split_type, payers, amounts, inputs)
    _apply_conversion(expense, conversion, total, originals)
    # Payer and split rows are the expense too: its version (the ETag) moves with them, and
    # only then, so that an edit that changes nothing does not outdate others' ETags.
    changed = _changed(expense)
    if changed:
        expense.updated_at = utcnow()
        running_totals.record_change(group.id, before, running_totals.of_expense(expense))
        after = activity.of_expense(expense)
        subject = ("expense", expense.id)
        activity.record(group.id, actor.user_id, "expense.updated", subject, snapshot, after)
    # The answer is built from the rows held, not read back after the commit: the group's
    # lock ends with it, and a DELETE waiting for that lock may remove the expense before
    # the answer is written (a read-back then failed with 500, or showed no splits).
    expense.payers.sort(key=lambda payer: payer.user_id)
    expense.splits.sort(key=lambda split: split.user_id)
    if changed:
        # Its new version's document, in the same transaction (expense_documents).
        expense_documents.keep(expense)
    commit_keeping_loaded(db.session())
    return expense


@dataclass(frozen=True)
class _KeptMoney:
    """The expense's amount and payers in the currency the edit is in (amounts None when
    the edit changes the currency: one payer follows the new amount, several are resent)."""

    total: int | None
    payers: dict[int, int | None]


def _kept_money(expense: GroupExpense, currency: str) -> _KeptMoney:
    if currency != expense.input_currency:
        return _KeptMoney(None, {p.user_id: None for p in expense.payers})
    if expense.original_amount is None:
        return _KeptMoney(expense.amount, {p.user_id: p.amount for p in expense.payers})
    return _KeptMoney(
        expense.original_amount,
        {p.user_id: p.original_amount or 0 for p in expense.payers},
    )


def _apply_conversion(
    expense: GroupExpense,
    conversion: foreign_currency.Conversion | None,
    total: int,
    originals: tuple[dict[int, int], dict[int, int]] | None,
) -> None:
    """Keep (or clear) the original amounts and the rate on the expense and its rows."""
    payer_originals, split_originals = originals or ({}, {})
    expense.original_amount = total if conversion else None
    expense.original_currency = conversion.source if conversion else None
    expense.exchange_rate = conversion.rate if conversion else None
    for payer in expense.payers:
        payer.original_amount = payer_originals.get(payer.user_id)
    for split in expense.splits:
        split.original_amount = split_originals.get(split.user_id)


def _payers_after_edit(
    kept: _KeptMoney,
    changes: Mapping[str, Any],
    total: int,
    currency: str,
    allowed: Collection[int],
) -> dict[int, int]:
    """The payers the edit sends, or the kept ones (one payer follows a new amount)."""
    payers = resolve_payers(changes, total, currency, allowed)
    if payers is not None:
        return payers
    old_payers = kept.payers
    if total == kept.total:
        return {user_id: amount or 0 for user_id, amount in old_payers.items()}
    if len(old_payers) > 1:
        raise ValidationFailed.field(
            "payers", "Send the payers again when changing the amount or currency of this expense."
        )
    return dict.fromkeys(old_payers, total)


def _split_request_after_edit(
    expense: GroupExpense,
    changes: Mapping[str, Any],
    split_type: str,
    total: int,
    kept: _KeptMoney,
) -> SplitRequest:
    """The split the edit sends, else the kept one: same inputs, or (to equal) same people."""
    currency = changes.get("currency", expense.input_currency)
    request = parse_split_request(
        split_type, changes.get("participants"), changes.get("splits"), currency
    )
    if request is not None:
        return request
    if split_type != expense.split_type and split_type != "equal":
        raise ValidationFailed.field("splits", f"Required to change to {split_type} splits.")
    if split_type in ("exact", "adjustment") and kept.total is None:
        raise ValidationFailed.field(
            "splits", f"Send the splits again when changing the currency of an {split_type} split."
        )
    if split_type == "exact" and total != kept.total:
        raise ValidationFailed.field(
            "splits", "Send the splits again when changing the amount of an exact split."
        )
    if split_type == expense.split_type:
        kept_inputs = [ShareInput.kept(split) for split in expense.splits]
    else:  # to equal, among the same people
        kept_inputs = [ShareInput(user_id) for user_id in sorted(s.user_id for s in expense.splits)]
    return SplitRequest(kept_inputs, "splits")


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
) -> None:
    """Write the edit to the expense and its rows; its version moves only if something did."""
    for name in ("description", "date", "category", "notes"):
        if name in changes:
            setattr(expense, name, changes[name])
    expense.amount = total
    expense.split_type = split_type
    sync_payers(expense, payers)
    sync_splits(expense, amounts, inputs)


def _changed(expense: GroupExpense) -> bool:
    """Whether the edit changed a row. Payer and split rows are the expense too: its version
    (the ETag) must move with them, and only then, so that an edit that changes nothing
    does not outdate others' ETags."""
    session = db.session
    rows = [expense, *expense.payers, *expense.splits]
    return any(row in session.new or session.is_modified(row) for row in rows)
