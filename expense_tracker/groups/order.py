"""The order groups are listed in, the same on both databases."""

from __future__ import annotations

from sqlalchemy import SQLColumnExpression

from expense_tracker.extensions import db
from expense_tracker.models import Group


def name_order() -> SQLColumnExpression[str]:
    """What groups are listed by (then by id): their case-folded name."""
    # Byte order of the case-folded name, identical on both databases (PostgreSQL would
    # otherwise sort by its locale's collation, which ignores punctuation and spaces).
    if db.session.get_bind().dialect.name == "postgresql":
        return Group.name_key.collate("C")
    return Group.name_key
