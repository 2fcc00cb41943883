"""The merge itself: a guest's rows in a group become a member's, in one transaction.

It moves every row of the guest in the group onto the account: payer and split rows (with
their paid flags), settlements, the running totals, the templates of the group's recurring
series and the activity attribution. A settlement between the two becomes a payment to
oneself: it is deleted (`settlement.deleted`); any other settlement of the guest's moves
(`settlement.updated`), so that the change feed and the people concerned hear of it. Every
net afterwards is the sum of the two before. Then the guest is gone.

Who may merge, and when, is not decided here: `merges` (the two yeses) calls
`receiving_member` and `check_mergeable` while it weighs a request, and `merge` once both
sides agree, under the group's lock, and hands it the answering of the requests that name
the guest (they must be answered while the guest still exists).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, exists, or_, select, update

from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.balances import running_totals
from expense_tracker.groups.expenses import documents as expense_documents
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


class GuestSharesAnExpense(Conflict):
    detail = (
        "This member already pays for or shares in an expense of the guest; "
        "change that expense first."
    )


class SeriesNamesBoth(Conflict):
    detail = (
        "A recurring series of this group names both the guest and this member; change it first."
    )


# --------------------------------------------------------------------------- the checks


def receiving_member(group: Group, user_id: int, guest_id: int) -> GroupMember:
    membership = db.session.get(GroupMember, (group.id, user_id), populate_existing=True)
    if membership is None or not membership.is_current:
        raise ValidationFailed.field("user_id", "Not a current member of this group.")
    if membership.user.is_guest or user_id == guest_id:
        raise ValidationFailed.field("user_id", "Must be a member with an account, not a guest.")
    return membership


def check_mergeable(group: Group, guest_id: int, user_id: int) -> None:
    """409 when one expense (live or deleted: a restore would bring it back) has rows of
    both, or a recurring series of the group names both."""

    def involves(user: int) -> Any:
        return or_(
            exists().where(
                ExpensePayer.expense_id == GroupExpense.id, ExpensePayer.user_id == user
            ),
            exists().where(
                ExpenseSplit.expense_id == GroupExpense.id, ExpenseSplit.user_id == user
            ),
        )

    both = exists().where(GroupExpense.group_id == group.id, involves(guest_id), involves(user_id))
    if db.session.scalar(select(both)):
        raise GuestSharesAnExpense()
    for template in db.session.scalars(
        select(RecurringSeries.template).where(RecurringSeries.group_id == group.id)
    ):
        for ids in _named_lists(json.loads(template)):
            if guest_id in ids and user_id in ids:
                raise SeriesNamesBoth()


def _named_lists(template: dict[str, Any]) -> list[list[int]]:
    lists = [list(template.get("participants") or [])]
    lists += [
        [entry["user_id"] for entry in template.get(name) or []] for name in ("payers", "splits")
    ]
    return lists


# --------------------------------------------------------------------------- the merge


def merge(
    group: Group,
    actor: GroupMember,
    guest: GroupMember,
    target: GroupMember,
    *,
    settle_requests: Callable[[], None],
) -> GroupMember:
    """Move every row of the guest onto `target`, log each change, remove the guest and
    settle every request naming the guest (`settle_requests`, called once the rows have
    moved and before the guest goes: a pending request must name its guest); commits."""
    guest_id, user_id = guest.user_id, target.user_id
    _merge_templates(group, guest_id, user_id)
    # The activity log shows each live expense the merge changes, as any edit would.
    changed = list(
        db.session.scalars(
            select(GroupExpense).where(
                GroupExpense.id.in_(_expenses_of(guest_id).scalar_subquery()),
                GroupExpense.deleted_at.is_(None),
            )
        )
    )
    before = {expense.id: activity.of_expense(expense) for expense in changed}
    guest_before = activity.of_member(guest)
    collapsed = _move_settlements(group, actor, guest_id, user_id)
    _move_rows(group, guest_id, user_id)
    moved = running_totals.Totals(
        paid=guest.paid,
        owed=guest.owed,
        sent=guest.sent - collapsed,
        received=guest.received - collapsed,
    )
    running_totals.record_change(group.id, running_totals.NOTHING, {user_id: moved})
    settle_requests()
    db.session.execute(delete(GroupGuest).where(GroupGuest.user_id == guest_id))
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
    # The guest's own row goes last: every row naming them has moved by now (the requests
    # that named them keep their outcome, `guest_id` NULL).
    db.session.execute(delete(User).where(User.id == guest_id, User.is_guest.is_(True)))
    db.session.commit()
    db.session.refresh(target)
    return target


def _merge_templates(group: Group, guest_id: int, user_id: int) -> None:
    """The group's series templates name the account wherever they named the guest
    (`check_mergeable` made sure none names both)."""

    def swap(value: int) -> int:
        return user_id if value == guest_id else value

    for series in db.session.scalars(
        select(RecurringSeries).where(RecurringSeries.group_id == group.id).with_for_update()
    ):
        template = json.loads(series.template)
        if "paid_by" in template:
            template["paid_by"] = swap(template["paid_by"])
        if "participants" in template:
            template["participants"] = [swap(uid) for uid in template["participants"]]
        for name in ("payers", "splits"):
            for entry in template.get(name) or []:
                entry["user_id"] = swap(entry["user_id"])
        series.template = json.dumps(template, sort_keys=True)


def _move_settlements(group: Group, actor: GroupMember, guest_id: int, user_id: int) -> int:
    """Each settlement of the guest's moves to the account (`settlement.updated`), or is
    deleted when it is between the two (`settlement.deleted`: a payment to oneself is no
    payment, and could never be restored); the live amount deleted.

    Deleted settlements move (or go) too, unlogged: nobody sees them in a balance, and a
    restore logs them as they are then.
    """
    collapsed = 0
    settlements = db.session.scalars(
        select(Settlement)
        .where(
            Settlement.group_id == group.id,
            or_(Settlement.from_user_id == guest_id, Settlement.to_user_id == guest_id),
        )
        .order_by(Settlement.id)
        .with_for_update()
    )
    for settlement in list(settlements):
        live = not settlement.is_deleted
        before = activity.of_settlement(settlement)
        subject = ("settlement", settlement.id)
        if user_id in (settlement.from_user_id, settlement.to_user_id):
            db.session.delete(settlement)
            db.session.flush()
            if live:
                collapsed += settlement.amount
                activity.record(
                    group.id, actor.user_id, "settlement.deleted", subject, before, None
                )
            continue
        if settlement.from_user_id == guest_id:
            settlement.from_user_id = user_id
        else:
            settlement.to_user_id = user_id
        db.session.flush()  # a new version (ETag), as after any change
        if live:
            after = activity.of_settlement(settlement)
            activity.record(group.id, actor.user_id, "settlement.updated", subject, before, after)
    return collapsed


def _expenses_of(user_id: int) -> Any:
    """The ids of the expenses `user_id` pays for or shares in."""
    payers, splits = ExpensePayer.__table__, ExpenseSplit.__table__
    return (
        select(payers.c.expense_id)
        .where(payers.c.user_id == user_id)
        .union(select(splits.c.expense_id).where(splits.c.user_id == user_id))
    )


def _move_rows(group: Group, guest_id: int, user_id: int) -> None:
    """Payer and split rows of the guest become the account's; the expenses they belong to
    get a new version (ETag), as after any change of theirs."""
    expenses, payers, splits = (
        GroupExpense.__table__,
        ExpensePayer.__table__,
        ExpenseSplit.__table__,
    )
    moved = db.session.scalars(_expenses_of(guest_id)).all()
    db.session.execute(
        update(expenses)
        .where(expenses.c.id.in_(_expenses_of(guest_id).scalar_subquery()))
        .values(version=expenses.c.version + 1, updated_at=utcnow())
    )
    for table in (payers, splits):
        db.session.execute(update(table).where(table.c.user_id == guest_id).values(user_id=user_id))
    # Their new versions' documents, in the same transaction.
    expense_documents.rebuild(moved)
    # Activity attribution (a guest cannot sign in, but history may name them as actor).
    for model, column in ((Activity, "actor_id"), (Comment, "author_id")):
        table = model.__table__
        db.session.execute(
            update(table)
            .where(table.c.group_id == group.id, table.c[column] == guest_id)
            .values({column: user_id})
        )
