"""Merging a guest into an account: it moves money, so it needs two yeses.

The two sides are **the receiving account** (a current member with an account) and **an
owner**; an owner receiving a guest agrees as both. Whoever added the guest has no right
of their own. A caller on one side only gets a pending request (`GuestMerge`) that the
other side accepts or declines: the receiving account, when an owner asked (no other owner
can stand in for it); any owner, when the receiving account asked.

Everything runs under the group's lock (`access.member_group_for_update`), which guest
removal, leaving and every money write take too, so a request is checked against the
group as it is when it is accepted: the guest still a member and not merged, the account
still a member, the asker still on their side, no expense holding both.

The merge itself moves every row of the guest in the group onto the account, in one
transaction: payer and split rows (with their paid flags), settlements, the running
totals, the templates of the group's recurring series and the activity attribution. A
settlement between the two becomes a payment to oneself: it is deleted (`settlement.
deleted`); any other settlement of the guest's moves (`settlement.updated`), so that the
change feed and the people concerned hear of it. Every net afterwards is the sum of the
two before. Then the guest is gone.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, delete, exists, or_, select, update

from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups import activity, running_totals
from expense_tracker.groups.guests import GuestNotFound, current_guest
from expense_tracker.groups.schemas.guests import GuestMergeRequestSchema
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
from expense_tracker.models.guest import GuestMerge

_request = GuestMergeRequestSchema()


class NotAllowedToMergeGuest(Forbidden):
    detail = "Only the receiving account or an owner may merge a guest."


class NotTheOtherSide(Forbidden):
    detail = (
        "Only the side that did not ask may accept: the receiving account when an owner "
        "asked, an owner when the receiving account asked."
    )


class NotASide(Forbidden):
    detail = "Only the receiving account or an owner may decline this request."


class MergeRequestNotFound(NotFound):
    detail = "No such merge request in this group."


class MergeNoLongerApplies(Conflict):
    detail = "This merge request no longer applies."


class GuestSharesAnExpense(Conflict):
    detail = (
        "This member already pays for or shares in an expense of the guest; "
        "change that expense first."
    )


class SeriesNamesBoth(Conflict):
    detail = (
        "A recurring series of this group names both the guest and this member; change it first."
    )


def of_request(request: GuestMerge) -> dict[str, Any]:
    return _request.dump(request)


# --------------------------------------------------------------------------- the routes


def merge_or_request(
    group: Group, actor: GroupMember, guest_id: int, user_id: int
) -> GroupMember | GuestMerge:
    """`POST .../guests/{guest_id}/merge`: the merged member when the caller's yes is the
    second (an owner receiving the guest, or the other side of a pending request), else
    the pending request holding the caller's yes."""
    guest = current_guest(group, guest_id)
    receiving = actor.user_id == user_id
    if not (receiving or actor.is_owner):
        raise NotAllowedToMergeGuest()
    target = _target(group, user_id, guest_id)
    _check_mergeable(group, guest_id, user_id)
    pending = db.session.scalar(
        _pending().where(GuestMerge.guest_id == guest_id, GuestMerge.user_id == user_id)
    )
    if receiving and actor.is_owner:
        return _merge(group, actor, guest, target)
    if pending is not None and _asker_still_agrees(group, pending):
        if _is_other_side(pending, actor):
            return _merge(group, actor, guest, target)
        return pending  # the same side asking again: their yes is already there
    if pending is not None:  # the asker is no longer an owner: a new yes replaces theirs
        _decide(pending, actor, "lapsed")
    return _ask(group, actor, guest_id, user_id)


def accept(group: Group, actor: GroupMember, merge_id: int) -> GroupMember:
    """The other side's yes: the merge, if it still applies (409 otherwise)."""
    request = _request_in(group, merge_id)
    if not _is_other_side(request, actor):
        raise NotTheOtherSide()
    if request.status != "pending":
        raise MergeNoLongerApplies(f"This merge request is {request.status} already.")
    assert request.guest_id is not None  # pending requests name their guest (a CHECK)
    try:
        guest = current_guest(group, request.guest_id)
    except GuestNotFound:
        raise MergeNoLongerApplies("The guest is no longer a member of this group.") from None
    try:
        target = _target(group, request.user_id, request.guest_id)
    except ValidationFailed:
        raise MergeNoLongerApplies("The receiving account is no longer a member.") from None
    if not _asker_still_agrees(group, request):
        raise MergeNoLongerApplies("The owner who asked is no longer an owner of this group.")
    _check_mergeable(group, request.guest_id, request.user_id)
    return _merge(group, actor, guest, target)


def decline(group: Group, actor: GroupMember, merge_id: int) -> None:
    """Either side's no (the asker may withdraw their own yes)."""
    request = _request_in(group, merge_id)
    sides = {request.user_id, request.requested_by}
    if not (actor.user_id in sides or actor.is_owner):
        raise NotASide()
    if request.status != "pending":
        raise MergeNoLongerApplies(f"This merge request is {request.status} already.")
    assert request.guest_id is not None
    before = of_request(request)
    _decide(request, actor, "declined")
    db.session.flush()
    subject = ("member", request.guest_id)
    activity.record(group.id, actor.user_id, "merge.declined", subject, before, of_request(request))
    db.session.commit()


