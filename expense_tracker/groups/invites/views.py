"""Invitations: look at the group an invite code leads to before joining it."""

from __future__ import annotations

from expense_tracker.groups.blueprint import blp
from expense_tracker.groups.invites import service as invitations
from expense_tracker.groups.invites.schemas import InvitationSchema
from expense_tracker.http.api import auth_required
from expense_tracker.http.limits import invite_lookup_limits
from expense_tracker.models import Group


@blp.get("/groups/invites/<invite_code>")
@auth_required()
@invite_lookup_limits
@blp.response(200, InvitationSchema)
@blp.errors(404)
def get_invitation(invite_code: str) -> Group:
    """The group an invite code leads to, to say which group one is about to join

    404 for a code no group has (a replaced code, a deleted group). Limited like a password
    check, per client address and (failed look-ups) per user, so that codes cannot be
    guessed.
    """
    return invitations.invited_group(invite_code)
