"""Group rules that used to leak: a removed member rejoining with the code they knew, and
paid shares whose payers could change under them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from expense_tracker.groups.balances import audit as balance_audit
from tests.factories import Account
from tests.problems import assert_problem


def new_group(client: FlaskClient, owner: Account, **fields: Any) -> dict[str, Any]:
    response = client.post("/groups/", json={"name": "Flat", **fields}, headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join_with_code(client: FlaskClient, account: Account, code: str) -> Any:
    return client.post("/groups/join", json={"invite_code": code}, headers=account.headers)


def join_by_id(client: FlaskClient, account: Account, group_id: int, code: str) -> Any:
    return client.post(
        f"/groups/{group_id}/join", json={"invite_code": code}, headers=account.headers
    )


def invite_code(client: FlaskClient, group_id: int, member: Account) -> str:
    response = client.get(f"/groups/{group_id}", headers=member.headers)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["invite_code"])


def remove(client: FlaskClient, group_id: int, actor: Account, target: Account) -> Any:
    return client.delete(f"/groups/{group_id}/members/{target.id}", headers=actor.headers)


# --------------------------------------------------------------------------- invite codes


def test_a_removed_member_cannot_rejoin_with_the_code_they_knew(
    client: FlaskClient, make_user: Any
) -> None:
    owner, removed, newcomer = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    known = group["invite_code"]
    assert join_with_code(client, removed, known).status_code == 201

    assert remove(client, group["id"], owner, removed).status_code == 204

    # The code they knew opens nothing any more, by code alone or with the group's id.
    assert_problem(join_with_code(client, removed, known), 404, "not-found")
    assert_problem(join_by_id(client, removed, group["id"], known), 404, "not-found")
    # The members have the new code, which works for whoever is given it.
    fresh = invite_code(client, group["id"], owner)
    assert fresh != known
    assert join_with_code(client, newcomer, fresh).status_code == 201


def test_leaving_by_oneself_keeps_the_invite_code(client: FlaskClient, make_user: Any) -> None:
    owner, leaver = make_user(), make_user()
    group = new_group(client, owner)
    assert join_with_code(client, leaver, group["invite_code"]).status_code == 201

    assert remove(client, group["id"], leaver, leaver).status_code == 204

    assert invite_code(client, group["id"], owner) == group["invite_code"]
    assert join_with_code(client, leaver, group["invite_code"]).status_code == 201


def test_a_refused_removal_keeps_the_invite_code(client: FlaskClient, make_user: Any) -> None:
    owner, member, other = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    for account in (member, other):
        assert join_with_code(client, account, group["invite_code"]).status_code == 201

    # Not an owner (403), and an owner with a balance to settle first (409).
    assert_problem(remove(client, group["id"], member, other), 403, "forbidden")
    expense = client.post(
        f"/groups/{group['id']}/expenses",
        json={"description": "Rent", "amount": "30", "split_type": "equal"},
        headers=owner.headers,
    )
    assert expense.status_code == 201
    assert_problem(remove(client, group["id"], owner, member), 409, "conflict")

    assert invite_code(client, group["id"], owner) == group["invite_code"]


# --------------------------------------------------------------------------- paid shares


@pytest.fixture
def paid_share(client: FlaskClient, make_user: Any) -> dict[str, Any]:
    """Owner paid 30.00 split equally among owner, a and b; a's share is marked paid."""
    owner, a, b = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    for account in (a, b):
        assert join_with_code(client, account, group["invite_code"]).status_code == 201
    created = client.post(
        f"/groups/{group['id']}/expenses",
        json={"description": "Dinner", "amount": "30.00", "split_type": "equal"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.get_json()
    url = f"/groups/{group['id']}/expenses/{created.get_json()['id']}"
    marked = client.patch(f"{url}/splits/{a.id}", json={"is_paid": True}, headers=a.headers)
    assert marked.status_code == 200, marked.get_json()
    return {"group_id": group["id"], "url": url, "owner": owner, "a": a, "b": b}


def balances(client: FlaskClient, group_id: int, viewer: Account) -> list[dict[str, Any]]:
    response = client.get(f"/groups/{group_id}/balances", headers=viewer.headers)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: {"paid_by": s["b"].id}, id="paid_by-another-member"),
        pytest.param(
            lambda s: {
                "payers": [
                    {"user_id": s["owner"].id, "amount": "15.00"},
                    {"user_id": s["b"].id, "amount": "15.00"},
                ]
            },
            id="payers-split-with-another-member",
        ),
    ],
)
def test_the_payers_of_an_expense_with_a_paid_share_cannot_change(
    app: Flask, client: FlaskClient, paid_share: dict[str, Any], change: Any
) -> None:
    owner = paid_share["owner"]
    before = client.get(paid_share["url"], headers=owner.headers)
    balances_before = balances(client, paid_share["group_id"], owner)

    refused = client.patch(paid_share["url"], json=change(paid_share), headers=owner.headers)

    assert_problem(refused, 409, "conflict")
    assert f"user {paid_share['a'].id}" in refused.get_json()["detail"].lower()
    after = client.get(paid_share["url"], headers=owner.headers)
    assert after.get_json() == before.get_json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert balances(client, paid_share["group_id"], owner) == balances_before
    with app.app_context():
        assert list(balance_audit.find_drift([paid_share["group_id"]])) == []


def test_payers_may_change_once_the_share_is_unmarked(
    client: FlaskClient, paid_share: dict[str, Any]
) -> None:
    a, b, owner = paid_share["a"], paid_share["b"], paid_share["owner"]
    unmarked = client.patch(
        f"{paid_share['url']}/splits/{a.id}", json={"is_paid": False}, headers=a.headers
    )
    assert unmarked.status_code == 200
    changed = client.patch(paid_share["url"], json={"paid_by": b.id}, headers=owner.headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["paid_by"] == b.id


def test_edits_that_leave_whom_a_paid_share_paid_alone_are_allowed(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    """Same payer, new total, exact splits keeping the paid share: it still paid the owner
    the same amount, so this is no change of payers in the sense of the rule."""
    owner, a, b = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    for account in (a, b):
        assert join_with_code(client, account, group["invite_code"]).status_code == 201
    splits = [
        {"user_id": owner.id, "amount": "10.00"},
        {"user_id": a.id, "amount": "10.00"},
        {"user_id": b.id, "amount": "10.00"},
    ]
    created = client.post(
        f"/groups/{group['id']}/expenses",
        json={"description": "Rent", "amount": "30.00", "split_type": "exact", "splits": splits},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.get_json()
    url = f"/groups/{group['id']}/expenses/{created.get_json()['id']}"
    assert (
        client.patch(f"{url}/splits/{a.id}", json={"is_paid": True}, headers=a.headers).status_code
        == 200
    )
    splits[2]["amount"] = "20.00"
    edited = client.patch(
        url, json={"amount": "40.00", "paid_by": owner.id, "splits": splits}, headers=owner.headers
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["payers"] == [{"user_id": owner.id, "amount": "40.00"}]
    with app.app_context():
        assert list(balance_audit.find_drift([group["id"]])) == []
