"""Split engine: divides an expense total among group members.

Pure and deterministic: standard library only, no I/O, no framework imports.
Money is always ``int`` minor units (cents); percentages and shares are
``decimal.Decimal``. Arithmetic on them is done with ``fractions.Fraction`` so
nothing is ever rounded by a float or by the decimal context.

Every ``split_*`` function returns ``{user_id: amount_owed}`` with keys in
ascending user_id order and values summing *exactly* to ``total``. Minor units
that cannot be divided evenly ("spare units") are handed out in the order given
by :func:`spare_unit_order`: participants by ascending user_id, starting at
position ``rotation_key % len(participants)`` and wrapping around. The rotation
key is the expense id, so the spare cent moves between expenses but stays put
when an expense is edited without changing its amount or participants.

Invalid input raises :class:`SplitError`, whose message is client-facing and
whose ``index``/``field`` say which entry of the input list is at fault.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "SPLIT_VALUE_FIELDS",
    "SplitError",
    "allocate_proportionally",
    "spare_unit_order",
    "split_adjustment",
    "split_equal",
    "split_exact",
    "split_percentage",
    "split_shares",
]

# The field of a split entry that carries each split type's input (`equal` has none).
SPLIT_VALUE_FIELDS = {
    "exact": "amount",
    "percentage": "percentage",
    "shares": "shares",
    "adjustment": "adjustment",
}


class SplitError(ValueError):
    """A split request that cannot be honoured; ``str(err)`` is shown to the client."""

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        field: str | None = None,
        difference: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: Position of the offending entry in the input list (None: the list as a whole).
        self.index = index
        #: Offending key of that entry: "user_id", "amount", "percentage", "shares", "adjustment".
        self.field = field
        #: For exact splits that do not add up: total - sum, in minor units (positive = short).
        self.difference = difference


# --------------------------------------------------------------------------- helpers


def spare_unit_order(participants: Iterable[int], rotation_key: int) -> list[int]:
    """Order in which spare minor units are handed out, one each.

    Ascending user_id, rotated to start at ``rotation_key % n``. Python's ``%``
    is always non-negative for a positive modulus, so any int key works.
    """
    ordered = sorted(participants)
    if not ordered:
        return []
    start = rotation_key % len(ordered)
    return ordered[start:] + ordered[:start]


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True/False as money is always a caller bug.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_total(total: int) -> None:
    if not _is_int(total):
        raise SplitError("The total must be a whole number of minor units.")
    if total < 0:
        raise SplitError("The total must not be negative.")


def _check_user_ids(user_ids: Sequence[int], members: Collection[int]) -> None:
    """Non-empty list of distinct group members, reported at the first bad entry."""
    if not user_ids:
        raise SplitError("At least one participant is required.")
    seen: set[int] = set()
    for index, user_id in enumerate(user_ids):
        if user_id not in members:
            raise SplitError(
                f"User {user_id} is not a member of this group.", index=index, field="user_id"
            )
        if user_id in seen:
            raise SplitError(
                f"User {user_id} appears more than once.", index=index, field="user_id"
            )
        seen.add(user_id)


def _positive_weight(value: Decimal, *, index: int, field: str) -> Decimal:
    """Check that a percentage/share is a finite number > 0 and return it."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise SplitError(f"The {field} must be a number.", index=index, field=field)
    # Check finiteness first: ordering comparisons on a Decimal NaN raise.
    if isinstance(value, Decimal) and not value.is_finite():
        raise SplitError(f"The {field} must be a number.", index=index, field=field)
    if value <= 0:
        raise SplitError(f"The {field} must be greater than zero.", index=index, field=field)
    return value


def _equal_parts(amount: int, order: Sequence[int]) -> dict[int, int]:
    """Split ``amount`` (any sign) into len(order) parts differing by at most one.

    ``divmod`` floors, so for a negative amount the base is rounded *down* and
    the remainder is still in ``[0, n)``: the first ``remainder`` users in
    ``order`` get base + 1, the rest get base. E.g. -5 over 3 -> -1, -2, -2.
    """
    base, spare = divmod(amount, len(order))
    return {
        user_id: base + (1 if position < spare else 0) for position, user_id in enumerate(order)
    }


def _sorted_by_user(amounts: Mapping[int, int]) -> dict[int, int]:
    return {user_id: amounts[user_id] for user_id in sorted(amounts)}


# --------------------------------------------------------------------------- public API


