"""Scoping helpers: every load keyed by a client-supplied id goes through here.

Each helper (`member_group`, `visible_group`, `managed_group`, `group_expense`,
`group_settlement`, `expense_comment`, `group_guest`, ...; deleted expenses and
settlements with `deleted=True`) answers 404 for anything the caller may not see, so another
person's ids cannot leak through a forgotten check. The helpers for writes
(`member_group_for_update`, `managed_group`, `joinable_group`, `invited_group`) take the
group's row lock (PostgreSQL), so that concurrent writes to one group take turns; read
views use the others. Joining and account deletion take the account's own row first
(`lock_account`), before any group's.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from expense_tracker.database import utcnow
from expense_tracker.errors import Unauthorized
from expense_tracker.extensions import db
from expense_tracker.groups.errors import (
    CommentNotFound,
    GroupExpenseNotFound,
    GroupNotFound,
    GuestNotFound,
    MemberNotFound,
    MergeRequestNotFound,
    NotOwner,
    SettlementNotFound,
    UnknownInviteCode,
)
from expense_tracker.http import reads
from expense_tracker.http.authentication import REVOKED
from expense_tracker.models import (
    Comment,
    Group,
    GroupExpense,
    GroupGuest,
    GroupMember,
    Settlement,
    User,
)
from expense_tracker.models.group import RESTORE_WINDOW
from expense_tracker.models.guest import GuestMerge


def lock_account(user: User) -> None:
    """Lock the caller's own row until the write commits, and read it afresh; 401 if the
    account has been deleted meanwhile.

    Joining a group and deleting the account both take it first, before any group's lock,
    so they take turns: a join either commits before the deletion reads the memberships it
    ends, or finds the account deleted. FOR NO KEY UPDATE rather than FOR UPDATE: a write
    in a group that adds rows naming this user (their split of a new expense) holds that
    group's lock and takes KEY SHARE on this row, and must not wait for a deletion that is
    waiting for that group.
    """
    locked = db.session.scalar(
        select(User)
        .where(User.id == user.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.is_deleted:
        raise Unauthorized(REVOKED)


def _load_group(group_id: int, *, lock: bool) -> Group | None:
    # A deleted group is hidden from everyone (only `restorable_group` finds it).
    statement = select(Group).where(Group.id == group_id, Group.deleted_at.is_(None))
    if lock:
        statement = statement.with_for_update()
    return db.session.scalar(statement)


def _membership(group_id: int, user_id: int) -> GroupMember | None:
    membership = db.session.get(GroupMember, (group_id, user_id))
    return membership if membership is not None and membership.is_current else None


# A read inside a group: the group and the caller's current membership, in one statement
# (built once: every read in a group runs it).
_IN_GROUP = (
    select(Group)
    .join(
        GroupMember,
        (GroupMember.group_id == Group.id)
        & (GroupMember.user_id == bindparam("user_id"))
        & GroupMember.left_at.is_(None),
    )
    .where(Group.id == bindparam("group_id"), Group.deleted_at.is_(None))
)
_GROUP_AND_MEMBERSHIP = _IN_GROUP.add_columns(GroupMember)
# A hot read's: the few facts of the group it uses (group_to_read). Its views declare it
# `reads.with_session_check`: it is then read in the session check's statement.
GROUP_TO_READ = _IN_GROUP.with_only_columns(Group.id, Group.currency, Group.expense_count)


def _member_group(group_id: int, user: User, *, lock: bool) -> tuple[Group, GroupMember]:
    if not lock:
        # A read: the group and the membership in one statement (every read in a group).
        row = db.session.execute(
            _GROUP_AND_MEMBERSHIP, {"group_id": group_id, "user_id": user.id}
        ).first()
        if row is None:
            raise GroupNotFound()
        return row[0], row[1]
    group = _load_group(group_id, lock=lock)
    membership = _membership(group_id, user.id) if group is not None else None
    if group is None or membership is None:
        raise GroupNotFound()
    return group, membership


def member_group(group_id: int, user: User) -> tuple[Group, GroupMember]:
    """The group and the caller's membership, to read; 404 unless the caller is a current member.

    Everything inside a group (members, expenses, balances, settlements) goes through
    here or through `member_group_for_update`: to a non-member it does not exist, even
    when the group itself is open.
    """
    return _member_group(group_id, user, lock=False)


class GroupFacts(Protocol):
    """What a hot read uses of a group: a `Group`, or the row `group_to_read` reads."""

    id: int
    currency: str
    expense_count: int


def group_to_read(group_id: int, user_id: int) -> GroupFacts:
    """As `member_group`, for a hot read (a view declared `lone_statements`): the group's
    id, currency and number of expenses, in one lean statement (reads.rows)."""
    row = reads.first(GROUP_TO_READ, {"group_id": group_id, "user_id": user_id})
    if row is None:
        raise GroupNotFound()
    found: GroupFacts = row
    return found


def member_group_for_update(group_id: int, user: User) -> tuple[Group, GroupMember]:
    """As `member_group`, with the group's row lock held until the write commits.

    Every write inside a group loads it through here: its rules read several rows (a
    balance is zero, another owner remains, who the members are), and the lock keeps
    them true until the change lands.
    """
    return _member_group(group_id, user, lock=True)


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


def _code_matches(sent: str | None, expected: str) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def joinable_group(group_id: int, user: User, invite_code: str | None) -> Group:
    """The group, locked, for `user` to join: open groups admit anyone, invite-only ones
    need their current code.

    An invite-only group with a missing or wrong code answers 404, as if it did not exist,
    unless the caller is already a member (joining then answers 409).
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
    return group


