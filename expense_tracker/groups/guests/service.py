"""Guest members: people without an account in a group.

A guest is a `User` with `is_guest` (no email, no password: nothing can sign in as them)
and a membership like anyone's, so they pay, share, settle and are removed by the same
code as every member. `GroupGuest` says which group they belong to and who added them.
Merging one into an account is `merges`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, func, select

from expense_tracker.errors import LimitReached
from expense_tracker.extensions import db
from expense_tracker.groups.activity import log as activity
from expense_tracker.models import Group, GroupGuest, GroupMember, User

# Guests are added by any member and cost rows in every list and balance of the group.
MAX_GUESTS_PER_GROUP = 200


def add_guest(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> GroupMember:
    """Any current member adds a guest: a member who can take part but cannot sign in.

    The caller holds the group's lock (`access.member_group_for_update`), which keeps the
    count true until the guest lands: concurrent adds take turns.
    """
    membership = add_guest_member(group, actor, data)
    db.session.commit()
    return membership


def add_guest_member(group: Group, actor: GroupMember, data: Mapping[str, Any]) -> GroupMember:
    """`add_guest` within the caller's transaction (the caller commits)."""
    if current_guest_count(group.id) >= MAX_GUESTS_PER_GROUP:
        raise LimitReached(f"A group holds at most {MAX_GUESTS_PER_GROUP} guests.")
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
    return membership


def current_guest_count(group_id: int) -> int:
    """The group's guests who are still members (a removed guest no longer counts)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(GroupGuest)
            .join(
                GroupMember,
                and_(
                    GroupMember.group_id == GroupGuest.group_id,
                    GroupMember.user_id == GroupGuest.user_id,
                ),
            )
            .where(GroupGuest.group_id == group_id, GroupMember.left_at.is_(None))
        )
        or 0
    )
