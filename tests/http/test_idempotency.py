"""Idempotency-Key on POSTs that create something."""

from __future__ import annotations

import io
import threading

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from expense_tracker.extensions import db
from tests.problems import assert_problem

EXPENSE = {"amount": "9.99", "category": "Books", "payment_method": "cash"}


def post_expense(client, account, key, body=None):
    return client.post(
        "/expenses/", json=body or EXPENSE, headers={**account.headers, "Idempotency-Key": key}
    )


def count_expenses(client, account):
    return int(client.get("/expenses/", headers=account.headers).headers["X-Total-Count"])


def test_a_repeat_returns_the_first_response_and_creates_nothing(client, user):
    first = post_expense(client, user, "key-1")
    second = post_expense(client, user, "key-1")
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_expenses(client, user) == 1


def test_the_same_document_in_another_spelling_is_the_same_request(client, user):
    first = client.post(
        "/expenses/",
        data='{"amount": "9.99", "category": "Books", "payment_method": "cash"}',
        content_type="application/json",
        headers={**user.headers, "Idempotency-Key": "k"},
    )
    again = client.post(
        "/expenses/",
        data='{ "payment_method":"cash","category":"Books" , "amount":"9.99"}',
        content_type="application/json",
        headers={**user.headers, "Idempotency-Key": "k"},
    )
    assert again.get_json()["id"] == first.get_json()["id"]


def test_the_same_key_with_another_document_is_422(client, user):
    post_expense(client, user, "key-2")
    response = post_expense(client, user, "key-2", {**EXPENSE, "amount": "1"})
    assert_problem(response, 422, "validation-error")
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert count_expenses(client, user) == 1


def test_keys_are_scoped_to_the_caller(client, user, other_user):
    mine = post_expense(client, user, "shared-key")
    theirs = post_expense(client, other_user, "shared-key")
    assert theirs.status_code == 201
    assert theirs.get_json()["id"] != mine.get_json()["id"]


def test_failures_are_not_replayed(client, user):
    bad = post_expense(client, user, "key-3", {**EXPENSE, "amount": "-1"})
    assert_problem(bad, 422, "validation-error")
    retry = post_expense(client, user, "key-3")
    assert retry.status_code == 201


def test_invalid_keys_are_422(client, user):
    for key in ("", "x" * 256, "naïve"):
        response = client.post(
            "/expenses/",
            json=EXPENSE,
            headers={**user.headers, "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
        )
        assert_problem(response, 422, "validation-error")
    assert count_expenses(client, user) == 0


def test_registration_is_scoped_to_the_path(client):
    body = {"email": "idem@example.com", "password": "long enough pw", "full_name": "I"}
    first = client.post("/users/", json=body, headers={"Idempotency-Key": "signup"})
    again = client.post("/users", json=body, headers={"Idempotency-Key": "signup"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()


def test_import_repeat_means_same_file_bytes_and_query(client, user):
    content = (
        b"date,category,amount,currency,description,payment_method\n"
        b"2024-01-01,Food,1.00,USD,,cash\n"
    )

    def send(query=""):
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "a.csv")})
        return client.post(
            f"/expenses/import{query}",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**user.headers, "Idempotency-Key": "import-1"},
        )

    first, second = send(), send()
    assert first.get_json() == second.get_json() == {"imported": 1, "skipped_duplicates": 0}
    assert count_expenses(client, user) == 1
    assert_problem(send("?allow_duplicates=true"), 422, "validation-error")


def test_a_repeat_while_the_first_still_runs_is_409(app, client, user):
    from expense_tracker.expenses import service

    entered, release = threading.Event(), threading.Event()
    original = service.create_expense

    def slow_create(*args, **kwargs):
        # Hold no transaction while waiting: on SQLite a POST's holds the one write lock
        # (database.py), and the repeat would wait for this request to end.
        db.session.commit()
        entered.set()
        release.wait(10)
        return original(*args, **kwargs)

    results = {}

    def first_request():
        results["first"] = app.test_client().post(
            "/expenses/", json=EXPENSE, headers={**user.headers, "Idempotency-Key": "slow"}
        )

    service.create_expense = slow_create
    try:
        thread = threading.Thread(target=first_request)
        thread.start()
        assert entered.wait(10)
        concurrent = post_expense(client, user, "slow")
        release.set()
        thread.join(10)
    finally:
        service.create_expense = original
    assert_problem(concurrent, 409, "conflict")
    assert results["first"].status_code == 201
    assert post_expense(client, user, "slow").get_json() == results["first"].get_json()


