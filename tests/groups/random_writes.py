"""Random writes to a group through the API: bodies for every split type and payers, and
a driver that makes members' writes in random order. Shared by the randomised group tests.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from expense_tracker.domain.money import format_decimal
from tests.factories import Account, cents, group_with, usd


def random_split(rng: random.Random, total: int, members: list[int]) -> dict[str, Any]:
    """A random create body for any of the five split types (amounts in cents)."""
    people = rng.sample(members, rng.randint(1, len(members)))
    split_type = rng.choice(["equal", "exact", "percentage", "shares", "adjustment"])
    body: dict[str, Any] = {"split_type": split_type}
    if split_type == "equal":
        if rng.random() < 0.8:
            body["participants"] = people
    elif split_type == "exact":
        cuts = sorted(rng.randint(0, total) for _ in people[1:])
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        body["splits"] = [
            {"user_id": uid, "amount": usd(amount)}
            for uid, amount in zip(people, amounts, strict=True)
        ]
    elif split_type == "percentage":
        cuts = sorted(rng.sample(range(1, 10000), len(people) - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
        body["splits"] = [
            {"user_id": uid, "percentage": format_decimal(Decimal(part).scaleb(-2), 2)}
            for uid, part in zip(people, parts, strict=True)
        ]
    elif split_type == "shares":
        body["splits"] = [
            {"user_id": uid, "shares": str(rng.choice([1, 2, 3, "0.5", "1.25", 7]))}
            for uid in people
        ]
    else:
        # Adjustments within what an equal part can absorb keep every share >= 0.
        bound = total // (2 * len(people))
        body["splits"] = [
            {"user_id": uid, "adjustment": usd(rng.randint(-bound, bound))} for uid in people
        ]
    return body


def random_payers(rng: random.Random, total: int, members: list[int]) -> dict[str, Any]:
    if rng.random() < 0.6 or total < 3:
        return {"paid_by": rng.choice(members)}
    payers = rng.sample(members, rng.randint(2, min(3, len(members))))
    cuts = sorted(rng.sample(range(1, total), len(payers) - 1))
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    return {
        "payers": [
            {"user_id": uid, "amount": usd(amount)}
            for uid, amount in zip(payers, amounts, strict=True)
        ]
    }


class GroupDriver:
    """Random writes to one group through the API, as its members would make them."""

    def __init__(self, client: FlaskClient, accounts: list[Account], rng: random.Random) -> None:
        self.client = client
        self.rng = rng
        self.accounts = {account.id: account for account in accounts}
        self.owner = accounts[0]
        self.group_id = group_with(client, accounts[0], *accounts[1:])
        self.expenses: dict[int, dict[str, Any]] = {}
        self.settlements: list[int] = []
        self.guests: list[int] = []  # members without an account: they never act
        # Deleted, restorable: expense documents as they were, and settlement ids.
        self.deleted_expenses: dict[int, dict[str, Any]] = {}
        self.deleted_settlements: list[int] = []

    @property
    def members(self) -> list[int]:
        """Everyone who can pay, share and settle: accounts and guests."""
        return sorted([*self.accounts, *self.guests])

    def _actor(self, *user_ids: int) -> Account:
        """The first of these who can act (has an account), else the owner."""
        return next((self.accounts[uid] for uid in user_ids if uid in self.accounts), self.owner)

    def url(self, path: str = "") -> str:
        return f"/groups/{self.group_id}{path}"

    def run(self, operation: str) -> None:
        getattr(self, operation)()

    def _expense(self) -> dict[str, Any] | None:
        if not self.expenses:
            return None
        return self.expenses[self.rng.choice(sorted(self.expenses))]

    def _patch_expense(self, expense: dict[str, Any], body: dict[str, Any]) -> None:
        # The owner may change any expense; 409 (a paid share) and 422 must change nothing.
        response = self.client.patch(
            self.url(f"/expenses/{expense['id']}"), json=body, headers=self.owner.headers
        )
        assert response.status_code in (200, 409, 422), response.get_json()
        if response.status_code == 200:
            self.expenses[expense["id"]] = response.get_json()

    def create(self, **extra: Any) -> None:
        total = self.rng.choice([1, 2, 3, 99, 1001, self.rng.randint(1, 5_000_000)])
        body = {
            "description": "Random",
            "amount": usd(total),
            **random_payers(self.rng, total, self.members),
            **random_split(self.rng, total, self.members),
            **extra,
        }
        creator = self.accounts[self.rng.choice(sorted(self.accounts))]
        response = self.client.post(self.url("/expenses"), json=body, headers=creator.headers)
        if extra and response.status_code == 422:
            # An amount or a payer's part below one cent once converted: nothing written.
            errors = response.get_json()["errors"]
            assert all(path == "amount" or path.startswith("payers") for path in errors), errors
            return
        assert response.status_code == 201, (body, response.get_json())
        self.expenses[response.get_json()["id"]] = response.get_json()

    def create_foreign(self) -> None:
        """An expense in euros, converted to the group's dollars at a given rate."""
        rate = self.rng.choice(["1.0921", "0.5", "3", "1.23456789012", "0.0067", "158.23"])
        self.create(currency="EUR", exchange_rate=rate)

    def add_guest(self) -> None:
        response = self.client.post(
            self.url("/guests"), json={"full_name": "Guest"}, headers=self.owner.headers
        )
        assert response.status_code == 201, response.get_json()
        self.guests.append(response.get_json()["user_id"])

    def merge_guest(self) -> None:
        """A guest merged into an account: 409 when that account shares one of its bills."""
        if not self.guests:
            return
        guest = self.rng.choice(self.guests)
        target = self.rng.choice(sorted(self.accounts))
        response = self.client.post(
            self.url(f"/guests/{guest}/merge"), json={"user_id": target}, headers=self.owner.headers
        )
        if response.status_code == 202:  # the owner's yes; the receiving account's is the other
            response = self.client.post(
                self.url(f"/guest-merges/{response.get_json()['id']}/accept"),
                headers=self.accounts[target].headers,
            )
        assert response.status_code in (200, 409), response.get_json()
        if response.status_code == 200:
            self.guests.remove(guest)
            for expense_id in list(self.expenses):
                self.expenses[expense_id] = self.client.get(
                    self.url(f"/expenses/{expense_id}"), headers=self.owner.headers
                ).get_json()

    def edit_amount(self) -> None:
        if expense := self._expense():
            self._patch_expense(expense, {"amount": usd(self.rng.randint(1, 5_000_000))})

    def edit_split(self) -> None:
        if expense := self._expense():
            total = cents(expense["original_amount"] or expense["amount"])
            self._patch_expense(expense, random_split(self.rng, total, self.members))

    def edit_payers(self) -> None:
        if expense := self._expense():
            total = cents(expense["original_amount"] or expense["amount"])
            self._patch_expense(expense, random_payers(self.rng, total, self.members))

    def delete(self) -> None:
        if expense := self._expense():
            response = self.client.delete(
                self.url(f"/expenses/{expense['id']}"), headers=self.owner.headers
            )
            assert response.status_code == 204, response.get_json()
            self.deleted_expenses[expense["id"]] = self.expenses.pop(expense["id"])

    def restore(self) -> None:
        """Restore a deleted expense: it must come back exactly as it was, paid flags too,
        unless someone in it has left meanwhile (409, nothing changes)."""
        if not self.deleted_expenses:
            return
        expense_id = self.rng.choice(sorted(self.deleted_expenses))
        response = self.client.post(
            self.url(f"/expenses/{expense_id}/restore"), headers=self.owner.headers
        )
        assert response.status_code in (200, 409), response.get_json()
        if response.status_code == 200:
            before = self.deleted_expenses.pop(expense_id)
            assert response.get_json() == before
            self.expenses[expense_id] = before

    def _mark(self, is_paid: bool) -> None:
        expense = self._expense()
        if expense is None:
            return
        split = self.rng.choice(expense["splits"])
        payer_ids = {payer["user_id"] for payer in expense["payers"]}
        if payer_ids == {split["user_id"]}:
            return  # the only payer's own share is no debt
        actor = self._actor(split["user_id"], *sorted(payer_ids))
        if actor is self.owner and self.owner.id not in (split["user_id"], *payer_ids):
            return  # a guest's share of a bill only guests paid: nobody can mark it
        response = self.client.patch(
            self.url(f"/expenses/{expense['id']}/splits/{split['user_id']}"),
            json={"is_paid": is_paid},
            headers=actor.headers,
        )
        assert response.status_code == 200, response.get_json()
        self.expenses[expense["id"]] = response.get_json()

    def mark_paid(self) -> None:
        self._mark(True)

    def mark_unpaid(self) -> None:
        self._mark(False)

    def settle(self) -> None:
        sender, receiver = self.rng.sample(self.members, 2)
        response = self.client.post(
            self.url("/settlements"),
            json={
                "from_user": sender,
                "to_user": receiver,
                "amount": usd(self.rng.randint(1, 100_000)),
            },
            headers=self._actor(sender, receiver).headers,
        )
        assert response.status_code == 201, response.get_json()
        self.settlements.append(response.get_json()["id"])

    def delete_settlement(self) -> None:
        if self.settlements:
            settlement_id = self.settlements.pop(self.rng.randrange(len(self.settlements)))
            response = self.client.delete(
                self.url(f"/settlements/{settlement_id}"), headers=self.owner.headers
            )
            assert response.status_code == 204, response.get_json()
            self.deleted_settlements.append(settlement_id)

    def restore_settlement(self) -> None:
        if self.deleted_settlements:
            index = self.rng.randrange(len(self.deleted_settlements))
            settlement_id = self.deleted_settlements[index]
            response = self.client.post(
                self.url(f"/settlements/{settlement_id}/restore"), headers=self.owner.headers
            )
            assert response.status_code in (200, 409), response.get_json()
            if response.status_code == 200:
                self.settlements.append(self.deleted_settlements.pop(index))

    def leave_and_rejoin(self) -> None:
        """A member with a zero net leaves and joins again: their totals stay theirs."""
        nets = {
            row["user_id"]: row["net"]
            for row in self.client.get(self.url("/balances"), headers=self.owner.headers).json
        }
        settled = [
            uid
            for uid, net in nets.items()
            if cents(net) == 0 and uid != self.owner.id and uid in self.accounts
        ]
        if not settled:
            return
        member = self.accounts[self.rng.choice(settled)]
        left = self.client.delete(self.url(f"/members/{member.id}"), headers=member.headers)
        assert left.status_code == 204, left.get_json()
        code = self.client.get(self.url(), headers=self.owner.headers).json["invite_code"]
        joined = self.client.post(
            self.url("/join"), json={"invite_code": code}, headers=member.headers
        )
        assert joined.status_code == 201, joined.get_json()
