"""Request and response bodies for groups, shared expenses, balances and settlements.

Input schemas check shape only. Rules that need the group (its currency, its members)
are the service's: amounts load as exact Decimals and become minor units there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma

from expense_tracker.database import MAX_ID, utc_today
from expense_tracker.fields import Amount, CalendarDate, Currency, DecimalString, Text, Timestamp
from expense_tracker.models.expense import CATEGORY_MAX_LENGTH
from expense_tracker.models.group import (
    EXPENSE_DESCRIPTION_MAX_LENGTH,
    GROUP_DESCRIPTION_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    INVITE_CODE_MAX_LENGTH,
    JOIN_POLICIES,
    NOTE_MAX_LENGTH,
    ROLES,
    SPLIT_TYPES,
)
from expense_tracker.schemas import (
    InputSchema,
    KeysetPaginationQuerySchema,
    OutputSchema,
    PaginationQuerySchema,
    QuerySchema,
)

MAX_PERCENTAGE = Decimal(100)
MAX_SHARES = Decimal(1_000_000)
# A list longer than any group could need is a mistake or an attack, not a bill.
MAX_LIST_LENGTH = 1000


def _user_id(*, strict: bool = True, **kwargs: Any) -> ma.fields.Integer:
    # JSON bodies must send ids as numbers; query strings can only send text.
    return ma.fields.Integer(strict=strict, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def _bounded_list(field: ma.fields.Field, **kwargs: Any) -> ma.fields.List:
    return ma.fields.List(field, validate=ma.validate.Length(min=1, max=MAX_LIST_LENGTH), **kwargs)


# --------------------------------------------------------------------------- groups


class MemberSchema(OutputSchema):
    user_id = ma.fields.Integer()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    joined_at = Timestamp()


class MemberHistorySchema(MemberSchema):
    left_at = Timestamp(allow_none=True)  # null for current members


class GroupPublicSchema(OutputSchema):
    """What any signed-in user sees of an open group."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    currency = ma.fields.String()
    join_policy = ma.fields.String(metadata={"enum": list(JOIN_POLICIES)})
    created_by = ma.fields.Integer()
    created_at = Timestamp()
    member_count = ma.fields.Integer()


class GroupSchema(GroupPublicSchema):
    """What members see."""

    members = ma.fields.List(ma.fields.Nested(MemberSchema), attribute="current_members")
    invite_code = ma.fields.String()


class GroupCreateSchema(InputSchema):
    name = Text(required=True, min_length=1, max_length=GROUP_NAME_MAX_LENGTH)
    description = Text(max_length=GROUP_DESCRIPTION_MAX_LENGTH, load_default="")
    currency = Currency()
    join_policy = ma.fields.String(load_default="invite", validate=ma.validate.OneOf(JOIN_POLICIES))


class GroupUpdateSchema(InputSchema):
    name = Text(min_length=1, max_length=GROUP_NAME_MAX_LENGTH)
    description = Text(max_length=GROUP_DESCRIPTION_MAX_LENGTH)
    currency = Currency()
    join_policy = ma.fields.String(validate=ma.validate.OneOf(JOIN_POLICIES))


class GroupSearchQuerySchema(PaginationQuerySchema):
    q = Text(
        max_length=GROUP_NAME_MAX_LENGTH,
        metadata={"description": "Text the name contains, case-insensitive."},
    )
    name = Text(max_length=GROUP_NAME_MAX_LENGTH, metadata={"description": "Same as `q`."})

    @ma.post_load
    def one_search_text(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # The service takes one search text: `q`, else its alias `name` (None: no filter).
        q, name = data.pop("q", None), data.pop("name", None)
        data["text"] = q or name
        return data


class MembersQuerySchema(QuerySchema):
    include_former = ma.fields.Boolean(load_default=False)


class JoinByIdSchema(InputSchema):
    invite_code = Text(max_length=INVITE_CODE_MAX_LENGTH)


class JoinByCodeSchema(InputSchema):
    invite_code = Text(required=True, min_length=1, max_length=INVITE_CODE_MAX_LENGTH)


class MembershipSchema(OutputSchema):
    group_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    joined_at = Timestamp()


class InviteCodeSchema(OutputSchema):
    invite_code = ma.fields.String()


class RoleUpdateSchema(InputSchema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))


# --------------------------------------------------------------------------- expenses


class PayerInputSchema(InputSchema):
    user_id = _user_id(required=True)
    amount = Amount(required=True)


class SplitInputSchema(InputSchema):
    """One member's part; which value it carries depends on the expense's `split_type`."""

    user_id = _user_id(required=True)
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
    paid_by = _user_id(metadata={"description": "The one member who paid (default: you)."})
    payers = _bounded_list(
        ma.fields.Nested(PayerInputSchema),
        metadata={"description": "Several payers; their amounts sum to the total."},
    )
    split_type = ma.fields.String(validate=ma.validate.OneOf(SPLIT_TYPES))
    participants = _bounded_list(
        _user_id(), metadata={"description": "`equal` only; default: every member."}
    )
    splits = _bounded_list(ma.fields.Nested(SplitInputSchema))

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
    paid_by = ma.fields.Integer(
        allow_none=True, metadata={"description": "The payer when there is one, else null."}
    )
    payers = ma.fields.List(ma.fields.Nested(PayerSchema))
    created_by = ma.fields.Integer()
    split_type = ma.fields.String(metadata={"enum": list(SPLIT_TYPES)})
    splits = ma.fields.List(ma.fields.Nested(SplitSchema))
    created_at = Timestamp()
    updated_at = Timestamp()


class GroupExpenseQuerySchema(KeysetPaginationQuerySchema):
    date_from = CalendarDate(bounded=False)
    date_to = CalendarDate(bounded=False)
    category = Text(max_length=CATEGORY_MAX_LENGTH)
    paid_by = _user_id(strict=False, metadata={"description": "Expenses this member paid for."})
    involving = _user_id(
        strict=False, metadata={"description": "Expenses this member paid for or shares in."}
    )

    @ma.validates_schema
    def range_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "date_from" in data and "date_to" in data and data["date_from"] > data["date_to"]:
            raise ma.ValidationError("Must not be after date_to.", field_name="date_from")


class SplitPaidSchema(InputSchema):
    is_paid = ma.fields.Boolean(required=True, truthy={True}, falsy={False})


# --------------------------------------------------------------------------- balances


class BalanceSchema(OutputSchema):
    user_id = ma.fields.Integer()
    currency = ma.fields.String()
    paid = Amount()
    owed = Amount()
    sent = Amount()
    received = Amount()
    net = Amount(signed=True, metadata={"description": "paid - owed + sent - received"})


class TransferSchema(OutputSchema):
    from_user = ma.fields.Integer()
    to_user = ma.fields.Integer()
    amount = Amount()
    currency = ma.fields.String()


class GroupNetSchema(OutputSchema):
    group_id = ma.fields.Integer()
    name = ma.fields.String()
    currency = ma.fields.String()
    net = Amount(signed=True)


class CurrencyNetSchema(OutputSchema):
    currency = ma.fields.String()
    net = Amount(signed=True)


class MyBalancesSchema(OutputSchema):
    groups = ma.fields.List(ma.fields.Nested(GroupNetSchema))
    totals = ma.fields.List(ma.fields.Nested(CurrencyNetSchema))


# --------------------------------------------------------------------------- settlements


class SettlementCreateSchema(InputSchema):
    to_user = _user_id(required=True)
    amount = Amount(required=True)
    from_user = _user_id(metadata={"description": "Default: you."})
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