def pending_requests(group: Group) -> list[GuestMerge]:
    """The requests that can still be accepted, oldest first: pending, with their guest and
    their receiving account both current members and the asker still on their side (a
    request of an account that left and comes back waits again)."""
    current = select(GroupMember.user_id).where(
        GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
    )
    owners = current.where(GroupMember.role == "owner")
    return list(
        db.session.scalars(
            select(GuestMerge)
            .where(
                GuestMerge.group_id == group.id,
                GuestMerge.status == "pending",
                GuestMerge.guest_id.in_(current),
                GuestMerge.user_id.in_(current),
                or_(
                    GuestMerge.requested_by == GuestMerge.user_id,
                    GuestMerge.requested_by.in_(owners),
                ),
            )
            .order_by(GuestMerge.id)
        )
    )


# --------------------------------------------------------------------------- the two sides


def _pending() -> Select[GuestMerge]:
    return (
        select(GuestMerge)
        .where(GuestMerge.status == "pending")
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _request_in(group: Group, merge_id: int) -> GuestMerge:
    request = db.session.scalar(
        select(GuestMerge)
        .where(GuestMerge.id == merge_id, GuestMerge.group_id == group.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise MergeRequestNotFound()
    return request


def _asked_by_receiver(request: GuestMerge) -> bool:
    return request.requested_by == request.user_id


def _is_other_side(request: GuestMerge, actor: GroupMember) -> bool:
    """Whether `actor`'s yes is the one `request` waits for. When an owner asked, only the
    receiving account can give it: another owner agreeing would still be no yes of the
    person whose balance takes the guest's debts."""
    if _asked_by_receiver(request):
        return actor.is_owner and actor.user_id != request.requested_by
    return actor.user_id == request.user_id


def _asker_still_agrees(group: Group, request: GuestMerge) -> bool:
    """The asker's yes counts while they are on their side: the receiving account (whose
    membership `_target` checks) or an owner still."""
    if _asked_by_receiver(request):
        return True
    asker = db.session.get(GroupMember, (group.id, request.requested_by))
    return asker is not None and asker.is_owner


def _ask(group: Group, actor: GroupMember, guest_id: int, user_id: int) -> GuestMerge:
    request = GuestMerge(
        group_id=group.id, guest_id=guest_id, user_id=user_id, requested_by=actor.user_id
    )
    db.session.add(request)
    db.session.flush()
    # The other side hears of it: the receiving account (in the snapshot), or the owners
    # when the receiving account asked.
    owners: list[int] = []
    if user_id == actor.user_id:
        owners = list(
            db.session.scalars(
                select(GroupMember.user_id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.role == "owner",
                    GroupMember.left_at.is_(None),
                )
            )
        )
    subject = ("member", guest_id)
    after = of_request(request)
    activity.record(
        group.id, actor.user_id, "merge.requested", subject, None, after, concerned=owners
    )
    db.session.commit()
    return request


def _decide(request: GuestMerge, actor: GroupMember, status: str) -> None:
    request.status = status
    request.decided_by = actor.user_id
    request.decided_at = utcnow()


# --------------------------------------------------------------------------- the checks


def _target(group: Group, user_id: int, guest_id: int) -> GroupMember:
    membership = db.session.get(GroupMember, (group.id, user_id), populate_existing=True)
    if membership is None or not membership.is_current:
        raise ValidationFailed.field("user_id", "Not a current member of this group.")
    if membership.user.is_guest or user_id == guest_id:
        raise ValidationFailed.field("user_id", "Must be a member with an account, not a guest.")
    return membership


def _check_mergeable(group: Group, guest_id: int, user_id: int) -> None:
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


def _merge(
    group: Group, actor: GroupMember, guest: GroupMember, target: GroupMember
) -> GroupMember:
    """Move every row of the guest onto `target`, log each change, remove the guest and
    settle every request naming the guest; commits."""
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
    _settle_requests(actor, guest_id, user_id)
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
    (`_check_mergeable` made sure none names both)."""

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
    db.session.execute(
        update(expenses)
        .where(expenses.c.id.in_(_expenses_of(guest_id).scalar_subquery()))
        .values(version=expenses.c.version + 1, updated_at=utcnow())
    )
    for table in (payers, splits):
        db.session.execute(update(table).where(table.c.user_id == guest_id).values(user_id=user_id))
    # Activity attribution (a guest cannot sign in, but history may name them as actor).
    for model, column in ((Activity, "actor_id"), (Comment, "author_id")):
        table = model.__table__
        db.session.execute(
            update(table)
            .where(table.c.group_id == group.id, table.c[column] == guest_id)
            .values({column: user_id})
        )


def _settle_requests(actor: GroupMember, guest_id: int, user_id: int) -> None:
    """The merge answers every pending request naming the guest: the one into this account
    is accepted (whether it was accepted or the caller agreed as both), the others lapse."""
    for request in db.session.scalars(_pending().where(GuestMerge.guest_id == guest_id)):
        _decide(request, actor, "accepted" if request.user_id == user_id else "lapsed")
    db.session.flush()
