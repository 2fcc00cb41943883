"""Comments on group expenses, and the expense's notes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from expense_tracker.extensions import db
from expense_tracker.models import Comment
from tests.factories import add_expense, run_at_once
from tests.problems import assert_problem


def test_members_comment_and_read_oldest_first(
    client: FlaskClient, trio: Any, make_user: Any
) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/{expense['id']}/comments"
    ids = []
    for author, body in ((a, " First! "), (b, "Second"), (owner, "Third")):
        created = client.post(url, json={"body": body}, headers=author.headers)
        assert created.status_code == 201, created.get_json()
        comment = created.get_json()
        assert created.headers["Location"] == f"{url}/{comment['id']}"
        assert comment["author_id"] == author.id
        assert comment["expense_id"] == expense["id"]
        ids.append(comment["id"])
    listed = client.get(f"{url}?limit=2", headers=b.headers)
    assert [c["id"] for c in listed.get_json()] == ids[:2]
    assert listed.get_json()[0]["body"] == "First!"
    assert listed.headers["X-Total-Count"] == "3"
    stranger = make_user()
    assert_problem(client.get(url, headers=stranger.headers), 404, "not-found")
    assert_problem(
        client.post(url, json={"body": "hi"}, headers=stranger.headers), 404, "not-found"
    )
    for body in ("", "   ", "x" * 2001):
        assert_problem(
            client.post(url, json={"body": body}, headers=a.headers), 422, "validation-error"
        )
    assert_problem(
        client.post(url, json={"body": "x", "author_id": 1}, headers=a.headers),
        422,
        "validation-error",
    )


def test_the_author_or_an_owner_deletes_a_comment(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/{expense['id']}/comments"
    first = client.post(url, json={"body": "mine"}, headers=a.headers).get_json()
    second = client.post(url, json={"body": "also mine"}, headers=a.headers).get_json()
    assert_problem(client.delete(f"{url}/{first['id']}", headers=b.headers), 403, "forbidden")
    assert client.delete(f"{url}/{first['id']}", headers=a.headers).status_code == 204
    assert client.delete(f"{url}/{second['id']}", headers=owner.headers).status_code == 204
    assert_problem(client.delete(f"{url}/{second['id']}", headers=owner.headers), 404, "not-found")
    assert client.get(url, headers=a.headers).get_json() == []


def test_comments_of_a_deleted_expense_are_hidden_until_it_is_restored(
    client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, _b = trio
    expense = add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.post(f"{url}/comments", json={"body": "keep me"}, headers=a.headers)
    client.delete(url, headers=owner.headers)
    assert_problem(client.get(f"{url}/comments", headers=a.headers), 404, "not-found")
    client.post(f"{url}/restore", headers=owner.headers)
    assert [c["body"] for c in client.get(f"{url}/comments", headers=a.headers).get_json()] == [
        "keep me"
    ]


def test_an_expense_has_notes(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, _b = trio
    expense = add_expense(client, group_id, owner)
    assert expense["notes"] == ""
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    changed = client.patch(url, json={"notes": "  Paid by card  "}, headers=owner.headers)
    assert changed.status_code == 200
    assert changed.get_json()["notes"] == "Paid by card"
    listed = client.get(f"/groups/{group_id}/expenses/", headers=a.headers).get_json()
    assert listed[0]["notes"] == "Paid by card"
    too_long = client.patch(url, json={"notes": "x" * 2001}, headers=owner.headers)
    assert_problem(too_long, 422, "validation-error")


def test_an_expense_holds_at_most_1000_comments_even_under_a_race(
    app: Flask, client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/{expense['id']}/comments"
    with app.app_context():
        db.session.execute(
            insert(Comment),
            [
                {"expense_id": expense["id"], "group_id": group_id, "author_id": a.id, "body": "x"}
                for _ in range(998)
            ],
        )
        db.session.commit()
    assert client.post(url, json={"body": "999th"}, headers=a.headers).status_code == 201
    statuses: list[int] = []
    problems: list[Any] = []

    def comment(seed: int) -> None:
        author = (owner, a, b)[seed % 3]
        response = app.test_client().post(
            url, json={"body": f"race {seed}"}, headers=author.headers
        )
        statuses.append(response.status_code)
        if response.status_code == 409:
            problems.append(response.get_json())

    assert run_at_once(6, comment) == []
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert {p["type"] for p in problems} == {"/problems/limit-reached"}
    assert all("1,000" in p["detail"] for p in problems)
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.expense_id == expense["id"])
        )
    assert count == 1000
    # Deleting one makes room for one.
    first = client.get(f"{url}?limit=1", headers=a.headers).get_json()[0]
    assert client.delete(f"{url}/{first['id']}", headers=a.headers).status_code == 204
    assert client.post(url, json={"body": "again"}, headers=b.headers).status_code == 201
    assert_problem(client.post(url, json={"body": "full"}, headers=b.headers), 409, "limit-reached")
