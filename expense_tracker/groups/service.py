"""Group rules: membership, shared expenses, split payments and settlements.

Every write is one transaction, committed once at the end of its function; any error
before that leaves nothing behind. Writes lock the group's row first (PostgreSQL), so
that rules read from several rows (balances are zero, an owner remains) still hold when
the change lands, and concurrent writes to one group take turns.

Group data is only ever loaded through the scoping helpers below (`member_group`,
`visible_group`, `managed_group`, `group_expense`, `group_settlement`): each one answers
404 for anything the caller may not see, so another person's ids cannot leak through a
forgotten check.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from expense_tracker import splits as split_engine
from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.fields import casefold_key, like_pattern, minor_units
from expense_tracker.groups import balances
from expense_tracker.models import (
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.models.group import HUNDREDTHS
from expense_tracker.money import format_amount

INVITE_CODE_BYTES = 18  # 24 URL-safe characters: not guessable

# The field of a split entry that carries each split type's input.
SPLIT_VALUE_FIELDS = {
    "exact": "amount",
    "percentage": "percentage",
    "shares": "shares",
    "adjustment": "adjustment",
}


# --------------------------------------------------------------------------- errors


class GroupNotFound(NotFound):
    detail = "No such group."


class MemberNotFound(NotFound):
    detail = "No such member in this group."


class ExpenseNotFound(NotFound):
    detail = "No such expense in this group."


class SettlementNotFound(NotFound):
    detail = "No such settlement in this group."


class NotOwner(Forbidden):
    detail = "Only an owner of the group may do this."


class FormerMemberInvolved(Conflict):
    detail = "This involves a former member of the group, so it can no longer change."


class UnsettledBalance(Conflict):
    detail = "Balances must be settled first."


def _invalid(errors: dict[str, list[str]], **kwargs: Any) -> ValidationFailed:
    return ValidationFailed(errors=errors, **kwargs)


# --------------------------------------------------------------------------- scoping


def _load_group(group_id: int, *, lock: bool) -> Group | None:
    statement = select(Group).where(Group.id == group_id)
    if lock:
        statement = statement.with_for_update()
    return db.session.scalar(statement)


def _membership(group_id: int, user_id: int) -> GroupMember | None:
    membership = db.session.get(GroupMember, (group_id, user_id))
    return membership if membership is not None and membership.is_current else None


def member_group(group_id: int, user: User, *, lock: bool = False) -> tuple[Group, GroupMember]:
    """The group and the caller's membership; 404 unless the caller is a current member.

    Everything inside a group (members, expenses, balances, settlements) goes through
    here: to a non-member it does not exist, even when the group itself is open.
    `lock` takes the group's row lock for a write.
    """
    group = _load_group(group_id, lock=lock)
    membership = _membership(group_id, user.id) if group is not None else None
    if group is None or membership is None:
        raise GroupNotFound()
    return group, membership


def visible_group(group_id: int, user: User) -> tuple[Group, GroupMember | None]:
    """The group and the caller's membership (None for an outsider looking at an open group).

    404 for an invite-only group the caller is not a member of.
    """
    group = _load_group(group_id, lock=False)
    if group is None:
        raise GroupNotFound()
    membership = _membership(group_id, user.id)
    if membership is None and not group.is_open:
        raise GroupNotFound()
    return group, membership


def managed_group(group_id: int, user: User) -> tuple[Group, GroupMember]:
    """The group, locked, for a change to the group itself, which only owners may make.

    404 where the group is invisible (invite-only, not a member); 403 for anyone else who
    can see it but is not an owner: members, and outsiders looking at an open group.
    """
    group = _load_group(group_id, lock=True)
    membership = _membership(group_id, user.id) if group is not None else None
    if group is None or (membership is None and not group.is_open):
        raise GroupNotFound()
    if membership is None or not membership.is_owner:
        raise NotOwner()
    return group, membership


def group_expense(group: Group, expense_id: int) -> GroupExpense:
    """Expense `expense_id` of `group`, with payers and splits; 404 if it is not this group's."""
    expense = db.session.scalar(
        select(GroupExpense)
        .where(GroupExpense.id == expense_id, GroupExpense.group_id == group.id)
        .options(selectinload(GroupExpense.payers), selectinload(GroupExpense.splits))
    )
    if expense is None:
        raise ExpenseNotFound()
    return expense