def test_group_creation_and_group_expenses_are_idempotent(client, user):
    headers = {**user.headers, "Idempotency-Key": "group-1"}
    first = client.post("/groups/", json={"name": "Trip"}, headers=headers)
    again = client.post("/groups/", json={"name": "Trip"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(client.get("/groups/", headers=user.headers).get_json()) == 1
    group_id = first.get_json()["id"]
    expense = {"description": "Dinner", "amount": "30", "split_type": "equal"}
    headers = {**user.headers, "Idempotency-Key": "dinner"}
    one = client.post(f"/groups/{group_id}/expenses", json=expense, headers=headers)
    two = client.post(f"/groups/{group_id}/expenses", json=expense, headers=headers)
    assert one.status_code == two.status_code == 201
    listed = client.get(f"/groups/{group_id}/expenses/", headers=user.headers)
    assert listed.headers["X-Total-Count"] == "1"


# A host killed mid-request (kill -9, a lost VM) leaves its key pending. What the retry may
# do depends on whether the dead request's write had committed: each case below leaves the
# record exactly as such a death does.


def _as_left_by_a_dead_request(app, key, *, answered_too=False):
    """Age the key's record past the abandonment delay, pending as a request killed
    before storing its answer leaves it (whatever its write did)."""
    from datetime import timedelta

    from expense_tracker.database import utcnow
    from expense_tracker.http.idempotency import ABANDONED_AFTER
    from expense_tracker.models.idempotency import IdempotencyRecord

    with app.app_context():
        record = db.session.query(IdempotencyRecord).filter_by(key=key).one()
        record.created_at = utcnow() - ABANDONED_AFTER - timedelta(seconds=1)
        record.status_code = record.headers = record.body = None
        db.session.commit()


def test_a_retry_after_the_answer_was_lost_does_not_write_again(app, client, user):
    first = post_expense(client, user, "lost-answer")
    assert first.status_code == 201
    # The host died after the expense committed, before the answer was stored.
    _as_left_by_a_dead_request(app, "lost-answer")
    retry = post_expense(client, user, "lost-answer")
    assert_problem(retry, 409, "conflict")
    assert "stopped before answering" in retry.get_json()["detail"]
    assert count_expenses(client, user) == 1


def test_a_retry_of_a_request_that_died_before_writing_runs_it(app, client, user):
    from expense_tracker.database import utcnow
    from expense_tracker.http.idempotency import ABANDONED_AFTER, RETENTION, _document_digest
    from expense_tracker.models.idempotency import IdempotencyRecord

    # The dead request reserved its key and never wrote: the record is pending, unlanded.
    with app.test_request_context("/expenses/", method="POST", json=EXPENSE):
        fingerprint = _document_digest()
        db.session.add(
            IdempotencyRecord(
                scope=f"user:{user.id}",
                key="died-early",
                fingerprint=fingerprint,
                created_at=utcnow() - 2 * ABANDONED_AFTER,
                expires_at=utcnow() + RETENTION,
            )
        )
        db.session.commit()
    retry = post_expense(client, user, "died-early")
    assert retry.status_code == 201
    assert count_expenses(client, user) == 1
    assert post_expense(client, user, "died-early").get_json() == retry.get_json()


def test_a_request_whose_key_a_retry_took_over_writes_nothing(app, client, user):
    from expense_tracker.expenses import service

    entered, release = threading.Event(), threading.Event()
    original = service.create_expense
    calls = []

    def stalled_first_create(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first request stalls (a stuck worker) past the delay
            db.session.rollback()  # holding no transaction (SQLite's one write lock)
            entered.set()
            release.wait(10)
        return original(*args, **kwargs)

    results = {}

    def first_request():
        results["first"] = app.test_client().post(
            "/expenses/", json=EXPENSE, headers={**user.headers, "Idempotency-Key": "stuck"}
        )

    service.create_expense = stalled_first_create
    try:
        thread = threading.Thread(target=first_request)
        thread.start()
        assert entered.wait(10)
        _as_left_by_a_dead_request(app, "stuck")  # the client gave up and retries
        retry = post_expense(client, user, "stuck")
        release.set()
        thread.join(10)
    finally:
        service.create_expense = original
    assert retry.status_code == 201
    # The stalled request wakes up: its write is refused, not made a second time.
    assert_problem(results["first"], 409, "conflict")
    assert count_expenses(client, user) == 1
    assert post_expense(client, user, "stuck").get_json() == retry.get_json()
