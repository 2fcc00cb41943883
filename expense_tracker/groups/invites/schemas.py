"""What an invite code tells its holder before they join."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.models.group import JOIN_POLICIES
from expense_tracker.schemas import OutputSchema


class InvitationSchema(OutputSchema):
    """The group an invite code leads to: enough to say which group one is about to join,
    nothing a member alone may see (no members, no code)."""

    group_id = ma.fields.Integer(attribute="id")
    name = ma.fields.String()
    member_count = ma.fields.Integer()
    join_policy = ma.fields.String(metadata={"enum": list(JOIN_POLICIES)})