def group_settlement(group: Group, settlement_id: int) -> Settlement:
    """Settlement `settlement_id` of `group`; 404 if it is not this group's."""
    settlement = db.session.scalar(
        select(Settlement).where(Settlement.id == settlement_id, Settlement.group_id == group.id)
    )
    if settlement is None:
        raise SettlementNotFound()
    return settlement


def group_member(group: Group, user_id: int) -> GroupMember:
    """A current member of `group`; 404 for anyone else."""
    membership = _membership(group.id, user_id)
    if membership is None:
        raise MemberNotFound()
    return membership


def current_member_ids(group_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group_id, GroupMember.left_at.is_(None)
            )
        )
    )


# --------------------------------------------------------------------------- groups


def _new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


def _name_order() -> ColumnElement[str]:
    # Byte order of the case-folded name, identical on both databases (PostgreSQL would
    # otherwise sort by its locale's collation, which ignores punctuation and spaces).
    if db.session.get_bind().dialect.name == "postgresql":
        return Group.name_key.collate("C")
    return Group.name_key


def create_group(user: User, data: Mapping[str, Any]) -> Group:
    """Create a group; its creator is its first member and owner."""
    group = Group(
        name=data["name"],
        name_key=casefold_key(data["name"]),
        description=data["description"],
        currency=data.get("currency") or user.default_currency,
        join_policy=data["join_policy"],
        invite_code=_new_invite_code(),
        created_by=user.id,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=user.id, role="owner"))
    db.session.commit()
    return group


def my_groups(user: User) -> Select[tuple[Group]]:
    """The groups `user` currently belongs to, by name then id, members loaded."""
    mine = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id, GroupMember.left_at.is_(None)
    )
    return (
        select(Group)
        .where(Group.id.in_(mine))
        .order_by(_name_order(), Group.id)
        .options(selectinload(Group.current_members))
    )


def search_groups(user: User, text: str | None) -> Select[tuple[Group]]:
    """Open groups and the caller's own whose name contains `text` (case-insensitive)."""
    mine = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id, GroupMember.left_at.is_(None)
    )
    statement = select(Group).where(or_(Group.join_policy == "open", Group.id.in_(mine)))
    if text:
        pattern = like_pattern(casefold_key(text))
        statement = statement.where(Group.name_key.like(pattern, escape="\\"))
    return statement.order_by(_name_order(), Group.id).options(selectinload(Group.current_members))


def _has_money(group: Group) -> bool:
    expenses = exists().where(GroupExpense.group_id == group.id)
    settlements = exists().where(Settlement.group_id == group.id)
    return bool(db.session.scalar(select(or_(expenses, settlements))))


def update_group(group: Group, changes: Mapping[str, Any]) -> Group:
    """Change the group's details; its currency only while it holds no money."""
    currency = changes.get("currency")
    if currency is not None and currency != group.currency and _has_money(group):
        raise Conflict("The currency cannot change once the group has expenses or settlements.")
    for name, value in changes.items():
        setattr(group, name, value)
    if "name" in changes:
        group.name_key = casefold_key(changes["name"])
    db.session.commit()
    return group


def _require_settled(group: Group) -> None:
    if any(balances.group_nets(group.id).values()):
        raise UnsettledBalance("The group still has unsettled balances.")


def delete_group(group: Group) -> None:
    """Delete the group with all its history, once every balance is zero."""
    _require_settled(group)
    db.session.delete(group)
    db.session.commit()


def rotate_invite_code(group: Group) -> Group:
    """A new invite code; the old one stops working."""
    group.invite_code = _new_invite_code()
    db.session.commit()
    return group


