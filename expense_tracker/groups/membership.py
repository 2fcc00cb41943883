"""Group life and membership: create, change and delete groups, join, roles, leave."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from expense_tracker.database import utcnow
from expense_tracker.domain.text import casefold_key, like_pattern
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.groups import access
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.activity.log import of_member
from expense_tracker.groups.balances import service as balances
from expense_tracker.groups.errors import (
    AlreadyMember,
    CannotDemoteOwner,
    CannotRemoveOwner,
    CurrencyLocked,
    LastOwner,
    NotOwner,
    UnsettledBalance,
)
from expense_tracker.groups.order import name_order
from expense_tracker.models import Group, GroupExpense, GroupMember, Settlement, User

INVITE_CODE_BYTES = 18  # 24 URL-safe characters: not guessable


def _new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


def create_group(user: User, data: Mapping[str, Any]) -> Group:
    """Create a group; its creator is its first member and owner."""
    group = add_group(user, data)
    db.session.commit()
    return group


def add_group(user: User, data: Mapping[str, Any]) -> Group:
    """`create_group` within the caller's transaction (the caller commits)."""
    group = Group(
        name=data["name"],
        description=data["description"],
        currency=data.get("currency") or user.default_currency,
        join_policy=data["join_policy"],
        invite_code=_new_invite_code(),
        created_by=user.id,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=user.id, role="owner"))
    db.session.flush()
    after = activity.of_group(group)
    activity.record(group.id, user.id, "group.created", ("group", group.id), None, after)
    return group


def my_groups(user: User) -> Select[Group]:
    """The groups `user` currently belongs to, by name then id, members loaded."""
    return (
        select(Group)
        .where(Group.id.in_(access.my_group_ids(user)))
        .order_by(name_order(), Group.id)
        .options(selectinload(Group.current_members))
    )


def search_groups(user: User, text: str | None) -> Select[Group]:
    """Open groups and the caller's own whose name contains `text` (case-insensitive)."""
    statement = select(Group).where(
        or_(Group.join_policy == "open", Group.id.in_(access.my_group_ids(user)))
    )
    if text:
        pattern = like_pattern(casefold_key(text))
        statement = statement.where(Group.name_key.like(pattern, escape="\\"))
    return statement.order_by(name_order(), Group.id).options(selectinload(Group.current_members))


def _has_money(group: Group) -> bool:
    # Deleted expenses and settlements count: a restore would bring them back in the
    # currency they were recorded in.
    expenses = exists().where(GroupExpense.group_id == group.id)
    settlements = exists().where(Settlement.group_id == group.id)
    return bool(db.session.scalar(select(or_(expenses, settlements))))


def update_group(group: Group, actor: GroupMember, changes: Mapping[str, Any]) -> Group:
    """Change the group's details; its currency only while it holds no money."""
    currency = changes.get("currency")
    if currency is not None and currency != group.currency and _has_money(group):
        raise CurrencyLocked()
    before = activity.of_group(group)
    for name, value in changes.items():
        setattr(group, name, value)
    after = activity.of_group(group)
    if after != before:
        activity.record(
            group.id, actor.user_id, "group.updated", ("group", group.id), before, after
        )
    db.session.commit()
    return group


def rotate_invite_code(group: Group, actor: GroupMember) -> Group:
    """A new invite code; the old one stops working (the entry never shows the code)."""
    snapshot = activity.of_group(group)
    group.invite_code = _new_invite_code()
    subject = ("group", group.id)
    activity.record(group.id, actor.user_id, "invite_code.rotated", subject, snapshot, snapshot)
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
        raise AlreadyMember()
    now = utcnow()
    if membership is None:
        membership = GroupMember(group_id=group.id, user_id=user.id, role="member", joined_at=now)
        db.session.add(membership)
    else:
        membership.role = "member"
        membership.joined_at = now
        membership.left_at = None
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent join of the same user won the (group_id, user_id) primary key.
        db.session.rollback()
        raise AlreadyMember() from None
    subject = ("member", user.id)
    after = of_member(membership)
    owners = _owner_ids(group.id)
    activity.record(group.id, user.id, "member.joined", subject, None, after, concerned=owners)
    db.session.commit()
    return membership


def _owner_ids(group_id: int) -> set[int]:
    """The group's current owners: they hear when someone joins or leaves (in an open
    group, strangers may come and go)."""
    return set(
        db.session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group_id,
                GroupMember.role == "owner",
                GroupMember.left_at.is_(None),
            )
        )
    )


def join_group(group_id: int, user: User, invite_code: str | None) -> GroupMember:
    """Join by id: open groups admit anyone; invite-only ones need their current code.

    An invite-only group with a missing or wrong code answers 404, as if it did not exist,
    unless the caller is already a member (409). The account's row is locked first
    (`access.lock_account`), so a join and the account's deletion take turns.
    """
    access.lock_account(user)
    return _admit(access.joinable_group(group_id, user, invite_code), user)


