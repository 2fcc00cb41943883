"""Whose email a member representation shows, and to whom.

Emails of other people are shown only in invite-only groups, and only to their current
members (the only people who can read a member list at all). In an open group anyone may
join, so there a member list, a group's full view, a member in the change feed and every
other answer show names only. A person always sees their own email; a former member and
a deleted account never show one. The join policy is read when the answer is built, so
changing it changes what is shown from then on.

The viewer is the signed-in caller of the request being answered; outside a request
(commands, activity snapshots) nobody is a viewer and no email is shown.
"""

from __future__ import annotations

from flask import has_request_context
from flask_jwt_extended import get_current_user

from expense_tracker.extensions import db
from expense_tracker.models import Group, GroupMember


def viewer_id() -> int | None:
    """The id of the signed-in caller of the current request, or None."""
    if not has_request_context():
        return None
    try:
        user = get_current_user()
    except RuntimeError:  # a request without a verified token
        return None
    return None if user is None else int(user.id)


def _group_is_open(group_id: int) -> bool:
    # The group is almost always in the session already (the view's access check loaded
    # it): `get` answers from the identity map without a query.
    group = db.session.get(Group, group_id)
    return group is None or group.is_open


def visible_email(member: GroupMember) -> str | None:
    """The member's email as the current caller may see it (None: not to be shown)."""
    email = member.user.email
    if email is None or not member.is_current or member.user.is_deleted:
        return None
    viewer = viewer_id()
    if viewer is None:
        return None
    if viewer == member.user_id:
        return email
    return None if _group_is_open(member.group_id) else email
