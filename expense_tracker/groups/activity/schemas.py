"""The activity log's entries and the feeds' filters."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import Timestamp
from expense_tracker.groups.fields import user_id_field
from expense_tracker.models.history import ACTIVITY_KINDS, SUBJECT_TYPES
from expense_tracker.schemas import OutputSchema, PaginationQuerySchema

_PRIVACY = (
    "People are shown by their current `full_name` (a deleted account: `Deleted user`), "
    "never by email (`email` is null). A deleted comment's text is removed from every "
    "entry: `body` null, `redacted` true."
)


class ActivitySchema(OutputSchema):
    id = ma.fields.Integer()
    group_id = ma.fields.Integer()
    actor_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(ACTIVITY_KINDS)})
    subject_type = ma.fields.String(metadata={"enum": list(SUBJECT_TYPES)})
    subject_id = ma.fields.Integer()
    at = Timestamp()
    before = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "The subject as `GET` answered just before the change. " + _PRIVACY
        },
    )
    after = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "The subject as `GET` answered just after the change. " + _PRIVACY
        },
    )


class GroupActivityQuerySchema(PaginationQuerySchema):
    kind = ma.fields.String(validate=ma.validate.OneOf(ACTIVITY_KINDS))
    subject_type = ma.fields.String(validate=ma.validate.OneOf(SUBJECT_TYPES))
    subject_id = user_id_field(strict=False, metadata={"description": "With `subject_type`."})
    actor_id = user_id_field(strict=False)


class MyActivityQuerySchema(PaginationQuerySchema):
    group_id = user_id_field(strict=False)