def group_members(group: Group, *, include_former: bool) -> Sequence[GroupMember]:
    """Members by joined_at then user_id; with `include_former`, those who left too."""
    statement = select(GroupMember).where(GroupMember.group_id == group.id)
    if not include_former:
        statement = statement.where(GroupMember.left_at.is_(None))
    return db.session.scalars(statement.order_by(GroupMember.joined_at, GroupMember.user_id)).all()


def _admit(group: Group, user: User) -> GroupMember:
    """Make `user` a member; 409 if they already are. A former member's row is reused."""
    membership = db.session.get(GroupMember, (group.id, user.id))
    if membership is not None and membership.is_current:
        raise Conflict("You are already a member of this group.")
    now = utcnow()
    if membership is None:
        membership = GroupMember(group_id=group.id, user_id=user.id, role="member", joined_at=now)
        db.session.add(membership)
    else:
        membership.role = "member"
        membership.joined_at = now
        membership.left_at = None
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent join of the same user won the (group_id, user_id) primary key.
        db.session.rollback()
        raise Conflict("You are already a member of this group.") from None
    return membership


def _code_matches(sent: str | None, expected: str) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def join_group(group_id: int, user: User, invite_code: str | None) -> GroupMember:
    """Join by id: open groups admit anyone; invite-only ones need their current code.

    An invite-only group with a missing or wrong code answers 404, as if it did not exist,
    unless the caller is already a member (409).
    """
    group = _load_group(group_id, lock=True)
    if group is None:
        raise GroupNotFound()
    if (
        not group.is_open
        and _membership(group.id, user.id) is None
        and not _code_matches(invite_code, group.invite_code)
    ):
        raise GroupNotFound()
    return _admit(group, user)


def join_by_code(user: User, invite_code: str) -> GroupMember:
    """Join whichever group has this invite code; 404 when none has."""
    group = db.session.scalar(
        select(Group).where(Group.invite_code == invite_code).with_for_update()
    )
    if group is None:
        raise GroupNotFound("No group has this invite code.")
    return _admit(group, user)


def _other_owner_exists(group_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    GroupMember.group_id == group_id,
                    GroupMember.user_id != user_id,
                    GroupMember.role == "owner",
                    GroupMember.left_at.is_(None),
                )
            )
        )
    )


def change_role(actor: GroupMember, target: GroupMember, role: str) -> GroupMember:
    """An owner sets a member's role; 409 where the group would be left without an owner."""
    if not actor.is_owner:
        raise NotOwner()
    demoting = target.role == "owner" and role != "owner"
    if demoting and not _other_owner_exists(target.group_id, target.user_id):
        raise Conflict("The group would be left without an owner.")
    target.role = role
    db.session.commit()
    return target


def remove_member(group: Group, actor: GroupMember, target: GroupMember) -> None:
    """Leave (yourself) or remove a member (an owner, not another owner).

    409 while the member's balance is not zero, or when the last owner would leave
    others behind. The last member to leave takes the group with them.
    """
    if target.user_id != actor.user_id:
        if not actor.is_owner:
            raise NotOwner("Only an owner may remove other members.")
        if target.role == "owner":
            raise Forbidden("An owner cannot remove another owner.")
    if balances.group_nets(group.id).get(target.user_id, 0):
        raise UnsettledBalance("This member's balance is not zero; settle up first.")
    others = current_member_ids(group.id) - {target.user_id}
    if not others:
        db.session.delete(group)
        db.session.commit()
        return
    if target.role == "owner" and not _other_owner_exists(group.id, target.user_id):
        raise Conflict("The last owner cannot leave others behind; make someone else an owner.")
    target.left_at = utcnow()
    db.session.commit()


