"""Settlements: payments between two members of a group, recorded and listed (deleted
and restored: `deletion`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from expense_tracker.database import commit_keeping_loaded
from expense_tracker.domain import money
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.errors import (
    NotAllowedToRecordSettlement,
)
from expense_tracker.groups.expenses.split_requests import group_currency, not_a_member
from expense_tracker.models import Group, GroupMember, Settlement


def create_settlement(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> Settlement:
    """Record a payment between two members; one of them must be the caller, unless an owner."""
    from_user = data.get("from_user", actor.user_id)
    to_user = data["to_user"]
    if actor.user_id not in (from_user, to_user) and not actor.is_owner:
        raise NotAllowedToRecordSettlement()
    currency = group_currency(group, data)
    amount = money.parse_amount(data["amount"], currency, field="amount")
    members = current_member_ids(group.id)
    errors: dict[str, list[str]] = {}
    for name, user_id in (("from_user", from_user), ("to_user", to_user)):
        if user_id not in members:
            errors[name] = [not_a_member(user_id)]
    if from_user == to_user:
        errors.setdefault("to_user", []).append("Must differ from from_user.")
    if errors:
        raise ValidationFailed(errors=errors)
    settlement = Settlement(
        group_id=group.id,
        from_user_id=from_user,
        to_user_id=to_user,
        amount=amount,
        currency=currency,
        date=data["date"],
        note=data["note"],
        created_by=actor.user_id,
    )
    db.session.add(settlement)
    db.session.flush()
    running_totals.record_change(
        group.id, running_totals.NOTHING, running_totals.of_settlement(settlement)
    )
    after = activity.of_settlement(settlement)
    subject = ("settlement", settlement.id)
    activity.record(group.id, actor.user_id, "settlement.created", subject, None, after)
    # The answer shows the row as written (every value known here): not read back.
    commit_keeping_loaded(db.session())
    return settlement


def group_settlements(group: Group, *, deleted: bool = False) -> Select[Settlement]:
    """The group's settlements (or its deleted ones), newest first."""
    kept = Settlement.deleted_at.is_not(None) if deleted else Settlement.deleted_at.is_(None)
    return (
        select(Settlement)
        .where(Settlement.group_id == group.id, kept)
        .order_by(Settlement.created_at.desc(), Settlement.id.desc())
    )