def join_by_code(user: User, invite_code: str) -> GroupMember:
    """Join whichever group has this invite code; 404 when none has (the account's row
    locked first, as for `join_group`)."""
    access.lock_account(user)
    return _admit(access.invited_group(invite_code), user)


@dataclass(frozen=True)
class _Others:
    """Who else is in a group besides one user: its other current members and owners."""

    members: int = 0
    owners: int = 0


def _others(group_ids: Collection[int], user_id: int) -> dict[int, _Others]:
    """For each of these groups, how many current members and owners other than `user_id`.

    One grouped query, however many groups; a group with no one else is left out.
    """
    statement = (
        select(
            GroupMember.group_id,
            func.count(),
            func.count(case((GroupMember.role == "owner", 1))),
        )
        .where(
            GroupMember.group_id.in_(group_ids),
            GroupMember.user_id != user_id,
            GroupMember.left_at.is_(None),
        )
        .group_by(GroupMember.group_id)
    )
    return {
        group_id: _Others(members, owners)
        for group_id, members, owners in db.session.execute(statement)
    }


def _others_in(group_id: int, user_id: int) -> _Others:
    return _others([group_id], user_id).get(group_id, _Others())


def _leave(
    group: Group, membership: GroupMember, others: _Others, now: datetime, actor_id: int
) -> None:
    """End a membership under the leave rules, with its activity entry (the caller commits).

    The last member takes the group with them: it is deleted (hidden, its rows kept, and
    with no owner left, for good); the last owner cannot leave others behind (409).
    """
    if others.members and membership.role == "owner" and not others.owners:
        raise LastOwner.leaving()
    before = of_member(membership)
    membership.left_at = now
    leaving = actor_id == membership.user_id
    kind = "member.left" if leaving else "member.removed"
    owners = _owner_ids(group.id) if leaving else set()
    subject = ("member", membership.user_id)
    activity.record(group.id, actor_id, kind, subject, before, concerned=owners)
    if not others.members:
        group_before = activity.of_group(group)
        group.deleted_at, group.deleted_by = now, actor_id
        activity.record(group.id, actor_id, "group.deleted", ("group", group.id), group_before)


def change_role(actor: GroupMember, target: GroupMember, role: str) -> GroupMember:
    """An owner sets a member's role; 409 where the group would be left without an owner.

    An owner may step down but not demote another owner (403): otherwise the rule that an
    owner cannot remove another owner would be one PATCH away from meaningless.
    """
    if not actor.is_owner:
        raise NotOwner()
    if role == "owner" and target.guest:
        raise ValidationFailed.field("role", "A guest, who cannot sign in, cannot be an owner.")
    demoting = target.role == "owner" and role != "owner"
    if demoting and target.user_id != actor.user_id:
        raise CannotDemoteOwner()
    if demoting and not _others_in(target.group_id, target.user_id).owners:
        raise LastOwner()
    if target.role != role:
        before = of_member(target)
        target.role = role
        subject = ("member", target.user_id)
        kind = "member.role_changed"
        activity.record(target.group_id, actor.user_id, kind, subject, before, of_member(target))
    db.session.commit()
    return target


def remove_member(group: Group, actor: GroupMember, target: GroupMember) -> None:
    """Leave (yourself) or remove a member (an owner, not another owner).

    409 while the member's balance is not zero, or when the last owner would leave
    others behind. The last member to leave takes the group with them.

    Removing someone else also replaces the invite code, as `rotate_invite_code` does:
    the removed member knows the old one and could otherwise join again at once. Leaving
    by oneself keeps it.
    """
    removing_another = target.user_id != actor.user_id
    if removing_another:
        if not actor.is_owner:
            raise NotOwner("Only an owner may remove other members.")
        if target.role == "owner":
            raise CannotRemoveOwner()
    if balances.group_nets(group).get(target.user_id, 0):
        raise UnsettledBalance("This member's balance is not zero; settle up first.")
    _leave(group, target, _others_in(group.id, target.user_id), utcnow(), actor.user_id)
    if removing_another:  # the actor stays, so the group does
        group.invite_code = _new_invite_code()
    db.session.commit()


def leave_all_groups(user: User) -> None:
    """End every membership of an account being deleted (the caller holds the account's
    lock, `access.lock_account`, so no join can add one meanwhile, and commits).

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
    for group_id, net in balances.user_nets(user.id, groups.values()).items():
        if net:
            raise UnsettledBalance(
                f"You have a non-zero balance in the group {groups[group_id].name!r}."
            )
    others = _others(group_ids, user.id)
    now = utcnow()
    for membership in memberships:
        group = groups[membership.group_id]
        try:
            _leave(group, membership, others.get(group.id, _Others()), now, user.id)
        except LastOwner:
            raise LastOwner.deleting_account(group.name) from None
