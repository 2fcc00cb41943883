"""The one reading of a shared expense's money: `plan_expense` turns a body (a POSTed
expense, or a recurring series' template) into its currency, total, payers and split
request, with every rule of a recorded expense, so that a template is refused for exactly
what its occurrences would be refused for."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from expense_tracker.domain import money
from expense_tracker.errors import ValidationFailed
from expense_tracker.groups.expenses.foreign_currency import Conversion
from expense_tracker.groups.expenses.split_requests import (
    ShareInput,
    SplitRequest,
    compute_split,
    parse_split_request,
    resolve_payers,
)
from expense_tracker.models import Group


@dataclass(frozen=True)
class ExpensePlan:
    """A shared expense's money, read and checked, before it is written."""

    currency: str  # the expense's own currency
    total: int  # in `currency`
    amount: int  # in the group's currency (the total converted, when it is another)
    payers: dict[int, int] | None  # in `currency`; None when the body names no payer
    split_type: str
    request: SplitRequest
    members: Collection[int]

    def split(self, rotation_key: int) -> dict[int, int]:
        """Each entry's share of the total, in `currency` (the engine's errors as 422)."""
        return compute_split(
            self.split_type,
            self.total,
            self.request,
            members=self.members,
            rotation_key=rotation_key,
            currency=self.currency,
        )


def plan_expense(
    group: Group,
    data: Mapping[str, Any],
    members: Collection[int],
    conversion: Conversion | None,
    *,
    amount_field: str = "amount",
) -> ExpensePlan:
    """Read `data` (`amount`, `currency`, `paid_by` or `payers`, `split_type`,
    `participants` or `splits`) against the group's current `members`; 422 for anything a
    recorded expense may not hold. `conversion` is the expense's conversion to the group's
    currency when it is known (foreign_currency), which bounds the converted total."""
    currency = conversion.source if conversion else data.get("currency", group.currency)
    total = money.parse_amount(data["amount"], currency, field=amount_field)
    amount = conversion.total(total) if conversion else total
    payers = resolve_payers(data, total, currency, members)
    split_type = data["split_type"]
    request = parse_split_request(
        split_type, data.get("participants"), data.get("splits"), currency
    )
    if request is None:
        if split_type != "equal":
            raise ValidationFailed.field("splits", f"Required for {split_type} splits.")
        # Every member at this moment; later joins change nothing.
        request = SplitRequest([ShareInput(user_id) for user_id in sorted(members)], "participants")
    return ExpensePlan(currency, total, amount, payers, split_type, request, members)
