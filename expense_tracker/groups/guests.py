"""Guest members: people without an account in a group, and their merge into an account.

A guest is a `User` with `is_guest` (no email, no password: nothing can sign in as them)
and a membership like anyone's, so they pay, share, settle and are removed by the same
code as every member. `GroupGuest` says which group they belong to and who added them.

Merging moves every row of the guest in the group onto a current member, in one
transaction under the group's lock: payer and split rows (with their paid flags),
settlements, the running totals, and the templates of the group's recurring series. A
settlement between the guest and that member becomes nobody's: it is deleted, and the
member's totals lose it on both sides, so every net afterwards is the sum of the two
before. Then the guest is gone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update

from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups import activity, running_totals
from expense_tracker.groups.access import group_member
from expense_tracker.models import (
    Activity,
    Comment,
    ExpensePayer,
    ExpenseSplit,
    Group,
    GroupExpense,
    GroupGuest,
    GroupMember,
    RecurringSeries,
    Settlement,
    User,
)


class GuestNotFound(NotFound):
    detail = "No such guest in this group."


class NotAllowedToMergeGuest(Forbidden):
    detail = "Only an owner or the member who added this guest may merge them."


class GuestSharesAnExpense(Conflict):
    detail = (
        "This member already pays for or shares in an expense of the guest; "
        "change that expense first."
    )


def add_guest(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> GroupMember:
    """Any current member adds a guest: a member who can take part but cannot sign in."""
    guest = User(
        full_name=data["full_name"],
        email=None,
        email_key=None,
        password_hash=None,
        default_currency=group.currency,
        is_guest=True,
    )
    db.session.add(guest)
    db.session.flush()
    db.session.add(GroupGuest(user_id=guest.id, group_id=group.id, created_by=actor.user_id))
    membership = GroupMember(group_id=group.id, user_id=guest.id, role="member")
    db.session.add(membership)
    db.session.flush()
    subject = ("member", guest.id)
    after = activity.of_member(membership)
    activity.record(group.id, actor.user_id, "member.joined", subject, None, after)
    db.session.commit()
    return membership


def _guest(group: Group, guest_id: int) -> GroupGuest:
    guest = db.session.scalar(
        select(GroupGuest).where(GroupGuest.user_id == guest_id, GroupGuest.group_id == group.id)
    )
    if guest is None:
        raise GuestNotFound()
    return guest


def _target(group: Group, user_id: int, guest_id: int) -> GroupMember:
    try:
        target = group_member(group, user_id)
    except NotFound:
        raise ValidationFailed.field("user_id", "Not a current member of this group.") from None
    if target.user.is_guest or user_id == guest_id:
        raise ValidationFailed.field("user_id", "Must be a member with an account, not a guest.")
    return target


def _both_in_an_expense(group_id: int, guest_id: int, user_id: int) -> bool:
    """Whether one expense has rows (payer or split) of both users."""

    def involves(user: int) -> Any:
        return or_(
            exists().where(
                ExpensePayer.expense_id == GroupExpense.id, ExpensePayer.user_id == user
            ),
            exists().where(
                ExpenseSplit.expense_id == GroupExpense.id, ExpenseSplit.user_id == user
            ),
        )

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    GroupExpense.group_id == group_id, involves(guest_id), involves(user_id)
                )
            )
        )
    )


def _merged_template(template: dict[str, Any], guest_id: int, user_id: int) -> dict[str, Any]:
    """A series template naming the member wherever it named the guest (409 if both)."""

    def swap(value: int) -> int:
        return user_id if value == guest_id else value

    lists = [template.get("participants") or []]
    lists += [
        [entry["user_id"] for entry in template.get(name) or []] for name in ("payers", "splits")
    ]
    for ids in lists:
        if guest_id in ids and user_id in ids:
            raise Conflict(
                "A recurring series of this group names both the guest and this member; "
                "change it first."
            )
    if "paid_by" in template:
        template["paid_by"] = swap(template["paid_by"])
    if "participants" in template:
        template["participants"] = [swap(uid) for uid in template["participants"]]
    for name in ("payers", "splits"):
        for entry in template.get(name) or []:
            entry["user_id"] = swap(entry["user_id"])
    return template


def _expenses_of(user_id: int) -> Any:
    """The ids of the expenses `user_id` pays for or shares in."""
    payers, splits = ExpensePayer.__table__, ExpenseSplit.__table__
    return (
        select(payers.c.expense_id)
        .where(payers.c.user_id == user_id)
        .union(select(splits.c.expense_id).where(splits.c.user_id == user_id))
    )


def _move_rows(group: Group, guest_id: int, user_id: int) -> None:
    """Payer, split and settlement rows of the guest become the member's; the expenses and
    settlements they belong to get a new version (ETag), as after any change of theirs."""
    expenses, payers, splits = (
        GroupExpense.__table__,
        ExpensePayer.__table__,
        ExpenseSplit.__table__,
    )
    settlements = Settlement.__table__
    db.session.execute(
        update(expenses)
        .where(expenses.c.id.in_(_expenses_of(guest_id).scalar_subquery()))
        .values(version=expenses.c.version + 1, updated_at=utcnow())
    )
    for table in (payers, splits):
        db.session.execute(update(table).where(table.c.user_id == guest_id).values(user_id=user_id))
    for name in ("from_user_id", "to_user_id"):
        db.session.execute(
            update(settlements)
            .where(settlements.c.group_id == group.id, settlements.c[name] == guest_id)
            .values({name: user_id, "version": settlements.c.version + 1})
        )
    # Activity attribution (a guest cannot sign in, but history may name them as actor).
    for model, column in ((Activity, "actor_id"), (Comment, "author_id")):
        table = model.__table__
        db.session.execute(
            update(table)
            .where(table.c.group_id == group.id, table.c[column] == guest_id)
            .values({column: user_id})
        )


def merge_guest(group: Group, actor: GroupMember, guest_id: int, user_id: int) -> GroupMember:
    """Move every row of the guest onto a current member with an account, then remove the
    guest; the caller holds the group's lock (`access.member_group_for_update`)."""
    guest = _guest(group, guest_id)
    if not (actor.is_owner or guest.created_by == actor.user_id):
        raise NotAllowedToMergeGuest()
    target = _target(group, user_id, guest_id)
    if _both_in_an_expense(group.id, guest_id, user_id):
        raise GuestSharesAnExpense()
    for series in db.session.scalars(
        select(RecurringSeries).where(RecurringSeries.group_id == group.id).with_for_update()
    ):
        template = _merged_template(json.loads(series.template), guest_id, user_id)
        series.template = json.dumps(template, sort_keys=True)

    guest_membership = db.session.get(GroupMember, (group.id, guest_id))
    assert guest_membership is not None
    # The activity log shows each live expense the merge changes, as any edit would, and the
    # guest leaving: what a synced client needs to follow (sync/ reads the log).
    changed = list(
        db.session.scalars(
            select(GroupExpense).where(
                GroupExpense.id.in_(_expenses_of(guest_id).scalar_subquery()),
                GroupExpense.deleted_at.is_(None),
            )
        )
    )
    before = {expense.id: activity.of_expense(expense) for expense in changed}
    guest_before = activity.of_member(guest_membership)
    between = and_(
        Settlement.group_id == group.id,
        or_(
            and_(Settlement.from_user_id == guest_id, Settlement.to_user_id == user_id),
            and_(Settlement.from_user_id == user_id, Settlement.to_user_id == guest_id),
        ),
    )
    # Only live settlements are in the balances; deleted ones between the two go as well
    # (from the member to themselves, they could never be restored).
    live = select(func.coalesce(func.sum(Settlement.amount), 0)).where(
        between, Settlement.deleted_at.is_(None)
    )
    collapsed = int(db.session.scalar(live) or 0)
    db.session.execute(delete(Settlement).where(between))
    _move_rows(group, guest_id, user_id)
    moved = running_totals.Totals(
        paid=guest_membership.paid,
        owed=guest_membership.owed,
        sent=guest_membership.sent - collapsed,
        received=guest_membership.received - collapsed,
    )
    running_totals.record_change(group.id, running_totals.NOTHING, {user_id: moved})
    db.session.delete(guest_membership)
    db.session.delete(guest)
    db.session.flush()
    for expense in changed:
        db.session.expire(expense)  # its rows moved under the ORM (Core UPDATEs)
        subject = ("expense", expense.id)
        after = activity.of_expense(expense)
        activity.record(
            group.id, actor.user_id, "expense.updated", subject, before[expense.id], after
        )
    subject = ("member", guest_id)
    activity.record(group.id, actor.user_id, "member.removed", subject, guest_before, None)
    db.session.execute(delete(User).where(User.id == guest_id, User.is_guest.is_(True)))
    db.session.commit()
    db.session.refresh(target)
    return target
