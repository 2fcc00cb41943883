"""How many times the main requests commit, and that nothing is read after the commit.

A read commits nothing; a write commits once, its whole change in one transaction, and
answers from the rows it wrote (no statement after its commit, so no second transaction
to read them back). Signing in commits twice, on purpose: it ends its read before the
slow password check (auth/service.py: no write waits behind bcrypt on SQLite), then
writes the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from expense_tracker.extensions import db
from tests.factories import Account, add_expense, group_with

COMMIT = "COMMIT"
PERSONAL = {
    "amount": "3.20",
    "currency": "USD",
    "category": "Coffee",
    "payment_method": "cash",
}


@contextmanager
def recorded(app: Flask) -> Iterator[list[str]]:
    """The statements sent and the commits made meanwhile, in order."""
    events: list[str] = []
    with app.app_context():
        engine = db.engine

    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        events.append(text.split()[0].upper())

    def commit(_conn: Any) -> None:
        events.append(COMMIT)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield events
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


Request = Callable[[FlaskClient, dict[str, Any]], Any]


def _reads(world: dict[str, Any]) -> list[tuple[str, str]]:
    group = f"/groups/{world['group_id']}"
    return [
        ("personal list", "/expenses/?limit=50"),
        ("personal summary", "/expenses/summary?group_by=month"),
        ("categories", "/expenses/categories"),
        ("group list", f"{group}/expenses/?limit=50"),
        ("one group expense", f"{group}/expenses/{world['expense_id']}"),
        ("balances", f"{group}/balances"),
        ("settle-up", f"{group}/settle-up"),
        ("my balances", "/users/me/balances"),
        ("my groups", "/groups/"),
        ("changes", "/users/me/changes"),
    ]


@pytest.fixture
def world(client: FlaskClient, make_user: Callable[..., Account]) -> dict[str, Any]:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    expense = add_expense(client, group_id, owner, amount="40.00")
    personal = client.post("/expenses/", json=PERSONAL, headers=owner.headers)
    assert personal.status_code == 201
    return {
        "owner": owner,
        "member": member,
        "group_id": group_id,
        "expense_id": expense["id"],
        "personal_id": personal.get_json()["id"],
    }


def test_a_read_commits_nothing(app: Flask, client: FlaskClient, world: dict[str, Any]) -> None:
    for name, path in _reads(world):
        with recorded(app) as events:
            answer = client.get(path, headers=world["owner"].headers)
        assert answer.status_code == 200, (name, answer.get_json())
        assert COMMIT not in events, name
        assert events, name  # it did read


def _writes(world: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None, int]]:
    group = f"/groups/{world['group_id']}"
    expense = f"{group}/expenses/{world['expense_id']}"
    member = world["member"].id
    return [
        ("create personal expense", "POST", "/expenses/", PERSONAL, 201),
        (
            "edit personal expense",
            "PATCH",
            f"/expenses/{world['personal_id']}",
            {"amount": "1"},
            200,
        ),
        (
            "create group expense",
            "POST",
            f"{group}/expenses/",
            {"description": "Taxi", "amount": "9", "split_type": "equal"},
            201,
        ),
        ("edit group expense", "PATCH", expense, {"amount": "41.00"}, 200),
        ("mark a share paid", "PATCH", f"{expense}/splits/{member}", {"is_paid": True}, 200),
        (
            "record a settlement",
            "POST",
            f"{group}/settlements",
            {"from_user": member, "to_user": world["owner"].id, "amount": "1.00"},
            201,
        ),
        ("delete group expense", "DELETE", expense, None, 204),
        ("restore group expense", "POST", f"{expense}/restore", None, 200),
        ("delete personal expense", "DELETE", f"/expenses/{world['personal_id']}", None, 204),
    ]


def test_a_write_commits_once_and_reads_nothing_back(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    for name, method, path, body, status in _writes(world):
        with recorded(app) as events:
            answer = client.open(path, method=method, json=body, headers=world["owner"].headers)
        assert answer.status_code == status, (name, answer.get_json())
        assert events.count(COMMIT) == 1, (name, events)
        assert events[-1] == COMMIT, (name, events)


def test_signing_in_commits_its_read_then_its_session(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    owner = world["owner"]
    with recorded(app) as events:
        answer = client.post("/token", data={"username": owner.email, "password": owner.password})
    assert answer.status_code == 200
    assert events.count(COMMIT) == 2
    assert events[-1] == COMMIT
