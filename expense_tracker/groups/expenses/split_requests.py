"""Reading a body's money: currency, payers and splits as engine input; engine errors as 422."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ParamSpec

from expense_tracker.domain import money
from expense_tracker.domain import splits as split_engine
from expense_tracker.domain.money import MoneyError, format_amount
from expense_tracker.domain.splits import SPLIT_VALUE_FIELDS
from expense_tracker.errors import ValidationFailed
from expense_tracker.models import ExpenseSplit, Group
from expense_tracker.models.group import from_hundredths, to_hundredths


@dataclass
class ShareInput:
    """One member's part of a split request, in stored units."""

    user_id: int
    amount: int | None = None  # exact, minor units
    percentage_hundredths: int | None = None
    shares_hundredths: int | None = None
    adjustment: int | None = None  # signed minor units

    @classmethod
    def kept(cls, split: ExpenseSplit) -> ShareInput:
        """The input a split was computed from, in the expense's own currency."""
        expense = split.expense
        sent = split.amount if split.original_amount is None else split.original_amount
        return cls(
            split.user_id,
            amount=sent if expense.split_type == "exact" else None,
            percentage_hundredths=split.percentage_hundredths,
            shares_hundredths=split.shares_hundredths,
            adjustment=split.adjustment,
        )

    def stored(self) -> tuple[int | None, int | None, int | None]:
        return self.percentage_hundredths, self.shares_hundredths, self.adjustment

    def weight(self, split_type: str) -> Decimal:
        """The percentage (`percentage` splits) or number of shares (`shares` splits)."""
        if split_type == "percentage":
            return from_hundredths(self.percentage_hundredths or 0)
        return from_hundredths(self.shares_hundredths or 0)


@dataclass
class SplitRequest:
    """The entries a split is computed from, and where in the body they came from."""

    entries: list[ShareInput]
    path: str  # "participants" or "splits"


def not_a_member(user_id: int) -> str:
    """The message for a user id that names no current member of the group."""
    return f"User {user_id} is not a member of this group."


def _sum_mismatch(amounts: str, difference: int, currency: str) -> str:
    """The message for `amounts` that miss the expense amount by `difference` minor units."""
    return (
        f"{amounts} must add up to the expense amount; they are "
        f"{format_amount(abs(difference), currency)} "
        f"{'short of' if difference > 0 else 'over'} it."
    )


P = ParamSpec("P")


def _collect(
    errors: dict[str, list[str]], convert: Callable[P, int], *args: P.args, **kwargs: P.kwargs
) -> int | None:
    """Run a conversion that may refuse a request field, gathering its message instead."""
    try:
        return convert(*args, **kwargs)
    except MoneyError as exc:
        errors.setdefault(exc.field or "", []).append(str(exc))
        return None


def parse_split_request(
    split_type: str,
    participants: list[int] | None,
    entries: list[dict[str, Any]] | None,
    currency: str,
) -> SplitRequest | None:
    """Turn the body's `participants` or `splits` into entries; None when neither was sent."""
    if participants is not None:
        if split_type != "equal":
            raise ValidationFailed.field(
                "participants", "Only for equal splits; send splits instead."
            )
        return SplitRequest([ShareInput(user_id) for user_id in participants], "participants")
    if entries is None:
        return None
    value_field = SPLIT_VALUE_FIELDS.get(split_type)
    errors: dict[str, list[str]] = {}
    shares: list[ShareInput] = []
    for index, entry in enumerate(entries):
        path = f"splits.{index}"
        for name in SPLIT_VALUE_FIELDS.values():
            if name in entry and name != value_field:
                errors[f"{path}.{name}"] = [f"Not used by {split_type} splits."]
        share = ShareInput(entry["user_id"])
        if value_field is not None and value_field not in entry:
            errors[f"{path}.{value_field}"] = [f"Required for {split_type} splits."]
        elif split_type == "exact":
            share.amount = _collect(
                errors,
                money.parse_amount,
                entry["amount"],
                currency,
                field=f"{path}.amount",
                allow_zero=True,
            )
        elif split_type == "adjustment":
            share.adjustment = _collect(
                errors,
                money.parse_amount,
                entry["adjustment"],
                currency,
                field=f"{path}.adjustment",
                signed=True,
                allow_zero=True,
            )
        elif split_type == "percentage":
            share.percentage_hundredths = to_hundredths(entry["percentage"])
        elif split_type == "shares":
            share.shares_hundredths = to_hundredths(entry["shares"])
        shares.append(share)
    if errors:
        raise ValidationFailed(errors=errors)
    return SplitRequest(shares, "splits")


