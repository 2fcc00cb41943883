"""Request and response shapes of guests and of the requests to merge one into an account."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import Text, Timestamp
from expense_tracker.groups.fields import user_id_field
from expense_tracker.models.guest import MERGE_STATUSES
from expense_tracker.schemas import InputSchema, OutputSchema

FULL_NAME_MAX_LENGTH = 100  # as an account's


class GuestCreateSchema(InputSchema):
    full_name = Text(required=True, min_length=1, max_length=FULL_NAME_MAX_LENGTH)


class GuestMergeSchema(InputSchema):
    user_id = user_id_field(
        required=True,
        metadata={"description": "The current member with an account the guest becomes."},
    )


class GuestMergeRequestSchema(OutputSchema):
    """One side's yes to a merge, waiting for the other side's."""

    id = ma.fields.Integer()
    group_id = ma.fields.Integer()
    guest_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Null once the guest has been merged."}
    )
    user_id = ma.fields.Integer(metadata={"description": "The receiving account."})
    requested_by = ma.fields.Integer()
    created_at = Timestamp()
    status = ma.fields.String(metadata={"enum": list(MERGE_STATUSES)})
