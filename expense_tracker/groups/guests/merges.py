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

This module is the requests protocol; the merge itself, which moves the guest's rows onto
the account in one transaction, is `merge_rows`.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, Forbidden, ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups import access
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.activity.snapshots import of_merge_request as of_request
from expense_tracker.groups.errors import GuestNotFound
from expense_tracker.groups.guests import merge_rows as guest_merge_rows
from expense_tracker.models import Group, GroupMember
from expense_tracker.models.guest import GuestMerge


class NotAllowedToMergeGuest(Forbidden):
    detail = "Only the receiving account or an owner may merge a guest."


class NotTheOtherSide(Forbidden):
    detail = (
        "Only the side that did not ask may accept: the receiving account when an owner "
        "asked, an owner when the receiving account asked."
    )


class NotASide(Forbidden):
    detail = "Only the receiving account or an owner may decline this request."


class MergeNoLongerApplies(Conflict):
    detail = "This merge request no longer applies."


# --------------------------------------------------------------------------- the routes


def merge_or_request(
    group: Group, actor: GroupMember, guest_id: int, user_id: int
) -> GroupMember | GuestMerge:
    """`POST .../guests/{guest_id}/merge`: the merged member when the caller's yes is the
    second (an owner receiving the guest, or the other side of a pending request), else
    the pending request holding the caller's yes."""
    guest = access.group_guest(group, guest_id)
    receiving = actor.user_id == user_id
    if not (receiving or actor.is_owner):
        raise NotAllowedToMergeGuest()
    target = guest_merge_rows.receiving_member(group, user_id, guest_id)
    guest_merge_rows.check_mergeable(group, guest_id, user_id)
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
    request = access.guest_merge(group, merge_id)
    if not _is_other_side(request, actor):
        raise NotTheOtherSide()
    if request.status != "pending":
        raise MergeNoLongerApplies(f"This merge request is {request.status} already.")
    assert request.guest_id is not None  # pending requests name their guest (a CHECK)
    try:
        guest = access.group_guest(group, request.guest_id)
    except GuestNotFound:
        raise MergeNoLongerApplies("The guest is no longer a member of this group.") from None
    try:
        target = guest_merge_rows.receiving_member(group, request.user_id, request.guest_id)
    except ValidationFailed:
        raise MergeNoLongerApplies("The receiving account is no longer a member.") from None
    if not _asker_still_agrees(group, request):
        raise MergeNoLongerApplies("The owner who asked is no longer an owner of this group.")
    guest_merge_rows.check_mergeable(group, request.guest_id, request.user_id)
    return _merge(group, actor, guest, target)


def decline(group: Group, actor: GroupMember, merge_id: int) -> None:
    """Either side's no (the asker may withdraw their own yes)."""
    request = access.guest_merge(group, merge_id)
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
    membership `guest_merge_rows.receiving_member` checks) or an owner still."""
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


# --------------------------------------------------------------------------- the merge


def _merge(
    group: Group, actor: GroupMember, guest: GroupMember, target: GroupMember
) -> GroupMember:
    """The second yes: the rows move (`guest_merge_rows.merge`) and every request naming
    the guest is answered; commits."""
    guest_id, user_id = guest.user_id, target.user_id

    def settle_requests() -> None:
        _settle_requests(actor, guest_id, user_id)

    return guest_merge_rows.merge(group, actor, guest, target, settle_requests=settle_requests)


def _settle_requests(actor: GroupMember, guest_id: int, user_id: int) -> None:
    """The merge answers every pending request naming the guest: the one into this account
    is accepted (whether it was accepted or the caller agreed as both), the others lapse."""
    for request in db.session.scalars(_pending().where(GuestMerge.guest_id == guest_id)):
        _decide(request, actor, "accepted" if request.user_id == user_id else "lapsed")
    db.session.flush()
