"""Request and response shapes of notifications."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma

from expense_tracker.database import MAX_ID
from expense_tracker.fields import Timestamp
from expense_tracker.models.history import ACTIVITY_KINDS
from expense_tracker.schemas import InputSchema, OutputSchema, PaginationQuerySchema

MAX_IDS = 1000


class NotificationSchema(OutputSchema):
    id = ma.fields.Integer()
    activity_id = ma.fields.Integer()
    group_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(ACTIVITY_KINDS)})
    actor_id = ma.fields.Integer()
    at = Timestamp()
    read_at = Timestamp(allow_none=True)


class NotificationQuerySchema(PaginationQuerySchema):
    unread = ma.fields.Boolean(
        load_default=False, metadata={"description": "`true`: only the unread ones."}
    )


def _id(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class MarkReadSchema(InputSchema):
    ids = ma.fields.List(
        _id(),
        validate=ma.validate.Length(min=1, max=MAX_IDS),
        metadata={
            "description": "These notifications: every one must be yours (else 422, naming "
            "the others)."
        },
    )
    up_to = _id(metadata={"description": "Every notification with `id <= up_to`."})

    openapi_rules: ClassVar[dict[str, Any]] = {
        "oneOf": [{"required": ["ids"]}, {"required": ["up_to"]}]
    }

    @ma.validates_schema
    def one_of_them(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("ids" in data) == ("up_to" in data):
            raise ma.ValidationError("Send either ids or up_to.", field_name="ids")
