"""The adversary's races: money named to a member at the moment they leave.

A member may leave, or be removed, only with a zero balance, and nobody can name a
former member in a new expense or settlement. Each rule reads the group's state; sent at
once, the leave and the write must take turns (the group's lock), so exactly one of
them wins and no money is ever left on someone who is gone: the nets of the current
members still sum to zero. Real concurrent requests, a few rounds each, on both
databases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account, group_with, join, nets, run_at_once

ROUNDS = 4


@dataclass
class Round:
    """One round of a race: the group, its owner, and the member who just joined."""

    group_id: int
    owner: Account
    newcomer: Account

    @property
    def newcomer_url(self) -> str:
        return f"/groups/{self.group_id}/members/{self.newcomer.id}"


def remove(client: FlaskClient, race: Round) -> Any:
    """The owner removes the newcomer."""
    return client.delete(race.newcomer_url, headers=race.owner.headers)


def leave(client: FlaskClient, race: Round) -> Any:
    """The newcomer leaves."""
    return client.delete(race.newcomer_url, headers=race.newcomer.headers)


def newcomer_pays_owner(client: FlaskClient, race: Round) -> Any:
    body = {"to_user": race.owner.id, "amount": "5.00"}
    url = f"/groups/{race.group_id}/settlements"
    return client.post(url, json=body, headers=race.newcomer.headers)


def owner_shares_a_bill_with_newcomer(client: FlaskClient, race: Round) -> Any:
    body = {
        "description": "Taxi",
        "amount": "10.00",
        "split_type": "equal",
        "participants": [race.owner.id, race.newcomer.id],
    }
    url = f"/groups/{race.group_id}/expenses"
    return client.post(url, json=body, headers=race.owner.headers)


def owner_records_a_payment_to_newcomer(client: FlaskClient, race: Round) -> Any:
    body = {"to_user": race.newcomer.id, "amount": "5.00"}
    url = f"/groups/{race.group_id}/settlements"
    return client.post(url, json=body, headers=race.owner.headers)


Request = Callable[[FlaskClient, Round], Any]


def _at_once(app: Flask, race: Round, *requests: Request) -> tuple[int, ...]:
    """Send the requests at once, each from its own client; their statuses, in order."""
    statuses: dict[int, int] = {}

    def send(index: int) -> None:
        statuses[index] = requests[index](app.test_client(), race).status_code

    assert run_at_once(len(requests), send) == []
    return tuple(statuses[index] for index in range(len(requests)))


@pytest.mark.parametrize(
    ("departure", "write", "outcomes"),
    [
        # Gone first, the write finds no member (404 for the caller, 422 for a name);
        # written first, the departure finds a balance (409).
        (remove, newcomer_pays_owner, {(204, 404), (409, 201)}),
        (leave, newcomer_pays_owner, {(204, 404), (409, 201)}),
        (leave, owner_shares_a_bill_with_newcomer, {(204, 422), (409, 201)}),
        (remove, owner_records_a_payment_to_newcomer, {(204, 422), (409, 201)}),
    ],
)
def test_a_member_leaving_while_money_is_named_to_them_leaves_nothing_behind(
    app: Flask,
    make_user: Callable[..., Account],
    departure: Request,
    write: Request,
    outcomes: set[tuple[int, ...]],
) -> None:
    client = app.test_client()
    owner = make_user()
    group_id = group_with(client, owner, make_user())
    for _ in range(ROUNDS):
        race = Round(group_id, owner, make_user())
        group = client.get(f"/groups/{group_id}", headers=owner.headers).get_json()
        join(client, group, race.newcomer)  # the code changes at each removal
        outcome = _at_once(app, race, departure, write)
        assert outcome in outcomes
        assert sum(Decimal(net) for net in nets(client, group_id, owner).values()) == 0
        members = client.get(
            f"/groups/{group_id}/members?include_former=true", headers=owner.headers
        ).get_json()
        gone = {row["user_id"] for row in members if row.get("left_at")}
        assert (race.newcomer.id in gone) == (outcome[0] == 204)
