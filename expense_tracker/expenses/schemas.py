"""Request and response bodies, and query strings, for personal expenses."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from expense_tracker.fields import CalendarDate, Text, Timestamp
from expense_tracker.http.query_args import by_query_string
from expense_tracker.models.expense import (
    CATEGORY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    PAYMENT_METHODS,
)
from expense_tracker.money_fields import Amount, Currency
from expense_tracker.schemas import (
    DatesInOrder,
    InputSchema,
    KeysetPaginationQuerySchema,
    OutputSchema,
    QuerySchema,
)

SORTS = ("-date", "date", "-amount", "amount")
GROUPINGS = ("category", "month", "payment_method")
SUMMARY_INCLUDES = ("group_shares",)


def payment_method_field(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.OneOf(PAYMENT_METHODS), **kwargs)


class ExpenseSchema(OutputSchema):
    id = ma.fields.Integer()
    date = ma.fields.Date()
    category = ma.fields.String()
    amount = Amount()
    currency = ma.fields.String()
    description = ma.fields.String()
    payment_method = ma.fields.String()
    created_at = Timestamp()
    updated_at = Timestamp()
    series_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The recurring series that created it."}
    )
    occurrence = ma.fields.Integer(
        allow_none=True, metadata={"description": "Which occurrence of the series (1-based)."}
    )


class ExpenseCreateSchema(InputSchema):
    date = CalendarDate()
    category = Text(required=True, min_length=1, max_length=CATEGORY_MAX_LENGTH)
    amount = Amount(required=True)
    currency = Currency()
    description = Text(max_length=DESCRIPTION_MAX_LENGTH, load_default="")
    payment_method = payment_method_field(required=True)


class ExpenseUpdateSchema(InputSchema):
    date = CalendarDate()
    category = Text(min_length=1, max_length=CATEGORY_MAX_LENGTH)
    amount = Amount()
    currency = Currency()
    description = Text(max_length=DESCRIPTION_MAX_LENGTH)
    payment_method = payment_method_field()


class ExpenseFilterSchema(QuerySchema, DatesInOrder):
    """The filters shared by the list, the summary and the export."""

    date_from = CalendarDate(bounded=False)
    date_to = CalendarDate(bounded=False)
    category = Text(min_length=1, max_length=CATEGORY_MAX_LENGTH)
    payment_method = payment_method_field()
    currency = Currency()
    min_amount = Amount(allow_zero=True)
    max_amount = Amount(allow_zero=True)
    q = Text(max_length=200)

    @ma.validates_schema
    def amounts_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        min_amount, max_amount = data.get("min_amount"), data.get("max_amount")
        if min_amount is not None and max_amount is not None and min_amount > max_amount:
            raise ma.ValidationError("Must not be more than max_amount.", "min_amount")


class ExpenseExportQuerySchema(ExpenseFilterSchema):
    sort = ma.fields.String(load_default="-date", validate=ma.validate.OneOf(SORTS))


@by_query_string
class ExpenseListQuerySchema(ExpenseExportQuerySchema, KeysetPaginationQuerySchema):
    pass


class SummaryQuerySchema(ExpenseFilterSchema):
    group_by = ma.fields.String(load_default="category", validate=ma.validate.OneOf(GROUPINGS))
    in_currency = Currency(
        data_key="in",
        metadata={
            "description": "Convert every amount to this currency at its date's rate (the "
            "rate table's, or the nearest of the 7 days before; 422 "
            "`/problems/rate-unavailable` naming the first date without one). Each total is "
            "the exact sum of the converted amounts, rounded once, half to even."
        },
    )
    include = ma.fields.String(
        validate=ma.validate.OneOf(SUMMARY_INCLUDES),
        metadata={
            "description": "`group_shares`: add my share of every live group expense I take "
            "part in (its own category and date; payment method `group`); amounts are then "
            "converted to `in`, or to my `default_currency`."
        },
    )


class SummaryRowSchema(OutputSchema):
    key = ma.fields.String(metadata={"description": "Category, YYYY-MM, or payment method"})
    currency = ma.fields.String()
    total = Amount()
    count = ma.fields.Integer()


class CategoryQuerySchema(QuerySchema):
    q = Text(max_length=CATEGORY_MAX_LENGTH, metadata={"description": "Prefix, any case"})


class CategoryCountSchema(OutputSchema):
    category = ma.fields.String()
    count = ma.fields.Integer()


class ImportQuerySchema(QuerySchema):
    allow_duplicates = ma.fields.Boolean(load_default=False)


class ImportFileSchema(ma.Schema):
    file = ma.fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "A UTF-8 CSV file (a BOM is allowed): the first line names exactly "
            "the export's columns, in any order; then at most 50,000 rows.",
            "example": "date,category,amount,currency,description,payment_method\n"
            "2025-01-31,Food,12.50,USD,Lunch,cash\n",
        },
    )


class ImportResultSchema(OutputSchema):
    imported = ma.fields.Integer()
    skipped_duplicates = ma.fields.Integer()
