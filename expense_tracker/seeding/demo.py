"""The demo data set of `flask seed-demo`, created through the HTTP API itself.

Going through the API (in process, with the application's test client) means the data set
passes the real validation and split rules. It is written as data below (who signs up, what
they spend, what they share) and is created once: if its first user exists, nothing changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import click
from flask import Flask

from expense_tracker.database import utc_today
from expense_tracker.domain.splits import SPLIT_VALUE_FIELDS
from expense_tracker.http.limits import INTERNAL_REQUEST_FLAG
from expense_tracker.seeding.demo_features import add_feature_demos

DEMO_PASSWORD = "demo-password-2024"
# (email, full name, default currency); the data below names each user by the email's
# local part ("alice").
DEMO_USERS = (
    ("alice@example.com", "Alice Martin", "EUR"),
    ("bob@example.com", "Bob Chen", "EUR"),
    ("carol@example.com", "Carol Díaz", "EUR"),
)

# Personal expenses by owner: (category, amount, payment method, description, days ago).
PERSONAL_EXPENSES = {
    "alice": [
        ("Groceries", "54.20", "debit_card", "Weekly shop", 1),
        ("Transport", "2.90", "mobile_payment", "Metro ticket", 2),
        ("Rent", "950.00", "bank_transfer", "November rent", 5),
        ("Eating out", "18.50", "credit_card", "Lunch with Sam", 6),
        ("Utilities", "63.75", "bank_transfer", "Electricity", 12),
        ("Groceries", "31.05", "cash", "Market", 15),
        ("Health", "12.99", "credit_card", "Pharmacy", 33),
        ("Entertainment", "11.99", "credit_card", "Streaming subscription", 40),
    ],
    "bob": [
        ("Groceries", "22.40", "cash", "Bakery and fruit", 1),
        ("Transport", "45.00", "credit_card", "Fuel", 8),
        ("Books", "17.90", "debit_card", "Paperback", 20),
    ],
}


@dataclass(frozen=True)
class DemoGroupExpense:
    """A shared expense as its creator posts it, members named as in `DEMO_USERS`."""

    created_by: str
    description: str
    amount: str
    category: str
    days_ago: int
    split_type: str = "equal"
    # member -> the value of their split, in the field `SPLIT_VALUE_FIELDS` names
    splits: Mapping[str, str] = field(default_factory=dict)
    # member -> amount paid; left out, the API takes the creator as the one payer
    payers: Mapping[str, str] = field(default_factory=dict)
    # `equal` among these; left out, the API splits among every member
    participants: tuple[str, ...] = ()

    def body(self, ids: Mapping[str, int], date: str) -> dict[str, Any]:
        """The request body, with member names replaced by user ids."""
        body: dict[str, Any] = {
            "description": self.description,
            "amount": self.amount,
            "category": self.category,
            "date": date,
        }
        if self.payers:
            body["payers"] = [
                {"user_id": ids[name], "amount": amount} for name, amount in self.payers.items()
            ]
        body["split_type"] = self.split_type
        if self.splits:
            value_field = SPLIT_VALUE_FIELDS[self.split_type]
            body["splits"] = [
                {"user_id": ids[name], value_field: value} for name, value in self.splits.items()
            ]
        if self.participants:
            body["participants"] = [ids[name] for name in self.participants]
        return body


# "Lisbon trip": alice, bob and carol; one expense of every split type, one with two payers.
TRIP_EXPENSES = (
    DemoGroupExpense("alice", "Apartment, 3 nights", "540.00", "Lodging", 10),
    DemoGroupExpense(
        "bob",
        "Dinner in Alfama",
        "96.50",
        "Food",
        9,
        split_type="exact",
        splits={"alice": "40.00", "bob": "30.50", "carol": "26.00"},
    ),
    DemoGroupExpense(
        "carol",
        "Car rental to Sintra",
        "210.00",
        "Transport",
        9,
        split_type="percentage",
        splits={"alice": "50", "bob": "25", "carol": "25"},
    ),
    DemoGroupExpense(
        "alice",
        "Groceries for the apartment",
        "74.30",
        "Food",
        8,
        split_type="shares",
        splits={"alice": "2", "bob": "1", "carol": "1"},
    ),
    DemoGroupExpense(
        "bob",
        "Museum tickets (Carol had a student discount)",
        "60.00",
        "Culture",
        8,
        split_type="adjustment",
        splits={"alice": "2.50", "bob": "2.50", "carol": "-5.00"},
    ),
    DemoGroupExpense(
        "alice",
        "Fado show",
        "90.00",
        "Culture",
        8,
        payers={"alice": "50.00", "bob": "40.00"},
        participants=("alice", "bob", "carol"),
    ),
)
# "Flat 3B": bob and alice.
FLAT_EXPENSES = (DemoGroupExpense("bob", "Internet, this month", "39.99", "Utilities", 4),)

SUCCESS = (200, 201)


class DemoApiError(click.ClickException):
    """A call the data set needs was refused; click prints why and exits with 1."""


class ApiClient:
    """The API as a client sees it, in process; exempt from rate limits."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = SUCCESS,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(
            path,
            method=method,
            json=json,
            data=data,
            headers=headers,
            environ_base={INTERNAL_REQUEST_FLAG: True},
        )
        body = response.get_json(silent=True)
        if response.status_code not in expect:
            raise DemoApiError(
                f"{method} {path} answered {response.status_code}: "
                f"{(body or {}).get('detail', '')} {(body or {}).get('errors', '')}".strip()
            )
        return response.status_code, body


