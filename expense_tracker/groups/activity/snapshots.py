"""What an activity entry keeps of its subject: the representation `GET` on it answers
(the response schemas' dump), taken while the write still holds the rows, so that an old
entry shows the old values. The one place outside the views that dumps a resource for
the groups feature; the change feed's counterpart is sync/documents.py.

People are ids here: no name, no email (names are added when an entry is read), and the
invite code never appears.
"""

from __future__ import annotations

from typing import Any

from expense_tracker.groups.comments.schemas import CommentSchema
from expense_tracker.groups.expenses.schemas import GroupExpenseSchema
from expense_tracker.groups.guests.schemas import GuestMergeRequestSchema
from expense_tracker.groups.schemas import GroupSchema, MemberSchema
from expense_tracker.groups.settlements.schemas import SettlementSchema
from expense_tracker.models import Comment, Group, GroupExpense, GroupMember, Settlement
from expense_tracker.models.guest import GuestMerge

_expense = GroupExpenseSchema()
_settlement = SettlementSchema()
# People are ids in an entry: no name, no email (names are added when it is read).
_PERSONAL = ("full_name", "email")
_group = GroupSchema(exclude=("invite_code", *(f"members.{field}" for field in _PERSONAL)))
_member = MemberSchema(exclude=_PERSONAL)
_comment = CommentSchema()
_merge_request = GuestMergeRequestSchema()


def of_expense(expense: GroupExpense) -> dict[str, Any]:
    return _expense.dump(expense)


def of_settlement(settlement: Settlement) -> dict[str, Any]:
    return _settlement.dump(settlement)


def of_group(group: Group) -> dict[str, Any]:
    """The group's full view, without its invite code (a secret an entry must not keep)
    and with its members as ids (no names, no emails)."""
    return _group.dump(group)


def of_member(member: GroupMember) -> dict[str, Any]:
    """The member as an id, role and dates: no name, no email."""
    return _member.dump(member)


def of_comment(comment: Comment) -> dict[str, Any]:
    return _comment.dump(comment)


def of_merge_request(request: GuestMerge) -> dict[str, Any]:
    return _merge_request.dump(request)
