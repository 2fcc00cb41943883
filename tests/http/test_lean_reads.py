"""The hot reads' lean statements (http/reads.py `rows`) and their session check
(authentication.authenticate_read) give what the general way gives, and refuse what it
refuses: the same rows and values, every statement seen by the engine's listeners, a
revoked session or a changed password refused on the very next hot read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import bindparam, event, select

from expense_tracker.extensions import db
from expense_tracker.http import read_engine, reads
from expense_tracker.models import Expense, User
from tests.factories import Account, add_expense, group_with

PASSWORD_CHANGE = {"password": "another password"}


def test_a_statement_built_per_request_reads_its_own_values(
    app: Flask, make_user: Callable[..., Account]
) -> None:
    accounts = [make_user(full_name=f"Person {n}") for n in range(3)]
    with app.app_context():
        for account in accounts:
            # The same shape each time, other values: each read finds its own row.
            found = reads.rows(select(User.id, User.full_name).where(User.id == account.id))
            assert [(row.id, row.full_name) for row in found] == [(account.id, account.full_name)]


def test_rows_are_what_the_session_returns_timestamps_and_amounts_included(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner = make_user()
    for amount, currency in (("3.20", "USD"), ("1500", "JPY"), ("0.125", "KWD")):
        body = {
            "amount": amount,
            "currency": currency,
            "category": "Food",
            "payment_method": "cash",
        }
        assert client.post("/expenses/", json=body, headers=owner.headers).status_code == 201
    statement = (
        select(Expense.id, Expense.amount, Expense.currency, Expense.date, Expense.created_at)
        .where(Expense.owner_id == owner.id)
        .order_by(Expense.id)
    )
    with app.app_context():
        lean = reads.rows(statement)
        usual = db.session.execute(statement).all()
    assert [tuple(row) for row in lean] == [tuple(row) for row in usual]
    assert len(lean) == 3
    assert all(row.created_at.tzinfo is not None for row in lean)
    assert all(row.created_at.utcoffset() == UTC.utcoffset(None) for row in lean)


def test_an_in_list_goes_the_usual_way(app: Flask, make_user: Callable[..., Account]) -> None:
    first, second, _ = make_user(), make_user(), make_user()
    with app.app_context():
        found = reads.rows(
            select(User.id).where(User.id.in_([first.id, second.id])).order_by(User.id)
        )
    assert [row.id for row in found] == sorted([first.id, second.id])


def test_every_statement_of_a_hot_read_reaches_the_engines_listeners(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    add_expense(client, group_id, owner)
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        seen.append(text)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        answer = client.get(f"/groups/{group_id}/balances", headers=member.headers)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert answer.status_code == 200
    # The session check with the group and the caller's membership (read ahead in the
    # same statement: reads.with_session_check), then the running totals.
    assert len(seen) == 2, seen
    assert "auth_sessions" in seen[0]
    assert "FROM groups JOIN group_members" in seen[0], seen[0]
    assert "group_members" in seen[1]


HOT_READS = (
    "/expenses/",
    "/expenses/summary",
    "/expenses/categories",
    "/groups/{group}/expenses/",
    "/groups/{group}/balances",
    "/groups/{group}/settle-up",
    "/users/me/balances",
)


@pytest.mark.parametrize("ending", ["sign-out", "password change"])
def test_an_ended_session_is_refused_by_the_very_next_hot_read(
    client: FlaskClient, make_user: Callable[..., Account], ending: str
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    paths = [path.format(group=group_id) for path in HOT_READS]
    for path in paths:
        assert client.get(path, headers=member.headers).status_code == 200, path
    if ending == "sign-out":
        assert client.post("/token/revoke", headers=member.headers).status_code == 204
    else:
        body = {**PASSWORD_CHANGE, "current_password": member.password}
        assert client.patch("/users/me", json=body, headers=member.headers).status_code == 200
    for path in paths:
        refused = client.get(path, headers=member.headers)
        assert refused.status_code == 401, path
        assert refused.get_json()["type"].endswith("/unauthorized"), path
        assert refused.get_json()["detail"] == "The token has been revoked."


def test_a_hot_read_of_a_group_the_caller_left_or_never_joined_is_a_404(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, member, stranger = make_user(), make_user(), make_user()
    group_id = group_with(client, owner, member)
    left = client.delete(f"/groups/{group_id}/members/{member.id}", headers=member.headers)
    assert left.status_code == 204, left.get_json()
    for path in HOT_READS[3:6]:
        for account in (member, stranger):
            answer = client.get(path.format(group=group_id), headers=account.headers)
            assert answer.status_code == 404, (path, answer.get_json())
            assert answer.get_json()["type"].endswith("/not-found")


FILTERED_HOT_READS = (
    "/expenses/?category=Food&sort=amount",
    "/expenses/summary?group_by=month&date_from=2020-01-01&date_to=2020-02-15",
    "/expenses/summary?currency=USD&q=lunch",
    "/expenses/categories?q=fo",
    "/groups/{group}/expenses/?q=dinner",
)


def test_each_hot_read_takes_one_connection_from_the_pool(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    """Its statements share the connection the session check took: a second one would be
    a second checkout (and, through the ORM session, a transaction around it)."""
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    add_expense(client, group_id, owner)
    body = {"amount": "3.20", "currency": "USD", "category": "Food", "payment_method": "cash"}
    assert client.post("/expenses/", json=body, headers=member.headers).status_code == 201
    checkouts: list[str] = []
    with app.app_context():
        pools = {"application": db.engine.pool}
        hot_engine = read_engine.current()
        if hot_engine is not None:
            pools["hot reads"] = hot_engine.pool
    listeners = {
        name: (lambda *_, name=name: checkouts.append(name))  # type: ignore[misc]
        for name in pools
    }
    for name, pool in pools.items():
        event.listen(pool, "checkout", listeners[name])
    try:
        for path in (*HOT_READS, *FILTERED_HOT_READS):
            checkouts.clear()
            answer = client.get(path.format(group=group_id), headers=member.headers)
            assert answer.status_code == 200, (path, answer.get_json())
            # On PostgreSQL from the hot reads' own pool; on SQLite, the ORM session's.
            assert checkouts == ["hot reads" if hot_engine else "application"], path
    finally:
        for name, pool in pools.items():
            event.remove(pool, "checkout", listeners[name])


def test_a_row_read_ahead_answers_its_own_statement_and_values_only(
    app: Flask, make_user: Callable[..., Account]
) -> None:
    first, second = make_user(full_name="First Person"), make_user(full_name="Second Person")
    by_id = select(User.id).where(User.id == bindparam("user_id"))
    name_of = select(User.full_name).where(User.id == bindparam("other_id"))
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, text: str, *_: Any) -> None:
        seen.append(text)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            row = reads.first_with(by_id, {"user_id": first.id}, name_of, {"other_id": second.id})
            assert row is not None
            assert row.id == first.id
            assert len(seen) == 1
            # The same statement and values: what came back, without a query.
            ahead = reads.first(name_of, {"other_id": second.id})
            assert ahead is not None
            assert ahead.full_name == "Second Person"
            assert len(seen) == 1
            # Other values: a query of their own.
            other = reads.first(name_of, {"other_id": first.id})
            assert other is not None
            assert other.full_name == "First Person"
            assert len(seen) == 2
            # Nothing found ahead is remembered as nothing, and the first part still answers.
            row = reads.first_with(by_id, {"user_id": first.id}, name_of, {"other_id": -1})
            assert row is not None
            assert row.id == first.id
            assert reads.first(name_of, {"other_id": -1}) is None
            assert len(seen) == 3
            # Nothing found by the first part: nothing is kept either.
            assert reads.first_with(by_id, {"user_id": -1}, name_of, {"other_id": first.id}) is None
            found = reads.first(name_of, {"other_id": first.id})
            assert found is not None
            assert found.full_name == "First Person"
            assert len(seen) == 5
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
            reads.forget()


def test_a_group_read_ahead_for_a_refused_caller_is_a_401_and_is_not_kept(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, member = make_user(), make_user()
    group_id = group_with(client, owner, member)
    assert client.post("/token/revoke", headers=member.headers).status_code == 204
    for path in HOT_READS[3:6]:
        refused = client.get(path.format(group=group_id), headers=member.headers)
        assert refused.status_code == 401, path
        assert refused.get_json()["type"].endswith("/unauthorized")
    # The owner, still signed in, reads the same group.
    assert client.get(f"/groups/{group_id}/balances", headers=owner.headers).status_code == 200