def seed_demo_data(app: Flask) -> str:
    """Create the demo data set through `app`'s API; returns what to tell the operator."""
    message: str = _in_own_thread(lambda: _create_demo_data(ApiClient(app)))
    return message


def _in_own_thread(work: Callable[[], Any]) -> Any:
    """Run `work` on a fresh thread: without this command's application context, each
    in-process request gets its own context, session and `g`, as in a server."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="seed-demo")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _create_demo_data(api: ApiClient) -> str:
    first_user, *other_users = DEMO_USERS
    if _sign_up(api, *first_user, expect=(201, 409)) == 409:
        return "Demo data is already there (alice@example.com exists); nothing changed."
    for user in other_users:
        _sign_up(api, *user)
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    for email, _name, _currency in DEMO_USERS:
        name = email.split("@")[0]
        _, pair = api.call("POST", "/token", data={"username": email, "password": DEMO_PASSWORD})
        tokens[name] = pair["access_token"]
        _, me = api.call("GET", "/users/me", tokens[name])
        ids[name] = me["id"]
    today = utc_today()

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    def add_group_expenses(group_id: int, expenses: tuple[DemoGroupExpense, ...]) -> None:
        for expense in expenses:
            api.call(
                "POST",
                f"/groups/{group_id}/expenses",
                tokens[expense.created_by],
                json=expense.body(ids, day(expense.days_ago)),
            )

    for name, rows in PERSONAL_EXPENSES.items():
        for category, amount, method, description, days_ago in rows:
            api.call(
                "POST",
                "/expenses/",
                tokens[name],
                json={
                    "category": category,
                    "amount": amount,
                    "payment_method": method,
                    "description": description,
                    "date": day(days_ago),
                },
            )

    # An invite-only group, joined both ways an invite code allows.
    _, trip = api.call(
        "POST",
        "/groups/",
        tokens["alice"],
        json={
            "name": "Lisbon trip",
            "description": "Long weekend in Lisbon",
            "currency": "EUR",
            "join_policy": "invite",
        },
    )
    trip_id = trip["id"]
    api.call("POST", "/groups/join", tokens["bob"], json={"invite_code": trip["invite_code"]})
    api.call(
        "POST",
        f"/groups/{trip_id}/join",
        tokens["carol"],
        json={"invite_code": trip["invite_code"]},
    )
    add_group_expenses(trip_id, TRIP_EXPENSES)
    api.call(
        "POST",
        f"/groups/{trip_id}/settlements",
        tokens["carol"],
        json={"to_user": ids["alice"], "amount": "100.00", "date": day(3), "note": "Bank transfer"},
    )

    # An open group: joining needs no code.
    _, flat = api.call(
        "POST",
        "/groups/",
        tokens["bob"],
        json={"name": "Flat 3B", "description": "Shared flat costs", "join_policy": "open"},
    )
    api.call("POST", f"/groups/{flat['id']}/join", tokens["alice"], json={})
    add_group_expenses(flat["id"], FLAT_EXPENSES)
    features = add_feature_demos(
        api,
        tokens,
        ids,
        trip,
        flat["id"],
        today,
        day,
        lambda *user: _sign_up(api, *user),
        DEMO_PASSWORD,
    )

    users = ", ".join(email for email, _, _ in DEMO_USERS)
    return (
        f"Demo data created: users {users} (password {DEMO_PASSWORD!r}), "
        f"groups 'Lisbon trip' ({trip_id}) and 'Flat 3B' ({flat['id']}). {features}"
    )


def _sign_up(
    api: ApiClient,
    email: str,
    full_name: str,
    currency: str,
    *,
    expect: tuple[int, ...] = SUCCESS,
) -> int:
    status, _ = api.call(
        "POST",
        "/users/",
        json={
            "email": email,
            "full_name": full_name,
            "password": DEMO_PASSWORD,
            "default_currency": currency,
        },
        expect=expect,
    )
    return status