def allocate_proportionally(
    total: int, weights: Mapping[int, int | Decimal], tie_order: Sequence[int]
) -> dict[int, int]:
    """Largest-remainder apportionment of ``total`` in proportion to ``weights``.

    Each user first gets ``floor(total * w / W)``; the units still missing go
    one each to the largest fractional remainders, ties broken by position in
    ``tie_order``. The result is the closest integer vector to the ideal
    amounts (minimal total absolute error) that sums exactly to ``total``.

    Raises plain ``ValueError`` (not SplitError) for bad arguments: they are
    programming errors of the caller, not client input problems.
    """
    if not _is_int(total) or total < 0:
        raise ValueError("total must be a non-negative int")
    if not weights:
        raise ValueError("weights must not be empty")
    rank = {user_id: position for position, user_id in enumerate(tie_order)}
    if not rank.keys() >= weights.keys():
        raise ValueError("tie_order must contain every user in weights")
    exact: dict[int, Fraction] = {}
    for user_id, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)):
            raise ValueError("weights must be int or Decimal")
        if isinstance(weight, Decimal) and not weight.is_finite():
            raise ValueError("weights must be finite")
        if weight <= 0:
            raise ValueError("weights must be positive")
        exact[user_id] = Fraction(weight)

    weight_sum = sum(exact.values())
    ideal = {user_id: total * weight / weight_sum for user_id, weight in exact.items()}
    amounts = {user_id: value.numerator // value.denominator for user_id, value in ideal.items()}
    spare = total - sum(amounts.values())  # 0 <= spare < len(weights)
    by_remainder = sorted(
        ideal, key=lambda user_id: (-(ideal[user_id] - amounts[user_id]), rank[user_id])
    )
    for user_id in by_remainder[:spare]:
        amounts[user_id] += 1
    return _sorted_by_user(amounts)


def split_equal(
    total: int, participants: Sequence[int], *, members: Collection[int], rotation_key: int
) -> dict[int, int]:
    """Everyone owes the same, give or take one minor unit (spare units in rotation order)."""
    _check_total(total)
    _check_user_ids(participants, members)
    return _sorted_by_user(_equal_parts(total, spare_unit_order(participants, rotation_key)))


def split_exact(
    total: int, entries: Sequence[tuple[int, int]], *, members: Collection[int]
) -> dict[int, int]:
    """Each entry states what that user owes; the amounts must add up to ``total``."""
    _check_total(total)
    _check_user_ids([user_id for user_id, _ in entries], members)
    for index, (_, amount) in enumerate(entries):
        if not _is_int(amount):
            raise SplitError(
                "The amount must be a whole number of minor units.", index=index, field="amount"
            )
        if amount < 0:
            raise SplitError("The amount must not be negative.", index=index, field="amount")
    difference = total - sum(amount for _, amount in entries)
    if difference:
        direction = "short of" if difference > 0 else "over"
        raise SplitError(
            f"The split amounts must add up to the expense total; they are "
            f"{abs(difference)} minor units {direction} it.",
            difference=difference,
        )
    return _sorted_by_user(dict(entries))


def split_percentage(
    total: int,
    entries: Sequence[tuple[int, Decimal]],
    *,
    members: Collection[int],
    rotation_key: int,
) -> dict[int, int]:
    """Percentages (> 0, summing to exactly 100) used as proportional shares."""
    weights = _checked_weights(total, entries, members, field="percentage")
    # Summed as Fractions: a Decimal sum could be rounded by the decimal context.
    percent_sum = sum(Fraction(percentage) for percentage in weights.values())
    if percent_sum != 100:
        shown = Decimal(percent_sum.numerator) / Decimal(percent_sum.denominator)
        raise SplitError(f"The percentages must add up to 100; they add up to {shown}.")
    return _allocate(total, weights, rotation_key)


def split_shares(
    total: int,
    entries: Sequence[tuple[int, Decimal]],
    *,
    members: Collection[int],
    rotation_key: int,
) -> dict[int, int]:
    """Amounts proportional to each user's share (> 0), by largest remainder."""
    weights = _checked_weights(total, entries, members, field="shares")
    return _allocate(total, weights, rotation_key)


def _checked_weights(
    total: int, entries: Sequence[tuple[int, Decimal]], members: Collection[int], *, field: str
) -> dict[int, Decimal]:
    """The weights of a proportional split, after checking the total, users and weights."""
    _check_total(total)
    _check_user_ids([user_id for user_id, _ in entries], members)
    return {
        user_id: _positive_weight(weight, index=index, field=field)
        for index, (user_id, weight) in enumerate(entries)
    }


def split_adjustment(
    total: int, entries: Sequence[tuple[int, int]], *, members: Collection[int], rotation_key: int
) -> dict[int, int]:
    """Each user owes their signed adjustment plus an equal part of what is left.

    What is left (``total - sum(adjustments)``) may be negative; it is split as
    in :func:`split_equal`, so the parts still differ by at most one unit.
    """
    _check_total(total)
    user_ids = [user_id for user_id, _ in entries]
    _check_user_ids(user_ids, members)
    for index, (_, adjustment) in enumerate(entries):
        if not _is_int(adjustment):
            raise SplitError(
                "The adjustment must be a whole number of minor units.",
                index=index,
                field="adjustment",
            )
    rest = total - sum(adjustment for _, adjustment in entries)
    parts = _equal_parts(rest, spare_unit_order(user_ids, rotation_key))
    amounts = {user_id: adjustment + parts[user_id] for user_id, adjustment in entries}
    for index, (user_id, _) in enumerate(entries):
        if amounts[user_id] < 0:
            raise SplitError(
                f"This adjustment would leave user {user_id} owing a negative amount.",
                index=index,
                field="adjustment",
            )
    return _sorted_by_user(amounts)


def _allocate(total: int, weights: Mapping[int, Decimal], rotation_key: int) -> dict[int, int]:
    # Ties between equal remainders follow the same rotating order as spare units.
    return allocate_proportionally(total, weights, spare_unit_order(weights, rotation_key))