def leave_all_groups(user: User) -> None:
    """End every membership of an account being deleted (the caller commits).

    409 while the user has a non-zero balance in a group, or is the only owner of a group
    with other members. Groups where they are the last member are deleted, as when the
    last member leaves; elsewhere their history keeps their user_id.
    """
    memberships = db.session.scalars(
        select(GroupMember)
        .where(GroupMember.user_id == user.id, GroupMember.left_at.is_(None))
        .order_by(GroupMember.group_id)
    ).all()
    if not memberships:
        return
    group_ids = [membership.group_id for membership in memberships]
    # Locked in id order, as every write locks one group, so nothing can deadlock.
    groups = {
        group.id: group
        for group in db.session.scalars(
            select(Group).where(Group.id.in_(group_ids)).order_by(Group.id).with_for_update()
        )
    }
    for group_id, net in balances.user_nets(user.id, group_ids).items():
        if net:
            raise UnsettledBalance(
                f"You have a non-zero balance in the group {groups[group_id].name!r}."
            )
    now = utcnow()
    for membership in memberships:
        group = groups[membership.group_id]
        others = current_member_ids(group.id) - {user.id}
        if not others:
            db.session.delete(group)
            continue
        if membership.role == "owner" and not _other_owner_exists(group.id, user.id):
            raise Conflict(
                f"You are the only owner of the group {group.name!r}; "
                "make another member an owner first."
            )
        membership.left_at = now


# --------------------------------------------------------------------------- expenses


@dataclass
class ShareInput:
    """One member's part of a split request, in stored units."""

    user_id: int
    amount: int | None = None  # exact, minor units
    percentage_hundredths: int | None = None
    shares_hundredths: int | None = None
    adjustment: int | None = None  # signed minor units

    @classmethod
    def kept(cls, split: ExpenseSplit) -> ShareInput:
        expense = split.expense
        return cls(
            split.user_id,
            amount=split.amount if expense.split_type == "exact" else None,
            percentage_hundredths=split.percentage_hundredths,
            shares_hundredths=split.shares_hundredths,
            adjustment=split.adjustment,
        )

    def stored(self) -> tuple[int | None, int | None, int | None]:
        return self.percentage_hundredths, self.shares_hundredths, self.adjustment


@dataclass
class SplitRequest:
    """The entries a split is computed from, and where in the body they came from."""

    entries: list[ShareInput]
    path: str  # "participants" or "splits"


def _hundredths(value: Decimal) -> int:
    # Percentages and shares load with at most two decimals, so this is exact.
    return int(value * HUNDREDTHS)


def _collect(errors: dict[str, list[str]], convert: Callable[[], int]) -> int | None:
    """Run a conversion that may answer 422, gathering its messages instead."""
    try:
        return convert()
    except ValidationFailed as exc:
        for path, messages in (exc.errors or {}).items():
            errors.setdefault(path, []).extend(messages)
        return None


def _parse_split_request(
    split_type: str,
    participants: list[int] | None,
    entries: list[dict[str, Any]] | None,
    currency: str,
) -> SplitRequest | None:
    """Turn the body's `participants` or `splits` into entries; None when neither was sent."""
    if participants is not None:
        if split_type != "equal":
            raise _invalid({"participants": ["Only for equal splits; send splits instead."]})
        return SplitRequest([ShareInput(user_id) for user_id in participants], "participants")
    if entries is None:
        return None
    value_field = SPLIT_VALUE_FIELDS.get(split_type)
    errors: dict[str, list[str]] = {}
    shares: list[ShareInput] = []
    for index, entry in enumerate(entries):
        path = f"splits.{index}"
        for name in SPLIT_VALUE_FIELDS.values():
            if name in entry and name != value_field:
                errors[f"{path}.{name}"] = [f"Not used by {split_type} splits."]
        share = ShareInput(entry["user_id"])
        if value_field is not None and value_field not in entry:
            errors[f"{path}.{value_field}"] = [f"Required for {split_type} splits."]
        elif split_type == "exact":
            share.amount = _collect(
                errors,
                lambda e=entry, p=path: minor_units(
                    e["amount"], currency, f"{p}.amount", allow_zero=True
                ),
            )
        elif split_type == "adjustment":
            share.adjustment = _collect(
                errors,
                lambda e=entry, p=path: minor_units(
                    e["adjustment"], currency, f"{p}.adjustment", signed=True, allow_zero=True
                ),
            )
        elif split_type == "percentage":
            share.percentage_hundredths = _hundredths(entry["percentage"])
        elif split_type == "shares":
            share.shares_hundredths = _hundredths(entry["shares"])
        shares.append(share)
    if errors:
        raise _invalid(errors)
    return SplitRequest(shares, "splits")


