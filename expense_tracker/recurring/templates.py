"""A series' template: stored as JSON, loaded as a create body, checked before it is kept.

The template is kept in its wire form (what the create body's schema loads, money as exact
decimal strings), so each occurrence loads it through the same schema as a POSTed body.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

import marshmallow as ma

from expense_tracker.domain import money
from expense_tracker.domain.money import MoneyError, format_amount, parse_amount
from expense_tracker.errors import ValidationFailed, flatten_messages
from expense_tracker.groups.expenses import foreign_currency
from expense_tracker.groups.expenses.plan import plan_expense
from expense_tracker.models import Group, RecurringSeries
from expense_tracker.recurring.schemas import GROUP_TEMPLATE, PERSONAL_TEMPLATE

# Fields of a template that exclude each other: sending one drops the other.
_EXCLUSIVE = {
    "paid_by": "payers",
    "payers": "paid_by",
    "participants": "splits",
    "splits": "participants",
}


def to_wire(value: Any) -> Any:
    """A loaded body back in JSON form (Decimals as their exact plain text)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    return value


def _money(value: Any, currency: str) -> Any:
    """An amount as the API writes money ("1000.00"), when it fits the currency."""
    try:
        return format_amount(parse_amount(value, currency, signed=True, allow_zero=True), currency)
    except MoneyError:
        return to_wire(value)  # refused when the template is loaded, with the field's path


def stored_form(template: Mapping[str, Any], currency: str) -> str:
    """The template as kept: its currency named, money in that currency's format."""
    wire = to_wire(template)
    wire["currency"] = template.get("currency") or currency
    currency = wire["currency"]
    if "amount" in wire:
        wire["amount"] = _money(template["amount"], currency)
    for entries in (wire.get("payers") or [], wire.get("splits") or []):
        for entry in entries:
            for name in ("amount", "adjustment"):
                if name in entry:
                    entry[name] = _money(Decimal(entry[name]), currency)
    return json.dumps(wire, sort_keys=True)


def _schema(series: RecurringSeries) -> ma.Schema:
    return PERSONAL_TEMPLATE if series.is_personal else GROUP_TEMPLATE


def load(series: RecurringSeries) -> dict[str, Any]:
    """The template as the create service takes it (without `date`)."""
    return dict(_schema(series).load(json.loads(series.template)))


def merged(series: RecurringSeries, changes: Mapping[str, Any]) -> str:
    """The stored template with a PATCH's fields replacing its own, checked as a whole."""
    wire = json.loads(series.template)
    for name, value in to_wire(changes).items():
        wire.pop(_EXCLUSIVE.get(name, ""), None)
        wire[name] = value
    if "currency" in changes and "exchange_rate" not in changes:
        wire.pop("exchange_rate", None)  # a rate belongs to the currency it was given for
    try:
        loaded = _schema(series).load(wire)
    except ma.ValidationError as exc:
        raise ValidationFailed(errors=flatten_messages(exc.messages, "template")) from None
    return stored_form(loaded, wire["currency"])


def named_members(template: Mapping[str, Any]) -> set[int]:
    """Every user id a group template names: paid_by, payers, participants, splits."""
    named = set(template.get("participants") or ())
    named |= {entry["user_id"] for entry in template.get("payers") or ()}
    named |= {entry["user_id"] for entry in template.get("splits") or ()}
    if "paid_by" in template:
        named.add(template["paid_by"])
    return named


def default_payer(series: RecurringSeries, template: Mapping[str, Any]) -> set[int]:
    """Who pays when the template does not say: the series' creator, as for a POSTed expense
    (the caller); nobody when it names its payers."""
    if template.get("paid_by") is not None or template.get("payers"):
        return set()
    return {series.created_by}


def check_group_template(
    group: Group, template: Mapping[str, Any], members: Collection[int]
) -> None:
    """422 (at `template.*` paths) for a template whose expense could not be recorded:
    the rules of a POSTed expense, checked without writing it, the limits of a given
    `exchange_rate` included (the rate table aside, which is read on each occurrence's
    date, by the occurrence)."""
    try:
        _check(group, template, members)
    except ValidationFailed as exc:
        errors = {f"template.{path}": messages for path, messages in (exc.errors or {}).items()}
        raise ValidationFailed(errors=errors, extensions=exc.extensions) from None


def _check(group: Group, template: Mapping[str, Any], members: Collection[int]) -> None:
    conversion = foreign_currency.for_template(group, template)
    plan = plan_expense(group, template, members, conversion, amount_field="template.amount")
    plan.split(rotation_key=0)


def check_personal_template(template: Mapping[str, Any], default_currency: str) -> None:
    currency = template.get("currency") or default_currency
    money.parse_amount(template["amount"], currency, field="template.amount")
