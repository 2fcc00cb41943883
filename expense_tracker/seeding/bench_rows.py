"""The rows of `flask seed-bench`, drawn from one generator seeded by `--seed`.

Every row is valid against every database constraint, and the same seed gives the same data
(except invite codes, which stay unguessable whatever the seed).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from expense_tracker.domain import splits
from expense_tracker.domain.text import casefold_key
from expense_tracker.models.expense import PAYMENT_METHODS
from expense_tracker.models.group import HUNDREDTHS, SPLIT_TYPES

BENCH_CATEGORIES = (
    "Groceries", "Rent", "Transport", "Eating out", "Utilities", "Health", "Entertainment",
    "Travel", "Books", "Clothing", "Gifts", "Sports", "Education", "Insurance", "Pets", "Coffee",
)  # fmt: skip
BENCH_DESCRIPTIONS = (
    "", "weekly shop", "with friends", "online order", "monthly", "card payment", "market",
    "subscription", "refill", "tickets",
)  # fmt: skip
# (currency, weight, largest amount in minor units)
BENCH_CURRENCIES = (("USD", 70, 50_000), ("EUR", 25, 50_000), ("JPY", 5, 50_000))
BENCH_HISTORY_DAYS = 730


class BenchData:
    """The rows of the data set, drawn in order from `rng`: the users, then their groups.

    The row methods are generators, so the order in which they are consumed is the order of
    the draws; consume each one fully before starting the next.
    """

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.largest = {name: top for name, _, top in BENCH_CURRENCIES}
        self.categories = [(name, casefold_key(name)) for name in BENCH_CATEGORIES]
        self.description_keys = {text: casefold_key(text) for text in BENCH_DESCRIPTIONS}
        self.founded = now - timedelta(days=BENCH_HISTORY_DAYS)
        self.user_ids: list[int] = []
        self.user_currency: dict[int, str] = {}
        self.group_members: dict[int, list[int]] = {}
        self.group_owner: dict[int, int] = {}
        self.group_currency: dict[int, str] = {}
        self.group_expense_counts: dict[int, int] = {}

    def draw_users(self, first_id: int, count: int) -> list[int]:
        """Ids from `first_id` on, each with a default currency; returns the ids."""
        self.user_ids = list(range(first_id, first_id + count))
        names = [name for name, _, _ in BENCH_CURRENCIES]
        weights = [weight for _, weight, _ in BENCH_CURRENCIES]
        self.user_currency = dict(
            zip(self.user_ids, self.rng.choices(names, weights, k=count), strict=True)
        )
        return self.user_ids

    def draw_groups(
        self,
        first_id: int,
        count: int,
        size: int,
        per_group: int,
        sized: Sequence[int] = (),
    ) -> None:
        """Groups of `size` users each, numbered from `first_id`: one per number of shared
        expenses in `sized` (in that order), then `count` with `per_group` each. A group's
        owner sets its currency."""
        expense_counts = [*sized, *([per_group] * count)]
        self.group_expense_counts = dict(enumerate(expense_counts, start=first_id))
        self.group_members = {
            group_id: sorted(self.rng.sample(self.user_ids, size))
            for group_id in self.group_expense_counts
        }
        self.group_owner = {
            group_id: self.rng.choice(ids) for group_id, ids in self.group_members.items()
        }
        self.group_currency = {
            group_id: self.user_currency[owner] for group_id, owner in self.group_owner.items()
        }

    def _moment(self) -> datetime:
        """A random moment of the history."""
        return self.now - timedelta(seconds=self.rng.randrange(BENCH_HISTORY_DAYS * 86400))

    def user_rows(self, password_hash: str) -> Iterator[dict[str, Any]]:
        joined = self.now - timedelta(days=BENCH_HISTORY_DAYS + 1)
        for user_id in self.user_ids:
            email = f"bench-user-{user_id}@example.com"
            yield {
                "id": user_id,
                "email": email,
                "email_key": casefold_key(email),
                "full_name": f"Bench User {user_id}",
                "password_hash": password_hash,
                "default_currency": self.user_currency[user_id],
                "created_at": joined,
                "deleted_at": None,
            }

    def expense_rows(
        self, first_id: int, count: int, top_user_count: int = 0
    ) -> Iterator[dict[str, Any]]:
        """`count` personal expenses in their owner's currency: the first `top_user_count`
        belong to the first user, each of the others to a random user (but the first one
        when `top_user_count` is set)."""
        randrange, choice = self.rng.randrange, self.rng.choice
        user_ids, user_currency = self.user_ids, self.user_currency
        top_user = user_ids[0] if user_ids else 0
        # Without a top user, everyone draws alike (the data of a seed stays the same).
        others = user_ids[1:] if top_user_count else user_ids
        users = len(others)
        for offset in range(count):
            owner = top_user if offset < top_user_count else others[randrange(users)]
            currency = user_currency[owner]
            category, category_key = choice(self.categories)
            created = self._moment()
            amount = randrange(1, self.largest[currency])
            description = choice(BENCH_DESCRIPTIONS)
            yield {
                "id": first_id + offset,
                "owner_id": owner,
                "date": created.date(),
                "category": category,
                "category_key": category_key,
                "amount": amount,
                "currency": currency,
                "description": description,
                # What the list's search `q` matches (the API sets it on every write).
                "description_key": self.description_keys[description],
                "payment_method": choice(PAYMENT_METHODS),
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }

    def group_rows(self) -> Iterator[dict[str, Any]]:
        for group_id in self.group_members:
            yield {
                "id": group_id,
                "name": f"Bench group {group_id}",
                "name_key": f"bench group {group_id}",
                "description": "",
                "currency": self.group_currency[group_id],
                "join_policy": "open" if group_id % 2 else "invite",
                "invite_code": secrets.token_urlsafe(16),
                "created_by": self.group_owner[group_id],
                "created_at": self.founded,
                "updated_at": self.founded,
                "version": 1,
            }

    def member_rows(self) -> Iterator[dict[str, Any]]:
        for group_id, ids in self.group_members.items():
            for user_id in ids:
                yield {
                    "group_id": group_id,
                    "user_id": user_id,
                    "role": "owner" if user_id == self.group_owner[group_id] else "member",
                    "joined_at": self.founded,
                    "left_at": None,
                }

    def group_expense_rows(
        self,
        first_id: int,
        payer_rows: list[dict[str, Any]],
        split_rows: list[dict[str, Any]],
    ) -> Iterator[dict[str, Any]]:
        """Each group's number of shared expenses (`draw_groups`); their payers and splits
        are appended to `payer_rows` and `split_rows` as each expense is yielded."""
        rng = self.rng
        expense_id = first_id
        for group_id, ids in self.group_members.items():
            currency = self.group_currency[group_id]
            for _ in range(self.group_expense_counts[group_id]):
                amount = rng.randrange(len(ids) * 2, self.largest[currency])
                created = self._moment()
                split_type, rows = _split_rows(rng, expense_id, amount, ids)
                payers = rng.sample(ids, 2 if rng.random() < 0.15 else 1)
                if len(payers) == 1:
                    paid = [amount]
                else:
                    first = rng.randrange(1, amount)
                    paid = [first, amount - first]
                payer_rows.extend(
                    {"expense_id": expense_id, "user_id": user_id, "amount": part}
                    for user_id, part in zip(payers, paid, strict=True)
                )
                for row in rows:
                    paid_back = (
                        len(payers) == 1 and row["user_id"] != payers[0] and rng.random() < 0.1
                    )
                    row["is_paid"] = paid_back
                    row["paid_at"] = created if paid_back else None
                split_rows.extend(rows)
                category, category_key = rng.choice(self.categories)
                yield {
                    "id": expense_id,
                    "group_id": group_id,
                    "description": f"{category} ({expense_id})",
                    "amount": amount,
                    "currency": currency,
                    "date": created.date(),
                    "category": category,
                    "category_key": category_key,
                    "split_type": split_type,
                    "created_by": payers[0],
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
                expense_id += 1

    def settlement_rows(self, first_id: int) -> Iterator[dict[str, Any]]:
        """Two payments between members in every group."""
        today = self.now.date()
        settlement_id = first_id
        for group_id, ids in self.group_members.items():
            currency = self.group_currency[group_id]
            for _ in range(2):
                sender, receiver = self.rng.sample(ids, 2)
                created = self._moment()
                yield {
                    "id": settlement_id,
                    "group_id": group_id,
                    "from_user_id": sender,
                    "to_user_id": receiver,
                    "amount": self.rng.randrange(1, self.largest[currency] // 10),
                    "currency": currency,
                    "date": min(created.date(), today),
                    "note": "",
                    "created_by": sender,
                    "created_at": created,
                    "version": 1,
                }
                settlement_id += 1


def _split_rows(
    rng: random.Random, expense_id: int, amount: int, members: list[int]
) -> tuple[str, list[dict[str, Any]]]:
    """A valid split of `amount` among `members`, of a type chosen by the expense id."""
    split_type = SPLIT_TYPES[expense_id % len(SPLIT_TYPES)]
    inputs: dict[int, dict[str, Any]] = {
        user_id: {"percentage_hundredths": None, "shares_hundredths": None, "adjustment": None}
        for user_id in members
    }
    if split_type == "equal":
        owed = splits.split_equal(amount, members, members=members, rotation_key=expense_id)
    elif split_type == "exact":
        cuts = sorted(rng.randint(0, amount) for _ in range(len(members) - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, amount], strict=True)]
        owed = splits.split_exact(amount, list(zip(members, parts, strict=True)), members=members)
    elif split_type == "percentage":
        # Whole percents summing to 100, each at least 1.
        cuts = sorted(rng.sample(range(1, 100), len(members) - 1))
        percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        owed = apportion(amount, dict(zip(members, percents, strict=True)), expense_id)
        for user_id, percent in zip(members, percents, strict=True):
            inputs[user_id]["percentage_hundredths"] = percent * HUNDREDTHS
    elif split_type == "shares":
        shares = [rng.randint(1, 4) for _ in members]
        owed = apportion(amount, dict(zip(members, shares, strict=True)), expense_id)
        for user_id, share in zip(members, shares, strict=True):
            inputs[user_id]["shares_hundredths"] = share * HUNDREDTHS
    else:  # adjustment: small signed corrections that leave nobody owing less than zero
        equal_part = amount // len(members)
        adjustments = [rng.randint(-equal_part // 2, equal_part // 2) for _ in members]
        owed = splits.split_adjustment(
            amount,
            list(zip(members, adjustments, strict=True)),
            members=members,
            rotation_key=expense_id,
        )
        for user_id, adjustment in zip(members, adjustments, strict=True):
            inputs[user_id]["adjustment"] = adjustment
    rows = [
        {"expense_id": expense_id, "user_id": user_id, "amount": owed[user_id], **inputs[user_id]}
        for user_id in members
    ]
    return split_type, rows


def apportion(total: int, weights: dict[int, int], rotation_key: int) -> dict[int, int]:
    """`splits.split_percentage` / `split_shares` for whole-number weights, in integers.

    The same largest-remainder rule, ties in the same rotating order (tests/ops/test_cli.py
    checks that every seeded split agrees with the `splits` functions), without their
    exact fractions, which made them most of the time of drawing a million splits.
    """
    weight_sum = sum(weights.values())
    rank = {
        user_id: position
        for position, user_id in enumerate(splits.spare_unit_order(weights, rotation_key))
    }
    amounts: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for user_id, weight in weights.items():
        amounts[user_id], remainders[user_id] = divmod(total * weight, weight_sum)
    spare = total - sum(amounts.values())
    by_remainder = sorted(weights, key=lambda user_id: (-remainders[user_id], rank[user_id]))
    for user_id in by_remainder[:spare]:
        amounts[user_id] += 1
    return dict(sorted(amounts.items()))
