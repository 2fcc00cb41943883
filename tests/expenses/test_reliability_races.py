"""Writes racing each other, with real concurrent requests on PostgreSQL.

Each round releases several requests at once from threads, each through its own Flask
test client: every request has its own database connection and transaction, as in a
server with several workers or threads, and on PostgreSQL the transactions truly overlap.
Each race is run many rounds, with the requests started a little apart in different
rounds, so that every interleaving that matters comes up. The fixes are row locks
(SELECT ... FOR UPDATE) on PostgreSQL; SQLite ignores them, but there every write
begins IMMEDIATE, one at a time (database.py): these tests run on both (on SQLite
without that, all four failed).

- account deletion racing a join: no deleted account is ever left a current member;
- two identical CSV imports at once: the second sees the first's rows as duplicates;
- unconditional PATCH/DELETE races on one expense (personal or shared): the last writer
  wins, never a 409 from the ORM's version check; with If-Match, 412; kept totals exact.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from expense_tracker.extensions import db
from expense_tracker.groups.balances import audit as balance_audit
from expense_tracker.models import Expense, GroupMember, User
from tests.factories import Account, create_account

pytestmark = pytest.mark.slow

DELETION_ROUNDS = 30
IMPORT_ROUNDS = 12
EDIT_ROUNDS = 25
# Requests of one round start this far apart, in turn, across rounds.
STAGGERS = (0.0, 0.001, 0.002, 0.004)


@pytest.fixture
def pg_app(app: Flask) -> Flask:
    """The app, on PostgreSQL or on SQLite: SQLite ignores FOR UPDATE, but its writes
    begin IMMEDIATE (database.py), one at a time, which gives the same guarantees."""
    return app


def at_once(*calls: Callable[[], TestResponse], stagger: float = 0.0) -> list[TestResponse]:
    """Run the calls in threads released together (the n-th `n * stagger` seconds later);
    their responses in the same order."""
    barrier = threading.Barrier(len(calls))

    def run(position: int, call: Callable[[], TestResponse]) -> TestResponse:
        barrier.wait()
        if stagger and position:
            time.sleep(position * stagger)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, n, call) for n, call in enumerate(calls)]
        return [future.result() for future in futures]


def request(
    app: Flask, method: str, path: str, account: Account, **kwargs: Any
) -> Callable[[], TestResponse]:
    headers = {**account.headers, **kwargs.pop("headers", {})}

    def call() -> TestResponse:
        return app.test_client().open(path, method=method, headers=headers, **kwargs)

    return call


def statuses(responses: list[TestResponse]) -> list[int]:
    return [response.status_code for response in responses]


# --------------------------------------------------------------------------- 6: deletion


def test_an_account_deleted_while_joining_groups_is_never_left_a_member(pg_app: Flask) -> None:
    client = pg_app.test_client()
    owner = create_account(pg_app)
    open_group = client.post(
        "/groups/", json={"name": "Open", "join_policy": "open"}, headers=owner.headers
    ).get_json()
    private_group = client.post(
        "/groups/", json={"name": "Private"}, headers=owner.headers
    ).get_json()
    outcomes: Counter[str] = Counter()
    members_left_behind: list[dict[str, Any]] = []
    for number in range(DELETION_ROUNDS):
        leaver = create_account(pg_app)
        deleted, by_id, by_code = at_once(
            request(
                pg_app, "DELETE", "/users/me", leaver, json={"current_password": leaver.password}
            ),
            request(pg_app, "POST", f"/groups/{open_group['id']}/join", leaver, json={}),
            request(
                pg_app,
                "POST",
                "/groups/join",
                leaver,
                json={"invite_code": private_group["invite_code"]},
            ),
            stagger=STAGGERS[number % len(STAGGERS)],
        )
        assert deleted.status_code == 204, deleted.get_json()
        assert by_id.status_code in {201, 401}, by_id.get_json()
        assert by_code.status_code in {201, 401}, by_code.get_json()
        outcomes[f"joins {by_id.status_code}/{by_code.status_code}"] += 1
        with pg_app.app_context():
            current = db.session.scalars(
                select(GroupMember.group_id).where(
                    GroupMember.user_id == leaver.id, GroupMember.left_at.is_(None)
                )
            ).all()
        if current:
            members_left_behind.append({"user": leaver.id, "groups": current})
    assert members_left_behind == [], f"{outcomes}: {members_left_behind}"


# --------------------------------------------------------------------------- 9: imports


def csv_upload(rows: list[str]) -> dict[str, Any]:
    text = "date,category,amount,currency,description,payment_method\r\n" + "".join(rows)
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(text.encode()), "expenses.csv")}
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_two_identical_imports_at_once_import_the_rows_once(pg_app: Flask) -> None:
    account = create_account(pg_app)
    expected = 0
    results: list[list[dict[str, int]]] = []
    for number in range(IMPORT_ROUNDS):
        rows = [f"2024-01-{day:02d},Round {number},{day}.50,USD,,cash\r\n" for day in range(1, 29)]
        upload = csv_upload(rows)
        first, second = at_once(
            request(pg_app, "POST", "/expenses/import", account, **upload),
            request(pg_app, "POST", "/expenses/import", account, **upload),
            stagger=STAGGERS[number % len(STAGGERS)],
        )
        assert statuses([first, second]) == [201, 201], [first.get_json(), second.get_json()]
        results.append(sorted([first.get_json(), second.get_json()], key=str))
        expected += len(rows)
    with pg_app.app_context():
        rows_kept = db.session.scalar(
            select(func.count()).select_from(Expense).where(Expense.owner_id == account.id)
        )
        kept_count = db.session.scalar(select(User.expense_count).where(User.id == account.id))
    once = [{"imported": 0, "skipped_duplicates": 28}, {"imported": 28, "skipped_duplicates": 0}]
    assert [result for result in results if result != once] == []
    assert (rows_kept, kept_count) == (expected, expected)


# --------------------------------------------------------------------------- 10: edits


def personal_expense(app: Flask, account: Account) -> str:
    created = app.test_client().post(
        "/expenses/",
        json={"amount": "10.00", "category": "Food", "payment_method": "cash"},
        headers=account.headers,
    )
    assert created.status_code == 201, created.get_json()
    return f"/expenses/{created.get_json()['id']}"


def shared_expense(app: Flask, owner: Account, group_id: int) -> str:
    created = app.test_client().post(
        f"/groups/{group_id}/expenses",
        json={"description": "Dinner", "amount": "30.00", "split_type": "equal"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.get_json()
    return f"/groups/{group_id}/expenses/{created.get_json()['id']}"


@pytest.fixture
def group_of_three(pg_app: Flask) -> tuple[int, Account]:
    client = pg_app.test_client()
    owner, *others = (create_account(pg_app) for _ in range(3))
    group = client.post("/groups/", json={"name": "Flat"}, headers=owner.headers).get_json()
    for other in others:
        joined = client.post(
            "/groups/join", json={"invite_code": group["invite_code"]}, headers=other.headers
        )
        assert joined.status_code == 201
    return group["id"], owner


def kept_counts_match(app: Flask, account: Account) -> bool:
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Expense).where(Expense.owner_id == account.id)
        )
        kept = db.session.scalar(select(User.expense_count).where(User.id == account.id))
    return rows == kept


def run_edit_races(app: Flask, account: Account, new_expense: Callable[[], str]) -> Counter[str]:
    """PATCH vs PATCH, PATCH vs DELETE, DELETE vs DELETE without If-Match, and PATCH vs
    PATCH with the same If-Match, many rounds; the status pairs seen, by race."""
    seen: Counter[str] = Counter()
    for number in range(EDIT_ROUNDS):
        stagger = STAGGERS[number % len(STAGGERS)]
        path = new_expense()
        one, two = at_once(
            request(app, "PATCH", path, account, json={"amount": "11.00"}),
            request(app, "PATCH", path, account, json={"amount": "12.00"}),
            stagger=stagger,
        )
        seen[f"patch+patch {sorted(statuses([one, two]))}"] += 1
        final = app.test_client().get(path, headers=account.headers).get_json()
        if statuses([one, two]) == [200, 200]:
            # The last writer won: the stored amount is one that was sent, whole.
            assert final["amount"] in {"11.00", "12.00"}, final

        etag = {"If-Match": app.test_client().get(path, headers=account.headers).headers["ETag"]}
        conditional = at_once(
            request(app, "PATCH", path, account, json={"amount": "13.00"}, headers=etag),
            request(app, "PATCH", path, account, json={"amount": "14.00"}, headers=etag),
            stagger=stagger,
        )
        seen[f"if-match patch+patch {sorted(statuses(conditional))}"] += 1

        patched, deleted = at_once(
            request(app, "PATCH", path, account, json={"amount": "15.00"}),
            request(app, "DELETE", path, account),
            stagger=stagger,
        )
        seen[f"patch+delete {sorted(statuses([patched, deleted]))}"] += 1

        path = new_expense()
        deletions = at_once(
            request(app, "DELETE", path, account),
            request(app, "DELETE", path, account),
            stagger=stagger,
        )
        seen[f"delete+delete {sorted(statuses(deletions))}"] += 1
    return seen


EXPECTED_EDIT_OUTCOMES = {
    "patch+patch [200, 200]",
    "if-match patch+patch [200, 412]",
    "patch+delete [200, 204]",
    "patch+delete [204, 404]",
    "delete+delete [204, 404]",
}


def test_racing_edits_of_a_personal_expense_let_the_last_writer_win(pg_app: Flask) -> None:
    account = create_account(pg_app)
    seen = run_edit_races(pg_app, account, lambda: personal_expense(pg_app, account))
    assert set(seen) <= EXPECTED_EDIT_OUTCOMES, seen
    assert kept_counts_match(pg_app, account)


def test_racing_edits_of_a_shared_expense_let_the_last_writer_win(
    pg_app: Flask, group_of_three: tuple[int, Account]
) -> None:
    group_id, owner = group_of_three
    seen = run_edit_races(pg_app, owner, lambda: shared_expense(pg_app, owner, group_id))
    assert set(seen) <= EXPECTED_EDIT_OUTCOMES, seen
    with pg_app.app_context():
        assert list(balance_audit.find_drift([group_id])) == []
        assert list(balance_audit.find_count_drift([group_id])) == []
