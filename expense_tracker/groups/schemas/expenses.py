"""Request and response shapes of shared expenses: payers, splits, filters."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from expense_tracker.database import utc_today
from expense_tracker.fields import Amount, CalendarDate, Currency, DecimalString, Text, Timestamp
from expense_tracker.groups.schemas.common import (
    MAX_PERCENTAGE,
    MAX_SHARES,
    bounded_list,
    user_id_field,
)
from expense_tracker.models.expense import CATEGORY_MAX_LENGTH
from expense_tracker.models.group import (
    EXPENSE_DESCRIPTION_MAX_LENGTH,
    EXPENSE_NOTES_MAX_LENGTH,
    SPLIT_TYPES,
)
from expense_tracker.schemas import (
    InputSchema,
    KeysetPaginationQuerySchema,
    OutputSchema,
)


class PayerInputSchema(InputSchema):
    user_id = user_id_field(required=True)
    amount = Amount(required=True)


class SplitInputSchema(InputSchema):
    """One member's part; which value it carries depends on the expense's `split_type`."""

    user_id = user_id_field(required=True)
    amount = Amount(allow_zero=True, metadata={"description": "`exact` splits."})
    percentage = DecimalString(
        places=2,
        max_value=MAX_PERCENTAGE,
        metadata={"description": "`percentage` splits: > 0, at most 2 decimals, summing to 100."},
    )
    shares = DecimalString(
        places=2,
        max_value=MAX_SHARES,
        metadata={
            "example": "1.5",
            "description": "`shares` splits: > 0, at most 2 decimals, at most 1,000,000.",
        },
    )
    adjustment = Amount(
        signed=True, allow_zero=True, metadata={"description": "`adjustment` splits."}
    )


class _ExpenseFieldsSchema(InputSchema):
    description = Text(min_length=1, max_length=EXPENSE_DESCRIPTION_MAX_LENGTH)
    amount = Amount()
    currency = Currency()
    date = CalendarDate()
    category = Text(max_length=CATEGORY_MAX_LENGTH)
    notes = Text(max_length=EXPENSE_NOTES_MAX_LENGTH)
    paid_by = user_id_field(metadata={"description": "The one member who paid (default: you)."})
    payers = bounded_list(
        ma.fields.Nested(PayerInputSchema),
        metadata={"description": "Several payers; their amounts sum to the total."},
    )
    split_type = ma.fields.String(validate=ma.validate.OneOf(SPLIT_TYPES))
    participants = bounded_list(
        user_id_field(), metadata={"description": "`equal` only; default: every member."}
    )
    splits = bounded_list(ma.fields.Nested(SplitInputSchema))

    @ma.validates_schema
    def one_of_each_pair(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if "paid_by" in data and "payers" in data:
            errors["payers"] = ["Send either paid_by or payers, not both."]
        if "participants" in data and "splits" in data:
            errors["splits"] = ["Send either participants or splits, not both."]
        if errors:
            raise ma.ValidationError(errors)


class GroupExpenseCreateSchema(_ExpenseFieldsSchema):
    description = Text(required=True, min_length=1, max_length=EXPENSE_DESCRIPTION_MAX_LENGTH)
    amount = Amount(required=True)
    date = CalendarDate(load_default=utc_today)
    category = Text(max_length=CATEGORY_MAX_LENGTH, load_default="")
    notes = Text(max_length=EXPENSE_NOTES_MAX_LENGTH, load_default="")
    split_type = ma.fields.String(required=True, validate=ma.validate.OneOf(SPLIT_TYPES))


class GroupExpenseUpdateSchema(_ExpenseFieldsSchema):
    """Any field of the create body; what is not sent is kept."""


class PayerSchema(OutputSchema):
    user_id = ma.fields.Integer()
    amount = Amount()


class SplitSchema(OutputSchema):
    user_id = ma.fields.Integer()
    amount = Amount()
    percentage = DecimalString(places=2, max_value=MAX_PERCENTAGE)
    shares = DecimalString(places=2, max_value=MAX_SHARES)
    adjustment = Amount(signed=True)
    is_paid = ma.fields.Boolean()
    paid_at = Timestamp(allow_none=True)

    @ma.post_dump
    def only_the_split_types_input(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # percentage / shares / adjustment appear only on splits of that type.
        for name in ("percentage", "shares", "adjustment"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class GroupExpenseSchema(OutputSchema):
    id = ma.fields.Integer()
    group_id = ma.fields.Integer()
    description = ma.fields.String()
    amount = Amount()
    currency = ma.fields.String()
    date = ma.fields.Date()
    category = ma.fields.String()
    notes = ma.fields.String()
    paid_by = ma.fields.Integer(
        allow_none=True, metadata={"description": "The payer when there is one, else null."}
    )
    payers = ma.fields.List(ma.fields.Nested(PayerSchema))
    created_by = ma.fields.Integer()
    split_type = ma.fields.String(metadata={"enum": list(SPLIT_TYPES)})
    splits = ma.fields.List(ma.fields.Nested(SplitSchema))
    created_at = Timestamp()
    updated_at = Timestamp()


class DeletedGroupExpenseSchema(GroupExpenseSchema):
    """An expense of the `?deleted=only` list: who deleted it, and when."""

    deleted_at = Timestamp()
    deleted_by = ma.fields.Integer()


def deleted_filter() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(["only"]),
        metadata={"description": "`only`: the deleted ones instead, which can be restored."},
    )


class GroupExpenseQuerySchema(KeysetPaginationQuerySchema):
    deleted = deleted_filter()
    date_from = CalendarDate(bounded=False)
    date_to = CalendarDate(bounded=False)
    category = Text(max_length=CATEGORY_MAX_LENGTH)
    notes = Text(max_length=EXPENSE_NOTES_MAX_LENGTH)
    paid_by = user_id_field(
        strict=False, metadata={"description": "Expenses this member paid for."}
    )
    involving = user_id_field(
        strict=False, metadata={"description": "Expenses this member paid for or shares in."}
    )

    @ma.validates_schema
    def range_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "date_from" in data and "date_to" in data and data["date_from"] > data["date_to"]:
            raise ma.ValidationError("Must not be after date_to.", field_name="date_from")


class SplitPaidSchema(InputSchema):
    is_paid = ma.fields.Boolean(required=True, truthy={True}, falsy={False})
