"""Guests and their merges over HTTP, for the guest tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import Account, cents, nets


def add_guest(client: FlaskClient, group_id: int, account: Account, name: str = "Grandma") -> int:
    response = client.post(
        f"/groups/{group_id}/guests", json={"full_name": name}, headers=account.headers
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["user_id"])


def ask(
    client: FlaskClient, group_id: int, guest: int, target: int, account: Account, **kw: Any
) -> Any:
    """`POST .../guests/{guest}/merge {user_id: target}` as `account`: the response."""
    return client.post(
        f"/groups/{group_id}/guests/{guest}/merge",
        json={"user_id": target},
        headers=account.headers,
        **kw,
    )


def answer(client: FlaskClient, group_id: int, merge_id: int, verb: str, account: Account) -> Any:
    """Accept or decline request `merge_id` as `account`: the response."""
    return client.post(
        f"/groups/{group_id}/guest-merges/{merge_id}/{verb}", headers=account.headers
    )


def merge(
    client: FlaskClient, group_id: int, guest: int, target: Account, owner: Account
) -> dict[str, Any]:
    """The two yeses: the owner asks, the receiving account accepts; the merged member."""
    asked = ask(client, group_id, guest, target.id, owner)
    assert asked.status_code == 202, asked.get_json()
    accepted = answer(client, group_id, asked.get_json()["id"], "accept", target)
    assert accepted.status_code == 200, accepted.get_json()
    return dict(accepted.get_json())


def int_nets(client: FlaskClient, group_id: int, account: Account) -> dict[int, int]:
    return {uid: cents(net) for uid, net in nets(client, group_id, account).items()}


def pending(client: FlaskClient, group_id: int, account: Account) -> list[dict[str, Any]]:
    response = client.get(f"/groups/{group_id}/guest-merges", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())