def _compute_split(
    split_type: str,
    total: int,
    request: SplitRequest,
    *,
    members: Collection[int],
    rotation_key: int,
    currency: str,
) -> dict[int, int]:
    """Each entry's amount, exactly; the engine's errors become 422 at dotted paths."""
    entries = request.entries
    user_ids = [entry.user_id for entry in entries]
    try:
        if split_type == "equal":
            return split_engine.split_equal(
                total, user_ids, members=members, rotation_key=rotation_key
            )
        if split_type == "exact":
            return split_engine.split_exact(
                total, [(entry.user_id, entry.amount or 0) for entry in entries], members=members
            )
        if split_type == "adjustment":
            return split_engine.split_adjustment(
                total,
                [(entry.user_id, entry.adjustment or 0) for entry in entries],
                members=members,
                rotation_key=rotation_key,
            )
        split = (
            split_engine.split_percentage
            if split_type == "percentage"
            else split_engine.split_shares
        )
        weights = [
            (
                entry.user_id,
                Decimal(entry.percentage_hundredths or entry.shares_hundredths or 0).scaleb(-2),
            )
            for entry in entries
        ]
        return split(total, weights, members=members, rotation_key=rotation_key)
    except split_engine.SplitError as exc:
        path = request.path
        if exc.index is not None:
            path = f"{path}.{exc.index}"
            if request.path == "splits" and exc.field:
                path = f"{path}.{exc.field}"
        extensions = None
        if exc.difference is not None:
            extensions = {"difference": format_amount(exc.difference, currency)}
        raise _invalid({path: [exc.message]}, extensions=extensions) from None


def _resolve_payers(
    data: Mapping[str, Any], total: int, currency: str, members: Collection[int]
) -> dict[int, int] | None:
    """Who paid how much, from `paid_by` or `payers`; None when the body sends neither."""
    if "paid_by" in data:
        if data["paid_by"] not in members:
            raise _invalid({"paid_by": [f"User {data['paid_by']} is not a member of this group."]})
        return {data["paid_by"]: total}
    if "payers" not in data:
        return None
    errors: dict[str, list[str]] = {}
    payers: dict[int, int] = {}
    for index, entry in enumerate(data["payers"]):
        user_id = entry["user_id"]
        amount = _collect(
            errors,
            lambda e=entry, i=index: minor_units(e["amount"], currency, f"payers.{i}.amount"),
        )
        if user_id not in members:
            errors[f"payers.{index}.user_id"] = [f"User {user_id} is not a member of this group."]
        elif user_id in payers:
            errors[f"payers.{index}.user_id"] = [f"User {user_id} appears more than once."]
        else:
            payers[user_id] = amount or 0
    if errors:
        raise _invalid(errors)
    difference = total - sum(payers.values())
    if difference:
        raise _invalid(
            {
                "payers": [
                    "The payers' amounts must add up to the expense amount; they are "
                    f"{format_amount(abs(difference), currency)} "
                    f"{'short of' if difference > 0 else 'over'} it."
                ]
            }
        )
    return payers


def _group_currency(group: Group, data: Mapping[str, Any]) -> str:
    if "currency" in data and data["currency"] != group.currency:
        raise _invalid({"currency": [f"This group's expenses are in {group.currency}."]})
    return group.currency


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
    for user_id, split in existing.items():
        if user_id not in amounts:
            expense.splits.remove(split)
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
    currency = _group_currency(group, data)
    total = minor_units(data["amount"], currency, "amount")
    payers = _resolve_payers(data, total, currency, members) or {actor.user_id: total}
    split_type = data["split_type"]
    request = _parse_split_request(
        split_type, data.get("participants"), data.get("splits"), currency
    )
    if request is None:
        if split_type != "equal":
            raise _invalid({"splits": [f"Required for {split_type} splits."]})
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
    amounts = _compute_split(
        split_type, total, request, members=members, rotation_key=expense.id, currency=currency
    )
    _sync_payers(expense, payers)
    _sync_splits(expense, amounts, {entry.user_id: entry for entry in request.entries})
    db.session.commit()
    return expense


