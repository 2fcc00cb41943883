"""The change feed's query and answer."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.schemas import OutputSchema, QuerySchema
from expense_tracker.sync.documents import TYPES

MAX_LIMIT = 500


class ChangesQuerySchema(QuerySchema):
    cursor = ma.fields.String(
        validate=ma.validate.Length(min=1, max=8192),
        metadata={"description": "The `cursor` of the previous answer; none: from the start."},
    )
    limit = ma.fields.Integer(load_default=200, validate=ma.validate.Range(min=1, max=MAX_LIMIT))


class ChangeSchema(OutputSchema):
    type = ma.fields.String(metadata={"enum": list(TYPES)})
    id = ma.fields.Integer(metadata={"description": "For a `member`, their user id."})
    group_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: personal."})
    deleted = ma.fields.Boolean(
        metadata={"description": "Gone, or no longer visible to you (a group you left)."}
    )
    data = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "The object as `GET` on it answers now; null when deleted."},
    )


class ChangesSchema(OutputSchema):
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema))
    cursor = ma.fields.String(metadata={"description": "Send it on the next call."})
    has_more = ma.fields.Boolean(
        metadata={"description": "Call again at once with `cursor`: this window is not done."}
    )
