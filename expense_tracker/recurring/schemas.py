"""Request and response shapes of recurring series: the rule and the template."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import marshmallow as ma

from expense_tracker.expenses.schemas import ExpenseCreateSchema, ExpenseUpdateSchema
from expense_tracker.fields import CalendarDate, Timestamp
from expense_tracker.groups.expenses.schemas import (
    GroupExpenseCreateSchema,
    GroupExpenseUpdateSchema,
)
from expense_tracker.models.recurring import (
    FREQUENCIES,
    MAX_INTERVAL,
    OCCURRENCES_PER_REQUEST,
    PAUSED_REASONS,
    STATUSES,
)
from expense_tracker.schemas import InputSchema, OutputSchema

# More occurrences than this in one rule would be a mistake, not a bill.
MAX_COUNT = 10_000

_START_DOC = (
    "From 1900-01-01 to 366 days after today (UTC). The request creates the occurrences "
    f"already due, at most {OCCURRENCES_PER_REQUEST}; an older backlog is created by the "
    "scheduled `flask run-recurring`, and `next_date` is the next one still to create "
    "(on or before today while some are due)."
)
# Twelve months from a past start: `count` keeps it within the cap on any later day.
_EXAMPLE_RULE = {"frequency": "monthly", "start_date": "2026-01-01", "count": 12}


class RuleSchema(InputSchema):
    frequency = ma.fields.String(required=True, validate=ma.validate.OneOf(FREQUENCIES))
    interval = ma.fields.Integer(
        strict=True, load_default=1, validate=ma.validate.Range(min=1, max=MAX_INTERVAL)
    )
    start_date = CalendarDate(required=True, metadata={"description": _START_DOC})
    end_date = CalendarDate(
        bounded=False,
        allow_none=True,
        metadata={
            "description": "The last day an occurrence may fall on: not before `start_date` "
            "(not with count)."
        },
    )
    count = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_COUNT),
        metadata={"description": "How many occurrences in all (not with end_date)."},
    )

    # end_date or count: either may be sent as null beside the other. (That end_date is not
    # before start_date, JSON Schema cannot say: the description does.)
    openapi_rules: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"properties": {"end_date": {"enum": [None]}}},
            {"properties": {"count": {"enum": [None]}}},
        ]
    }
    openapi_example: ClassVar[dict[str, Any] | None] = _EXAMPLE_RULE

    @ma.validates_schema
    def consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("end_date") is not None and data.get("count") is not None:
            raise ma.ValidationError("Send end_date or count, not both.", field_name="count")
        end, start = data.get("end_date"), data.get("start_date")
        if end is not None and start is not None and end < start:
            raise ma.ValidationError("Must not be before start_date.", field_name="end_date")


class RuleUpdateSchema(RuleSchema):
    """Any field of the rule; what is not sent is kept (null clears end_date or count)."""

    frequency = ma.fields.String(validate=ma.validate.OneOf(FREQUENCIES))
    interval = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_INTERVAL))
    start_date = CalendarDate(metadata={"description": _START_DOC})
    count = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_COUNT),
        metadata={
            "description": "How many occurrences in all (not with end_date), not fewer than "
            "the series has created already."
        },
    )

    openapi_example: ClassVar[dict[str, Any] | None] = {"interval": 2}


class GroupExpenseTemplateSchema(GroupExpenseCreateSchema):
    """The create body of a shared expense without `date`."""

    class Meta(GroupExpenseCreateSchema.Meta):
        exclude = ("date",)


class GroupExpenseTemplateChangesSchema(GroupExpenseUpdateSchema):
    """Fields of a shared expense template to change; the others are kept."""

    class Meta(GroupExpenseUpdateSchema.Meta):
        exclude = ("date",)


class ExpenseTemplateSchema(ExpenseCreateSchema):
    """The create body of a personal expense without `date`."""

    class Meta(ExpenseCreateSchema.Meta):
        exclude = ("date",)


class ExpenseTemplateChangesSchema(ExpenseUpdateSchema):
    """Fields of a personal expense template to change; the others are kept."""

    class Meta(ExpenseUpdateSchema.Meta):
        exclude = ("date",)


GROUP_TEMPLATE = GroupExpenseTemplateSchema()
PERSONAL_TEMPLATE = ExpenseTemplateSchema()
_TEMPLATE_DOC = "The create body of an expense without `date`."


class GroupSeriesCreateSchema(InputSchema):
    template = ma.fields.Nested(
        GroupExpenseTemplateSchema, required=True, metadata={"description": _TEMPLATE_DOC}
    )
    rule = ma.fields.Nested(RuleSchema, required=True)

    openapi_example: ClassVar[dict[str, Any] | None] = {
        "template": {"description": "Rent", "amount": "1200.00", "split_type": "equal"},
        "rule": _EXAMPLE_RULE,
    }


class PersonalSeriesCreateSchema(InputSchema):
    template = ma.fields.Nested(
        ExpenseTemplateSchema, required=True, metadata={"description": _TEMPLATE_DOC}
    )
    rule = ma.fields.Nested(RuleSchema, required=True)

    openapi_example: ClassVar[dict[str, Any] | None] = {
        "template": {"amount": "9.99", "category": "Music", "payment_method": "credit_card"},
        "rule": _EXAMPLE_RULE,
    }


_EXAMPLE_CHANGES = {"template": {"amount": "36.00"}, "rule": {"interval": 2}}


class GroupSeriesUpdateSchema(InputSchema):
    template = ma.fields.Nested(GroupExpenseTemplateChangesSchema)
    rule = ma.fields.Nested(RuleUpdateSchema)

    openapi_example: ClassVar[dict[str, Any] | None] = _EXAMPLE_CHANGES


class PersonalSeriesUpdateSchema(InputSchema):
    template = ma.fields.Nested(ExpenseTemplateChangesSchema)
    rule = ma.fields.Nested(RuleUpdateSchema)

    openapi_example: ClassVar[dict[str, Any] | None] = _EXAMPLE_CHANGES


class RuleOutputSchema(OutputSchema):
    frequency = ma.fields.String(metadata={"enum": list(FREQUENCIES)})
    interval = ma.fields.Integer()
    start_date = ma.fields.Date()
    end_date = ma.fields.Date(allow_none=True)
    count = ma.fields.Integer(allow_none=True)


class SeriesSchema(OutputSchema):
    id = ma.fields.Integer()
    group_id = ma.fields.Integer(metadata={"description": "Group series only."})
    template = ma.fields.Function(
        lambda series: json.loads(series.template),
        metadata={"type": "object", "description": _TEMPLATE_DOC},
    )
    rule = ma.fields.Function(lambda series: RuleOutputSchema().dump(series))
    next_date = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "The next occurrence still to create; on or before today while a "
            "backlog waits for `flask run-recurring`; null once ended."
        },
    )
    occurrences = ma.fields.Integer(metadata={"description": "How many have been created."})
    created_by = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    paused_reason = ma.fields.String(
        metadata={
            "enum": list(PAUSED_REASONS),
            "description": "Paused only: `member_left` (the template names a former member) "
            "or `failed` (`flask run-recurring` could not create an occurrence). An edit "
            "resumes it.",
        }
    )
    created_at = Timestamp()
    updated_at = Timestamp()

    @ma.post_dump
    def optional_fields(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for name in ("group_id", "paused_reason"):
            if data.get(name) is None:
                data.pop(name, None)
        return data
