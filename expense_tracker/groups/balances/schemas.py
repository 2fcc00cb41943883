"""Response shapes of balances and settle-up."""

from __future__ import annotations

import marshmallow as ma

from expense_tracker.money_fields import Amount
from expense_tracker.schemas import OutputSchema


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