def group_expenses(group: Group, filters: Mapping[str, Any]) -> Select[tuple[GroupExpense]]:
    """The group's expenses matching `filters`, newest first, payers and splits loaded."""
    statement = select(GroupExpense).where(GroupExpense.group_id == group.id)
    if "date_from" in filters:
        statement = statement.where(GroupExpense.date >= filters["date_from"])
    if "date_to" in filters:
        statement = statement.where(GroupExpense.date <= filters["date_to"])
    if "category" in filters:
        statement = statement.where(GroupExpense.category_key == casefold_key(filters["category"]))
    if "paid_by" in filters:
        statement = statement.where(
            exists().where(
                ExpensePayer.expense_id == GroupExpense.id,
                ExpensePayer.user_id == filters["paid_by"],
            )
        )
    if "involving" in filters:
        user_id = filters["involving"]
        statement = statement.where(
            or_(
                exists().where(
                    ExpensePayer.expense_id == GroupExpense.id, ExpensePayer.user_id == user_id
                ),
                exists().where(
                    ExpenseSplit.expense_id == GroupExpense.id, ExpenseSplit.user_id == user_id
                ),
            )
        )
    return statement.order_by(GroupExpense.date.desc(), GroupExpense.id.desc()).options(
        selectinload(GroupExpense.payers), selectinload(GroupExpense.splits)
    )


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
        raise Forbidden("Only the expense's creator, a payer or an owner may change it.")
    members = current_member_ids(group.id)
    currency = _group_currency(group, changes)
    old_payers = {payer.user_id: payer.amount for payer in expense.payers}
    old_splits = {split.user_id: split for split in expense.splits}
    # Former members still in this expense may stay in it (unchanged: checked below).
    allowed = members | old_payers.keys() | old_splits.keys()

    total = expense.amount
    if "amount" in changes:
        total = minor_units(changes["amount"], currency, "amount")
    amount_changed = total != expense.amount

    payers = _resolve_payers(changes, total, currency, allowed)
    if payers is None:
        if amount_changed and len(old_payers) > 1:
            raise _invalid(
                {"payers": ["Send the payers again when changing the amount of this expense."]}
            )
        payers = dict.fromkeys(old_payers, total) if amount_changed else old_payers

    split_type = changes.get("split_type", expense.split_type)
    request = _parse_split_request(
        split_type, changes.get("participants"), changes.get("splits"), currency
    )
    if request is None:
        if split_type != expense.split_type and split_type != "equal":
            raise _invalid({"splits": [f"Required to change to {split_type} splits."]})
        if split_type == "exact" and amount_changed:
            raise _invalid(
                {"splits": ["Send the splits again when changing the amount of an exact split."]}
            )
        if split_type == expense.split_type:
            kept = [ShareInput.kept(split) for split in expense.splits]
        else:  # to equal, among the same people
            kept = [ShareInput(user_id) for user_id in sorted(old_splits)]
        request = SplitRequest(kept, "splits")
    amounts = _compute_split(
        split_type, total, request, members=allowed, rotation_key=expense.id, currency=currency
    )
    inputs = {entry.user_id: entry for entry in request.entries}

    for user_id, split in old_splits.items():
        if split.is_paid and amounts.get(user_id) != split.amount:
            raise Conflict(
                f"This would change the share of user {user_id}, which is marked paid; "
                "unmark it first."
            )
        if split.is_paid and set(payers) == {user_id}:
            raise Conflict(
                f"User {user_id}'s share is marked paid, so they cannot become the only payer; "
                "unmark it first."
            )
    for user_id in (old_payers.keys() | old_splits.keys()) - members:
        old = old_splits.get(user_id)
        before = None if old is None else (old.amount, ShareInput.kept(old).stored())
        after = None if user_id not in amounts else (amounts[user_id], inputs[user_id].stored())
        if old_payers.get(user_id) != payers.get(user_id) or before != after:
            raise FormerMemberInvolved(
                "This change would touch a former member's part of the expense."
            )

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
    # Payer and split rows are the expense too: its version (the ETag) must move with them.
    expense.updated_at = utcnow()
    db.session.commit()
    return expense


