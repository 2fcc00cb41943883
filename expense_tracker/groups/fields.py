"""What the groups' request schemas share: limits, and user id and list fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma

from expense_tracker.database import MAX_ID

MAX_PERCENTAGE = Decimal(100)
MAX_SHARES = Decimal(1_000_000)
# A list longer than any group could need is a mistake or an attack, not a bill.
MAX_LIST_LENGTH = 1000


def user_id_field(*, strict: bool = True, **kwargs: Any) -> ma.fields.Integer:
    # JSON bodies must send ids as numbers; query strings can only send text.
    return ma.fields.Integer(strict=strict, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def bounded_list(field: ma.fields.Field, **kwargs: Any) -> ma.fields.List:
    """1 to MAX_LIST_LENGTH items, none repeated (each names a member at most once, which
    split_requests checks by user id; the document can say the items differ)."""
    metadata = {"uniqueItems": True, **kwargs.pop("metadata", {})}
    return ma.fields.List(
        field,
        validate=ma.validate.Length(min=1, max=MAX_LIST_LENGTH),
        metadata=metadata,
        **kwargs,
    )
