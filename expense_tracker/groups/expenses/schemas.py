"""Request and response shapes of shared expenses: payers, splits, filters."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma

from expense_tracker.database import utc_today
from expense_tracker.domain.splits import SPLIT_VALUE_FIELDS
from expense_tracker.fields import CalendarDate, Text, Timestamp
from expense_tracker.groups.fields import (
    MAX_PERCENTAGE,
    MAX_SHARES,
    bounded_list,
    user_id_field,
)
from expense_tracker.http.query_args import by_query_string
from expense_tracker.models.expense import CATEGORY_MAX_LENGTH
from expense_tracker.models.group import (
    EXPENSE_DESCRIPTION_MAX_LENGTH,
    EXPENSE_NOTES_MAX_LENGTH,
    SPLIT_TYPES,
)
from expense_tracker.money_fields import Amount, Currency, DecimalString, ExchangeRate
from expense_tracker.schemas import (
    DatesInOrder,
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


NOT_BOTH_OF_A_PAIR = {
    "not": {
        "anyOf": [{"required": ["paid_by", "payers"]}, {"required": ["participants", "splits"]}]
    }
}


def split_type_rule(split_type: str, *, create: bool) -> dict[str, Any]:
    """What the body needs with this `split_type` (split_requests.parse_split_request):
    each split carries that type's value and no other; only `equal` takes participants,
    every other type (on create) its splits."""
    value = SPLIT_VALUE_FIELDS.get(split_type)
    others = [name for name in SPLIT_VALUE_FIELDS.values() if name != value]
    item: dict[str, Any] = {"not": {"anyOf": [{"required": [name]} for name in others]}}
    if value is not None:
        item["required"] = [value]
    rule: dict[str, Any] = {
        "properties": {"split_type": {"enum": [split_type]}, "splits": {"items": item}},
        "required": ["split_type"],
    }
    if split_type != "equal":
        rule["not"] = {"required": ["participants"]}
        if create:
            rule["required"].append("splits")
    return rule


class _ExpenseFieldsSchema(InputSchema):
    description = Text(min_length=1, max_length=EXPENSE_DESCRIPTION_MAX_LENGTH)
    amount = Amount()
    currency = Currency(
        metadata={
            "description": "The currency the body's money is in; another than the group's "
            "is converted to it (default: the group's)."
        }
    )
    exchange_rate = ExchangeRate(
        metadata={
            "description": "Units of the group's currency for one unit of `currency`, at most "
            "12 significant digits; default: the rate table's for the expense's date."
        }
    )
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

    # An edit without `split_type` keeps the expense's, which its splits must then suit.
    openapi_rules: ClassVar[dict[str, Any]] = {
        "allOf": [
            NOT_BOTH_OF_A_PAIR,
            {
                "anyOf": [
                    {"not": {"required": ["split_type"]}},
                    *(split_type_rule(name, create=False) for name in SPLIT_TYPES),
                ]
            },
        ]
    }

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

    openapi_rules: ClassVar[dict[str, Any]] = {
        "allOf": [
            NOT_BOTH_OF_A_PAIR,
            {"oneOf": [split_type_rule(name, create=True) for name in SPLIT_TYPES]},
        ]
    }
    openapi_example: ClassVar[dict[str, Any] | None] = {
        "description": "Dinner",
        "amount": "30.00",
        "category": "Food",
        "split_type": "equal",
    }


class GroupExpenseUpdateSchema(_ExpenseFieldsSchema):
    """Any field of the create body; what is not sent is kept."""

    openapi_example: ClassVar[dict[str, Any] | None] = {"amount": "36.00", "category": "Food"}


def _without_null_originals(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("original_amount") is None:
        data.pop("original_amount", None)
    return data


class PayerSchema(OutputSchema):
    user_id = ma.fields.Integer()
    amount = Amount()
    original_amount = Amount(
        currency_attribute="input_currency",
        metadata={"description": "Converted expenses only: in the original currency."},
    )

    @ma.post_dump
    def only_when_converted(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return _without_null_originals(data)


class SplitSchema(OutputSchema):
    user_id = ma.fields.Integer()
    amount = Amount()
    percentage = DecimalString(places=2, max_value=MAX_PERCENTAGE)
    shares = DecimalString(places=2, max_value=MAX_SHARES)
    adjustment = Amount(
        signed=True,
        currency_attribute="input_currency",
        metadata={"description": "In the expense's original currency when converted."},
    )
    original_amount = Amount(
        currency_attribute="input_currency",
        metadata={"description": "Converted expenses only: the share before conversion."},
    )
    is_paid = ma.fields.Boolean()
    paid_at = Timestamp(allow_none=True)

    @ma.post_dump
    def only_the_split_types_input(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # percentage / shares / adjustment appear only on splits of that type.
        for name in ("percentage", "shares", "adjustment"):
            if data.get(name) is None:
                data.pop(name, None)
        return _without_null_originals(data)


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
    original_amount = Amount(
        currency_attribute="original_currency",
        allow_none=True,
        metadata={"description": "What was spent, in `original_currency` (else null)."},
    )
    original_currency = ma.fields.String(
        allow_none=True, metadata={"description": "Set when the expense was converted."}
    )
    exchange_rate = ExchangeRate(
        allow_none=True,
        metadata={"description": "Units of `currency` for one of `original_currency`."},
    )
    series_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The recurring series that created it."}
    )
    occurrence = ma.fields.Integer(
        allow_none=True, metadata={"description": "Which occurrence of the series (1-based)."}
    )


class DeletedGroupExpenseSchema(GroupExpenseSchema):
    """An expense of the `?deleted=only` list: who deleted it, and when."""

    deleted_at = Timestamp()
    deleted_by = ma.fields.Integer()


def deleted_filter() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.OneOf(["only"]),
        metadata={"description": "`only`: the deleted ones instead, which can be restored."},
    )


@by_query_string
class GroupExpenseQuerySchema(KeysetPaginationQuerySchema, DatesInOrder):
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


class SplitPaidSchema(InputSchema):
    is_paid = ma.fields.Boolean(required=True, truthy={True}, falsy={False})