def compute_split(
    split_type: str,
    total: int,
    request: SplitRequest,
    *,
    members: Collection[int],
    rotation_key: int,
    currency: str,
) -> dict[int, int]:
    """Each entry's amount, exactly; the engine's errors become 422 at dotted paths."""
    entries = request.entries
    user_ids = [entry.user_id for entry in entries]
    try:
        if split_type == "equal":
            return split_engine.split_equal(
                total, user_ids, members=members, rotation_key=rotation_key
            )
        if split_type == "exact":
            return split_engine.split_exact(
                total, [(entry.user_id, entry.amount or 0) for entry in entries], members=members
            )
        if split_type == "adjustment":
            return split_engine.split_adjustment(
                total,
                [(entry.user_id, entry.adjustment or 0) for entry in entries],
                members=members,
                rotation_key=rotation_key,
            )
        split = (
            split_engine.split_percentage
            if split_type == "percentage"
            else split_engine.split_shares
        )
        weights = [(entry.user_id, entry.weight(split_type)) for entry in entries]
        return split(total, weights, members=members, rotation_key=rotation_key)
    except split_engine.SplitError as exc:
        path = request.path
        if exc.index is not None:
            path = f"{path}.{exc.index}"
            if request.path == "splits" and exc.field:
                path = f"{path}.{exc.field}"
        message, extensions = exc.message, None
        if exc.difference is not None:
            # The engine counts minor units; the client reads money in its currency.
            extensions = {"difference": format_amount(exc.difference, currency)}
            message = _sum_mismatch("The amounts", exc.difference, currency)
        raise ValidationFailed.field(path, message, extensions=extensions) from None


def resolve_payers(
    data: Mapping[str, Any], total: int, currency: str, members: Collection[int]
) -> dict[int, int] | None:
    """Who paid how much, from `paid_by` or `payers`; None when the body sends neither."""
    if "paid_by" in data:
        if data["paid_by"] not in members:
            raise ValidationFailed.field("paid_by", not_a_member(data["paid_by"]))
        return {data["paid_by"]: total}
    if "payers" not in data:
        return None
    errors: dict[str, list[str]] = {}
    payers: dict[int, int] = {}
    for index, entry in enumerate(data["payers"]):
        user_id = entry["user_id"]
        amount = _collect(
            errors, money.parse_amount, entry["amount"], currency, field=f"payers.{index}.amount"
        )
        if user_id not in members:
            errors[f"payers.{index}.user_id"] = [not_a_member(user_id)]
        elif user_id in payers:
            errors[f"payers.{index}.user_id"] = [f"User {user_id} appears more than once."]
        else:
            payers[user_id] = amount or 0
    if errors:
        raise ValidationFailed(errors=errors)
    difference = total - sum(payers.values())
    if difference:
        raise ValidationFailed.field(
            "payers", _sum_mismatch("The payers' amounts", difference, currency)
        )
    return payers


def group_currency(group: Group, data: Mapping[str, Any]) -> str:
    """The group's currency; 422 when the body sends another."""
    if "currency" in data and data["currency"] != group.currency:
        raise ValidationFailed.field("currency", f"This group's expenses are in {group.currency}.")
    return group.currency