def invited_group(invite_code: str) -> Group:
    """The group, locked, whose invite code this is; 404 when none has."""
    group = db.session.scalar(
        select(Group)
        .where(Group.invite_code == invite_code, Group.deleted_at.is_(None))
        .with_for_update()
    )
    if group is None:
        raise UnknownInviteCode()
    return group


def group_expense(group: Group, expense_id: int, *, deleted: bool = False) -> GroupExpense:
    """Expense `expense_id` of `group`, with payers and splits; 404 if it is not this group's.
    A deleted expense is found only with `deleted` (to restore it), and then only it."""
    expense = db.session.scalar(
        select(GroupExpense)
        .where(
            GroupExpense.id == expense_id,
            GroupExpense.group_id == group.id,
            GroupExpense.deleted_at.is_not(None) if deleted else GroupExpense.deleted_at.is_(None),
        )
        .options(selectinload(GroupExpense.payers), selectinload(GroupExpense.splits))
    )
    if expense is None:
        raise GroupExpenseNotFound("No such deleted expense in this group." if deleted else None)
    return expense


def group_settlement(group: Group, settlement_id: int, *, deleted: bool = False) -> Settlement:
    """Settlement `settlement_id` of `group`; 404 if it is not this group's. A deleted
    settlement is found only with `deleted` (to restore it), and then only it."""
    settlement = db.session.scalar(
        select(Settlement).where(
            Settlement.id == settlement_id,
            Settlement.group_id == group.id,
            Settlement.deleted_at.is_not(None) if deleted else Settlement.deleted_at.is_(None),
        )
    )
    if settlement is None:
        raise SettlementNotFound("No such deleted settlement in this group." if deleted else None)
    return settlement


def expense_comment(expense: GroupExpense, comment_id: int) -> Comment:
    """Comment `comment_id` on this expense; 404 otherwise."""
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.expense_id == expense.id)
    )
    if comment is None:
        raise CommentNotFound()
    return comment


def group_guest(group: Group, guest_id: int) -> GroupMember:
    """The membership of guest `guest_id` of `group`; 404 unless they are a guest of this
    group who is still a member (a removed or merged guest is gone)."""
    membership = db.session.scalar(
        select(GroupMember)
        .join(GroupGuest, GroupGuest.user_id == GroupMember.user_id)
        .where(
            GroupGuest.group_id == group.id,
            GroupMember.group_id == group.id,
            GroupMember.user_id == guest_id,
            GroupMember.left_at.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    if membership is None:
        raise GuestNotFound()
    return membership


def guest_merge(group: Group, merge_id: int) -> GuestMerge:
    """Merge request `merge_id` of `group`, locked (it is about to be answered); 404 otherwise."""
    request = db.session.scalar(
        select(GuestMerge)
        .where(GuestMerge.id == merge_id, GuestMerge.group_id == group.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise MergeRequestNotFound()
    return request


def restorable_groups(user: User) -> Select[Group]:
    """The deleted groups `user` owns, still within the restore window."""
    owned = select(GroupMember.group_id).where(
        GroupMember.user_id == user.id,
        GroupMember.left_at.is_(None),
        GroupMember.role == "owner",
    )
    return select(Group).where(
        Group.id.in_(owned),
        Group.deleted_at.is_not(None),
        Group.deleted_at > utcnow() - RESTORE_WINDOW,
    )


def restorable_group(group_id: int, user: User) -> Group:
    """Deleted group `group_id`, locked, if `user` owns it and may still restore it; 404
    otherwise (a deleted group is found nowhere else)."""
    group = db.session.scalar(restorable_groups(user).where(Group.id == group_id).with_for_update())
    if group is None:
        raise GroupNotFound("No deleted group of yours with this id can be restored.")
    return group


def group_member(group: Group, user_id: int) -> GroupMember:
    """A current member of `group`; 404 for anyone else."""
    membership = _membership(group.id, user_id)
    if membership is None:
        raise MemberNotFound()
    return membership


def current_member_ids(group_id: int) -> set[int]:
    """The user ids of the group's current members."""
    return set(
        db.session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group_id, GroupMember.left_at.is_(None)
            )
        )
    )


def my_group_ids(user: User) -> Select[int]:
    """The ids of the (not deleted) groups `user` currently belongs to, as a subquery."""
    return (
        select(GroupMember.group_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(
            GroupMember.user_id == user.id,
            GroupMember.left_at.is_(None),
            Group.deleted_at.is_(None),
        )
    )
