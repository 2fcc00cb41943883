"""Test data and helpers: accounts made by the service layer, groups and expenses made
through the API, and readers of what the API answers.

A plain module, not a test module: tests get accounts from the `make_user` fixture
(tests/conftest.py) and import the helpers below from here. No test module imports another
test module.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from expense_tracker.auth import service
from expense_tracker.auth.schemas import RegistrationSchema
from expense_tracker.domain.money import format_amount

PASSWORD = "correct horse battery staple"


def usd(cents: int) -> str:
    """Minor units as the API's USD money string (exact: no float on the way)."""
    return format_amount(cents, "USD")


def cents(text: str) -> int:
    """A USD money string from the API as minor units."""
    return int(Decimal(text).scaleb(2))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --------------------------------------------------------------------------- accounts


@dataclass
class Account:
    """A registered, signed-in user, as a client holds one."""

    id: int
    email: str
    password: str
    full_name: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


_numbers = itertools.count(1)


def registration(
    *,
    email: str | None = None,
    password: str = PASSWORD,
    full_name: str | None = None,
    default_currency: str = "USD",
) -> dict[str, str]:
    """A sign-up body (`POST /users/`); email and name are new ones unless given."""
    number = next(_numbers)
    return {
        "email": email or f"user{number}@example.com",
        "password": password,
        "full_name": full_name or f"User {number}",
        "default_currency": default_currency,
    }


def create_account(app: Flask, **fields: Any) -> Account:
    """A new user with a signed-in session, made by the service layer, not over HTTP.

    The body goes through the sign-up schema and `service.register`, the session through
    `service.start_session`, as `POST /users/` and `POST /token` would make them: the
    account can sign in with its password, and its tokens are real ones the API accepts.
    `fields` are those of `registration`.
    """
    body = registration(**fields)
    with app.app_context():
        user = service.register(**RegistrationSchema().load(body))
        pair = service.start_session(user)
        user_id = user.id
    return Account(
        user_id,
        body["email"],
        body["password"],
        body["full_name"],
        pair["access_token"],
        pair["refresh_token"],
    )


def sign_up_and_sign_in(client: FlaskClient, **fields: Any) -> Account:
    """A new user registered through `POST /users/` and signed in through `POST /token`."""
    body = registration(**fields)
    response = client.post("/users/", json=body)
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["id"]
    tokens = client.post("/token", data={"username": body["email"], "password": body["password"]})
    assert tokens.status_code == 200, tokens.get_json()
    pair = tokens.get_json()
    return Account(
        user_id,
        body["email"],
        body["password"],
        body["full_name"],
        pair["access_token"],
        pair["refresh_token"],
    )


# --------------------------------------------------------------------------- groups


def new_group(client: FlaskClient, owner: Account, **fields: Any) -> dict[str, Any]:
    """Create a group as `owner` and return its full view."""
    response = client.post("/groups/", json={"name": "Trip", **fields}, headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join(client: FlaskClient, group: dict[str, Any], *accounts: Account) -> None:
    """Bring accounts into the group with its invite code."""
    for account in accounts:
        response = client.post(
            f"/groups/{group['id']}/join",
            json={"invite_code": group["invite_code"]},
            headers=account.headers,
        )
        assert response.status_code == 201, response.get_json()


def group_with(client: FlaskClient, owner: Account, *members: Account, **fields: Any) -> int:
    """A group owned by `owner` with `members` in it; returns its id."""
    group = new_group(client, owner, **fields)
    join(client, group, *members)
    return group["id"]


def add_expense(
    client: FlaskClient, group_id: int, account: Account, **body: Any
) -> dict[str, Any]:
    body = {"description": "Dinner", "amount": "30.00", "split_type": "equal", **body}
    response = client.post(f"/groups/{group_id}/expenses", json=body, headers=account.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def nets(client: FlaskClient, group_id: int, account: Account) -> dict[int, str]:
    """Each member's net balance in the group, as `account` sees it."""
    response = client.get(f"/groups/{group_id}/balances", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return {row["user_id"]: row["net"] for row in response.get_json()}


# --------------------------------------------------------------------------- lists


def next_link(response: Any) -> str | None:
    """The URL of a list response's `Link: rel="next"`, or None on the last page."""
    for part in response.headers.get("Link", "").split(", "):
        if part.endswith('rel="next"'):
            return part[1 : part.index(">")]
    return None


def walk(client: FlaskClient, url: str, account: Any) -> list[int]:
    """Every id of a list, following its next links from `url`."""
    ids: list[int] = []
    while url:
        response = client.get(url, headers=account.headers)
        assert response.status_code == 200, response.get_json()
        ids += [row["id"] for row in response.get_json()]
        url = next_link(response)
    return ids


def run_at_once(writers: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(0)` ... `work(writers - 1)` on threads at once; what any of them raised
    (reported by the caller, from the main thread, where pytest sees it)."""
    failures: list[BaseException] = []

    def run(seed: int) -> None:
        try:
            work(seed)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures
