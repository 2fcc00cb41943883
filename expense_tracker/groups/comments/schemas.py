"""Comments on group expenses."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.fields import Text, Timestamp
from expense_tracker.models.history import COMMENT_MAX_LENGTH
from expense_tracker.schemas import InputSchema, OutputSchema


class CommentCreateSchema(InputSchema):
    body = Text(required=True, min_length=1, max_length=COMMENT_MAX_LENGTH)


class CommentSchema(OutputSchema):
    id = ma.fields.Integer()
    expense_id = ma.fields.Integer()
    author_id = ma.fields.Integer()
    body = ma.fields.String(
        allow_none=True,
        metadata={"description": "Null only in activity entries of a deleted comment."},
    )
    created_at = Timestamp()
    redacted = ma.fields.Boolean(
        dump_default=False,
        metadata={
            "description": "True only in activity entries of a deleted comment, whose text "
            "was removed."
        },
    )
