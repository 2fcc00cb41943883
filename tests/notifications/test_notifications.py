"""Notifications: the people a change concerns hear of it, never of their own actions."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import add_expense
from tests.problems import assert_problem

# Owners hear of every join and leave; most tests here are about other kinds.
_COMINGS_AND_GOINGS = {"member.joined", "member.left"}


def _kinds(client: FlaskClient, account: Any, *, comings_and_goings: bool = False) -> list[str]:
    response = client.get("/users/me/notifications", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    kinds = [n["kind"] for n in response.get_json()]
    if comings_and_goings:
        return kinds
    return [kind for kind in kinds if kind not in _COMINGS_AND_GOINGS]


def test_expense_changes_notify_its_people_but_not_the_actor(
    client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, participants=[owner.id, a.id])
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.patch(url, json={"description": "Lunch"}, headers=owner.headers)
    client.delete(url, headers=owner.headers)
    client.post(f"{url}/restore", headers=owner.headers)
    expected = ["expense.restored", "expense.deleted", "expense.updated", "expense.created"]
    assert _kinds(client, a) == expected
    assert _kinds(client, owner) == []
    assert _kinds(client, b) == []
    # Taken out of an expense: the one removed hears of it too.
    client.patch(url, json={"participants": [owner.id, b.id]}, headers=owner.headers)
    assert _kinds(client, a)[0] == "expense.updated"
    assert _kinds(client, b) == ["expense.updated"]


def test_comments_notify_the_people_of_the_expense(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, participants=[owner.id, a.id])
    url = f"/groups/{group_id}/expenses/{expense['id']}/comments"
    client.post(url, json={"body": "who has the receipt?"}, headers=b.headers)
    assert _kinds(client, owner) == ["comment.created"]
    assert _kinds(client, a)[0] == "comment.created"
    assert _kinds(client, b) == []


def test_settlements_and_paid_shares_notify_the_other_side(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, amount="30.00")
    created = client.post(
        f"/groups/{group_id}/settlements",
        json={"to_user": owner.id, "amount": "5.00"},
        headers=a.headers,
    ).get_json()
    settlement_url = f"/groups/{group_id}/settlements/{created['id']}"
    client.delete(settlement_url, headers=a.headers)
    client.post(f"{settlement_url}/restore", headers=a.headers)
    assert _kinds(client, owner) == [
        "settlement.restored",
        "settlement.deleted",
        "settlement.created",
    ]
    assert "settlement.created" not in _kinds(client, b)
    split_url = f"/groups/{group_id}/expenses/{expense['id']}/splits/{b.id}"
    client.patch(split_url, json={"is_paid": True}, headers=owner.headers)
    client.patch(split_url, json={"is_paid": False}, headers=owner.headers)
    assert _kinds(client, b)[:2] == ["split.unpaid", "split.paid"]
    assert "split.paid" not in _kinds(client, a)


def test_role_changes_and_removals_notify_that_member(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    client.patch(
        f"/groups/{group_id}/members/{a.id}", json={"role": "owner"}, headers=owner.headers
    )
    assert (
        client.delete(f"/groups/{group_id}/members/{b.id}", headers=owner.headers).status_code
        == 204
    )
    assert _kinds(client, a) == ["member.role_changed"]
    assert _kinds(client, b) == ["member.removed"]
    assert _kinds(client, owner) == []
    # Leaving by oneself notifies the owners only (the one who left hears nothing).
    client.delete(f"/groups/{group_id}/members/{a.id}", headers=a.headers)
    assert _kinds(client, owner, comings_and_goings=True)[0] == "member.left"
    assert _kinds(client, b) == ["member.removed"]


def test_unread_count_and_marking_read(client: FlaskClient, trio: Any, make_user: Any) -> None:
    group_id, owner, a, b = trio
    for _ in range(4):
        add_expense(client, group_id, a)
    listed = client.get("/users/me/notifications", headers=b.headers)
    assert listed.headers["X-Unread-Count"] == "4"
    assert listed.headers["X-Total-Count"] == "4"
    ids = [n["id"] for n in listed.get_json()]
    marked = client.post("/users/me/notifications/read", json={"ids": [ids[0]]}, headers=b.headers)
    assert marked.status_code == 204
    unread = client.get("/users/me/notifications?unread=true", headers=b.headers)
    assert [n["id"] for n in unread.get_json()] == ids[1:]
    assert unread.headers["X-Unread-Count"] == "3"
    client.post("/users/me/notifications/read", json={"up_to": ids[2]}, headers=b.headers)
    left = client.get("/users/me/notifications?unread=true", headers=b.headers).get_json()
    assert [n["id"] for n in left] == [ids[1]]  # newest first: ids[2:] are older
    everything = client.get("/users/me/notifications", headers=b.headers).get_json()
    assert [n["read_at"] is None for n in everything] == [False, True, False, False]
    assert everything[0]["actor_id"] == a.id
    assert everything[0]["group_id"] == group_id
    # Someone else's ids are refused, and nothing is marked.
    other_ids = [
        n["id"] for n in client.get("/users/me/notifications", headers=owner.headers).get_json()
    ]
    refused = client.post(
        "/users/me/notifications/read", json={"ids": [ids[1], *other_ids]}, headers=b.headers
    )
    assert_problem(refused, 422, "validation-error")
    assert "ids" in refused.get_json()["errors"]
    assert client.get("/users/me/notifications?unread=true", headers=b.headers).get_json() != []
    for body in ({}, {"ids": [1], "up_to": 1}, {"ids": []}, {"up_to": "x"}):
        assert_problem(
            client.post("/users/me/notifications/read", json=body, headers=b.headers),
            422,
            "validation-error",
        )


def test_a_former_member_hears_nothing_new_from_the_group(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, participants=[owner.id, b.id], amount="10.00")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.patch(f"{url}/splits/{b.id}", json={"is_paid": True}, headers=b.headers)
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    heard = _kinds(client, b)
    # Still in the expense, which may be renamed and commented on: b hears of neither.
    assert client.patch(url, json={"description": "Taxi"}, headers=owner.headers).status_code == 200
    client.post(f"{url}/comments", json={"body": "thanks b"}, headers=a.headers)
    assert _kinds(client, b) == heard
    assert _kinds(client, owner)[0] == "comment.created"
