"""Invitations: which group an invite code leads to, before joining it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expense_tracker.extensions import db
from expense_tracker.groups.errors import UnknownInviteCode
from expense_tracker.models import Group

# Codes are 24 characters (membership.INVITE_CODE_BYTES); anything much longer is none.
MAX_INVITE_CODE_LENGTH = 255


def invited_group(invite_code: str) -> Group:
    """The live group whose current invite code this is; 404 when none has.

    The code is the holder's whole right to see the group's name, as it is their right to
    join it; a read, so no lock (joining takes one: `access.invited_group`). Guessing is
    held back by the view's rate limits (`ratelimit.invite_lookup_limits`)."""
    if not invite_code or len(invite_code) > MAX_INVITE_CODE_LENGTH:
        raise UnknownInviteCode()
    group = db.session.scalar(
        select(Group)
        .where(Group.invite_code == invite_code, Group.deleted_at.is_(None))
        .options(selectinload(Group.current_members))
    )
    if group is None:
        raise UnknownInviteCode()
    return group