def _involves_former_member(group: Group, expense: GroupExpense) -> bool:
    return not expense.user_ids <= current_member_ids(group.id)


def delete_expense(group: Group, actor: GroupMember, expense: GroupExpense) -> None:
    """Delete an expense (its creator, a payer or an owner) unless a former member is in it."""
    if not _may_change_expense(actor, expense):
        raise Forbidden("Only the expense's creator, a payer or an owner may delete it.")
    if _involves_former_member(group, expense):
        raise FormerMemberInvolved()
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
        raise NotFound("This member has no share in this expense.")
    payer_ids = {payer.user_id for payer in expense.payers}
    if actor.user_id != user_id and actor.user_id not in payer_ids:
        raise Forbidden("Only that member or a payer may mark this share.")
    if payer_ids == {user_id}:
        raise ValidationFailed.field(
            "is_paid", "This member paid the whole expense; their own share is no debt."
        )
    if _involves_former_member(group, expense):
        raise FormerMemberInvolved()
    if split.is_paid != is_paid:
        split.is_paid = is_paid
        split.paid_at = utcnow() if is_paid else None
        expense.updated_at = utcnow()
    db.session.commit()
    return expense


# --------------------------------------------------------------------------- settlements


def create_settlement(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> Settlement:
    """Record a payment between two members; one of them must be the caller, unless an owner."""
    from_user = data.get("from_user", actor.user_id)
    to_user = data["to_user"]
    if actor.user_id not in (from_user, to_user) and not actor.is_owner:
        raise Forbidden("Only an owner may record a settlement between two other members.")
    currency = _group_currency(group, data)
    amount = minor_units(data["amount"], currency, "amount")
    members = current_member_ids(group.id)
    errors: dict[str, list[str]] = {}
    for name, user_id in (("from_user", from_user), ("to_user", to_user)):
        if user_id not in members:
            errors[name] = [f"User {user_id} is not a member of this group."]
    if from_user == to_user:
        errors.setdefault("to_user", []).append("Must differ from from_user.")
    if errors:
        raise _invalid(errors)
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
    db.session.commit()
    return settlement


def group_settlements(group: Group) -> Select[tuple[Settlement]]:
    """The group's settlements, newest first."""
    return (
        select(Settlement)
        .where(Settlement.group_id == group.id)
        .order_by(Settlement.created_at.desc(), Settlement.id.desc())
    )


def delete_settlement(group: Group, actor: GroupMember, settlement: Settlement) -> None:
    """Delete a settlement (its creator or an owner) unless a former member is in it."""
    if settlement.created_by != actor.user_id and not actor.is_owner:
        raise Forbidden("Only the settlement's creator or an owner may delete it.")
    members = current_member_ids(group.id)
    if not {settlement.from_user_id, settlement.to_user_id} <= members:
        raise FormerMemberInvolved()
    db.session.delete(settlement)
    db.session.commit()


# --------------------------------------------------------------------------- balances


def member_balances(group: Group) -> list[balances.Balance]:
    """One balance per current member, by user_id."""
    return balances.group_balances(group.id, group.currency, current_member_ids(group.id))


def settle_up(group: Group) -> list[dict[str, Any]]:
    return [
        {
            "from_user": transfer.from_user,
            "to_user": transfer.to_user,
            "amount": transfer.amount,
            "currency": group.currency,
        }
        for transfer in balances.settle_up(group.id)
    ]


def my_balances(user: User) -> dict[str, Any]:
    """My net in every group I belong to, and the totals per currency."""
    groups = db.session.scalars(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user.id, GroupMember.left_at.is_(None))
        .order_by(_name_order(), Group.id)
    ).all()
    nets = balances.user_nets(user.id, [group.id for group in groups])
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
