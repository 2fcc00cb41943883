"""The shapes of settlements: recording one, showing one, listing them."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.database import utc_today
from expense_tracker.fields import CalendarDate, Text, Timestamp
from expense_tracker.groups.fields import user_id_field
from expense_tracker.models.group import NOTE_MAX_LENGTH
from expense_tracker.money_fields import Amount, Currency
from expense_tracker.schemas import InputSchema, OutputSchema, PaginationQuerySchema


class SettlementCreateSchema(InputSchema):
    to_user = user_id_field(
        required=True, metadata={"description": "Not `from_user`.", "example": 2}
    )
    amount = Amount(required=True)
    from_user = user_id_field(metadata={"description": "Default: you.", "example": 1})
    currency = Currency()
    date = CalendarDate(load_default=utc_today)
    note = Text(max_length=NOTE_MAX_LENGTH, load_default="")


class SettlementSchema(OutputSchema):
    id = ma.fields.Integer()
    group_id = ma.fields.Integer()
    from_user = ma.fields.Integer(attribute="from_user_id")
    to_user = ma.fields.Integer(attribute="to_user_id")
    amount = Amount()
    currency = ma.fields.String()
    date = ma.fields.Date()
    note = ma.fields.String()
    created_by = ma.fields.Integer()
    created_at = Timestamp()


class DeletedSettlementSchema(SettlementSchema):
    """A settlement of the `?deleted=only` list: who deleted it, and when."""

    deleted_at = Timestamp()
    deleted_by = ma.fields.Integer()


class SettlementQuerySchema(PaginationQuerySchema):
    deleted = ma.fields.String(
        validate=ma.validate.OneOf(["only"]),
        metadata={"description": "`only`: the deleted ones instead, which can be restored."},
    )
