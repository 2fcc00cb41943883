"""Deleted is not gone: group expenses, settlements and groups deleted and restored.

A restore puts back every cent and every paid flag: balances, settle-up, the lists and
the expense itself read exactly as before the delete (on both databases).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from expense_tracker.database import utcnow
from expense_tracker.extensions import db
from expense_tracker.groups.balances import audit as balance_audit
from expense_tracker.models import Group
from tests.factories import Account, add_expense, group_with, usd
from tests.problems import assert_problem


def _state(client: FlaskClient, group_id: int, viewer: Account) -> dict[str, Any]:
    """What a member sees of the group's money."""
    return {
        path: client.get(f"/groups/{group_id}{path}", headers=viewer.headers).get_json()
        for path in ("/balances", "/settle-up", "/expenses/", "/settlements")
    }


def _no_drift(app: Flask, group_id: int) -> None:
    with app.app_context():
        assert list(balance_audit.find_drift([group_id])) == []
        assert list(balance_audit.find_count_drift([group_id])) == []


def test_a_restored_expense_is_back_exactly_with_its_paid_flags(
    app: Flask, client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, b = trio
    add_expense(client, group_id, owner, amount="10.00")
    expense = add_expense(
        client,
        group_id,
        a,
        amount="100.00",
        payers=[{"user_id": owner.id, "amount": "60.00"}, {"user_id": a.id, "amount": "40.00"}],
        notes="receipt in the drawer",
    )
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    paid = client.patch(f"{url}/splits/{b.id}", json={"is_paid": True}, headers=b.headers)
    assert paid.status_code == 200
    before = _state(client, group_id, owner)
    document = client.get(url, headers=owner.headers).get_json()

    assert client.delete(url, headers=a.headers).status_code == 204
    assert_problem(client.get(url, headers=owner.headers), 404, "not-found")
    during = _state(client, group_id, owner)
    assert [row["id"] for row in during["/expenses/"]] != [
        row["id"] for row in before["/expenses/"]
    ]
    assert during["/balances"] != before["/balances"]
    _no_drift(app, group_id)
    deleted = client.get(f"/groups/{group_id}/expenses/?deleted=only", headers=owner.headers)
    assert deleted.headers["X-Total-Count"] == "1"
    [row] = deleted.get_json()
    assert row["deleted_by"] == a.id
    assert row["deleted_at"].endswith("Z")
    assert {k: v for k, v in row.items() if not k.startswith("deleted_")} == document

    restored = client.post(f"{url}/restore", headers=owner.headers)
    assert restored.status_code == 200
    assert restored.get_json() == document
    assert client.get(url, headers=owner.headers).get_json() == document
    assert _state(client, group_id, owner) == before
    _no_drift(app, group_id)
    empty = client.get(f"/groups/{group_id}/expenses/?deleted=only", headers=owner.headers)
    assert empty.get_json() == []
    assert empty.headers["X-Total-Count"] == "0"


def test_restore_answers_404_unless_deleted_and_403_to_others(
    client: FlaskClient, trio: Any, make_user: Any
) -> None:
    group_id, _owner, a, b = trio
    expense = add_expense(client, group_id, a)
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    assert_problem(client.post(f"{url}/restore", headers=a.headers), 404, "not-found")
    assert client.delete(url, headers=a.headers).status_code == 204
    assert_problem(client.post(f"{url}/restore", headers=b.headers), 403, "forbidden")
    stranger = make_user()
    assert_problem(client.post(f"{url}/restore", headers=stranger.headers), 404, "not-found")
    assert client.post(f"{url}/restore", headers=a.headers).status_code == 200
    assert_problem(client.post(f"{url}/restore", headers=a.headers), 404, "not-found")


def test_restore_is_refused_once_someone_in_it_has_left(client: FlaskClient, trio: Any) -> None:
    group_id, owner, _a, b = trio
    expense = add_expense(client, group_id, owner, participants=[owner.id, b.id])
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    refused = client.post(f"{url}/restore", headers=owner.headers)
    assert_problem(refused, 409, "conflict")
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_restored_settlement_moves_the_balances_back(
    app: Flask, client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, b = trio
    add_expense(client, group_id, owner, amount="90.00")
    created = client.post(
        f"/groups/{group_id}/settlements",
        json={"to_user": owner.id, "amount": "30.00"},
        headers=a.headers,
    )
    settlement = created.get_json()
    url = f"/groups/{group_id}/settlements/{settlement['id']}"
    before = _state(client, group_id, owner)
    assert_problem(client.delete(url, headers=b.headers), 403, "forbidden")
    assert client.delete(url, headers=a.headers).status_code == 204
    assert_problem(client.get(url, headers=a.headers), 404, "not-found")
    _no_drift(app, group_id)
    listed = client.get(f"/groups/{group_id}/settlements?deleted=only", headers=owner.headers)
    [row] = listed.get_json()
    assert row["id"] == settlement["id"]
    assert row["deleted_by"] == a.id
    assert_problem(client.post(f"{url}/restore", headers=b.headers), 403, "forbidden")
    restored = client.post(f"{url}/restore", headers=owner.headers)
    assert restored.status_code == 200
    assert restored.get_json() == settlement
    assert _state(client, group_id, owner) == before
    _no_drift(app, group_id)


def test_a_deleted_group_is_hidden_and_its_owners_restore_it(
    app: Flask, client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, amount="30.00")
    for member in (a, b):
        client.post(
            f"/groups/{group_id}/settlements",
            json={"to_user": owner.id, "amount": "10.00"},
            headers=member.headers,
        )
    full = client.get(f"/groups/{group_id}", headers=owner.headers).get_json()
    assert_problem(client.delete(f"/groups/{group_id}", headers=a.headers), 403, "forbidden")
    assert client.delete(f"/groups/{group_id}", headers=owner.headers).status_code == 204
    for member in (owner, a):
        assert_problem(client.get(f"/groups/{group_id}", headers=member.headers), 404, "not-found")
        assert client.get("/groups/", headers=member.headers).get_json() == []
        balances = client.get("/users/me/balances", headers=member.headers).get_json()
        assert balances["groups"] == []
    joined = client.post(
        "/groups/join", json={"invite_code": full["invite_code"]}, headers=a.headers
    )
    assert_problem(joined, 404, "not-found")
    assert client.get("/groups/?deleted=only", headers=a.headers).get_json() == []
    [listed] = client.get("/groups/?deleted=only", headers=owner.headers).get_json()
    assert listed["id"] == group_id
    assert listed["deleted_by"] == owner.id
    assert listed["restorable_until"] > listed["deleted_at"]

    assert_problem(client.post(f"/groups/{group_id}/restore", headers=a.headers), 404, "not-found")
    restored = client.post(f"/groups/{group_id}/restore", headers=owner.headers)
    assert restored.status_code == 200
    assert restored.get_json() == full
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    assert client.get(url, headers=b.headers).get_json() == expense
    _no_drift(app, group_id)


def test_a_group_deleted_more_than_30_days_ago_cannot_be_restored(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner = make_user()
    group_id = group_with(client, owner)
    assert client.delete(f"/groups/{group_id}", headers=owner.headers).status_code == 204
    with app.app_context():
        long_ago = utcnow() - timedelta(days=30, seconds=1)
        db.session.execute(update(Group).where(Group.id == group_id).values(deleted_at=long_ago))
        db.session.commit()
    assert client.get("/groups/?deleted=only", headers=owner.headers).get_json() == []
    assert_problem(
        client.post(f"/groups/{group_id}/restore", headers=owner.headers), 404, "not-found"
    )


def test_deleted_expenses_leave_the_count_and_the_lists(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, _b = trio
    ids = [add_expense(client, group_id, owner, amount=usd(100 + n))["id"] for n in range(3)]
    client.delete(f"/groups/{group_id}/expenses/{ids[1]}", headers=owner.headers)
    listed = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert listed.headers["X-Total-Count"] == "2"
    assert [row["id"] for row in listed.get_json()] == [ids[2], ids[0]]
    filtered = client.get(f"/groups/{group_id}/expenses/?involving={a.id}", headers=owner.headers)
    assert filtered.headers["X-Total-Count"] == "2"


def test_purge_deletes_groups_past_their_restore_window_with_their_rows(
    app: Flask, client: FlaskClient, runner: Any, trio: Any
) -> None:
    group_id, owner, a, _b = trio
    expense = add_expense(client, group_id, owner, amount="30.00")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.post(f"{url}/comments", json={"body": "x"}, headers=a.headers)
    client.delete(url, headers=owner.headers)
    recent = group_with(client, owner)
    for gid in (group_id, recent):
        assert client.delete(f"/groups/{gid}", headers=owner.headers).status_code == 204
    with app.app_context():
        long_ago = utcnow() - timedelta(days=31)
        db.session.execute(update(Group).where(Group.id == group_id).values(deleted_at=long_ago))
        db.session.commit()
    result = runner.invoke(args=["purge-deleted-groups"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 " in result.output
    with app.app_context():
        assert db.session.get(Group, group_id) is None
        assert db.session.get(Group, recent) is not None
    assert client.post(f"/groups/{recent}/restore", headers=owner.headers).status_code == 200
