"""Moving in from Splitwise: POST /groups/import/splitwise makes a new group from a group's
CSV export, in one transaction: guests for the other people, expenses whose nets are the
file's, payments as settlements, balances equal to the file's Total balance line."""

from __future__ import annotations

import io
from typing import Any

from tests.factories import cents

EXAMPLE = (
    "\ufeffDate,Description,Category,Cost,Currency,Alice Martin,Bob Ferreira,Carol Nguyen\r\n"
    "\r\n"
    "2024-03-02,Groceries,Groceries,60.00,EUR,40.00,-20.00,-20.00\r\n"
    '2024-03-04,"Dinner, ""Chez Zoë""\r\nwith wine",Dining out,45.00,EUR,-15.00,30.00,-15.00\r\n'
    "2024-03-05,Bob Ferreira paid Alice Martin,Payment,20.00,EUR,-20.00,20.00,0.00\r\n"
    "\r\n"
    "2024-03-10,Total balance, , ,EUR,5.00,30.00,-35.00\r\n"
)


def upload(client, account, text: str, me: str = "Alice Martin", **form: Any):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "Lisbon trip.csv"), "me": me, **form}
    return client.post(
        "/groups/import/splitwise",
        data=data,
        headers=account.headers,
        content_type="multipart/form-data",
    )


def test_the_export_becomes_a_group_with_guests_expenses_and_payments(client, user):
    response = upload(client, user, EXAMPLE)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Lisbon trip"
    assert body["currency"] == "EUR"
    assert body["imported"] == {"expenses": 2, "settlements": 1, "guests": 2}
    assert response.headers["Location"] == f"/groups/{body['id']}"
    guests = {m["full_name"]: m for m in body["members"] if m["guest"]}
    assert set(guests) == {"Bob Ferreira", "Carol Nguyen"}
    owner = [m for m in body["members"] if m["role"] == "owner"]
    assert [m["user_id"] for m in owner] == [user.id]

    group_id = body["id"]
    balances = client.get(f"/groups/{group_id}/balances", headers=user.headers).get_json()
    net = {row["user_id"]: cents(row["net"]) for row in balances}
    bob, carol = guests["Bob Ferreira"]["user_id"], guests["Carol Nguyen"]["user_id"]
    # The file's Total balance line: 5.00, 30.00, -35.00.
    assert net == {user.id: 500, bob: 3000, carol: -3500}

    expenses = client.get(f"/groups/{group_id}/expenses/", headers=user.headers).get_json()
    dinner = next(e for e in expenses if e["date"] == "2024-03-04")
    assert dinner["description"] == 'Dinner, "Chez Zoë"\r\nwith wine'
    assert dinner["category"] == "Dining out"
    assert dinner["split_type"] == "exact"
    assert {p["user_id"]: p["amount"] for p in dinner["payers"]} == {bob: "45.00"}
    assert {s["user_id"]: s["amount"] for s in dinner["splits"]} == {
        user.id: "15.00",
        bob: "15.00",
        carol: "15.00",
    }
    [payment] = client.get(f"/groups/{group_id}/settlements", headers=user.headers).get_json()
    assert (payment["from_user"], payment["to_user"], payment["amount"]) == (bob, user.id, "20.00")
    assert payment["note"] == "Bob Ferreira paid Alice Martin"
    assert payment["date"] == "2024-03-05"

    activity = client.get(f"/groups/{group_id}/activity", headers=user.headers).get_json()
    kinds = [entry["kind"] for entry in activity]
    assert kinds.count("expense.created") == 2
    assert kinds.count("settlement.created") == 1


def test_a_file_that_does_not_add_up_writes_nothing_and_names_every_bad_line(client, user):
    bad = EXAMPLE.replace("60.00,EUR,40.00,-20.00,-20.00", "60.00,EUR,40.00,-20.00,-19.00")
    bad = bad.replace("2024-03-05,", "2024-02-30,")
    response = upload(client, user, bad)
    assert response.status_code == 422
    problem = response.get_json()
    assert response.content_type == "application/problem+json"
    assert problem["type"].endswith("/problems/validation-error")
    assert set(problem["errors"]) == {"3", "6"}
    assert client.get("/groups/", headers=user.headers).get_json() == []


def test_a_wrong_total_balance_line_writes_nothing(client, user):
    wrong = EXAMPLE.replace("EUR,5.00,30.00,-35.00", "EUR,5.00,31.00,-36.00")
    response = upload(client, user, wrong)
    assert response.status_code == 422
    [(line, messages)] = response.get_json()["errors"].items()
    assert line == "8"
    assert any("Bob Ferreira" in message for message in messages)
    assert client.get("/groups/", headers=user.headers).get_json() == []


def test_me_must_be_one_of_the_files_people(client, user):
    response = upload(client, user, EXAMPLE, me="Dave")
    assert response.status_code == 422
    assert "me" in response.get_json()["errors"]


def test_a_name_given_is_used_and_the_same_file_twice_makes_two_groups(client, user):
    first = upload(client, user, EXAMPLE, name="Portugal 2024")
    second = upload(client, user, EXAMPLE)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["name"] == "Portugal 2024"
    assert first.get_json()["id"] != second.get_json()["id"]


def test_an_idempotency_key_imports_once(client, user):
    headers = {**user.headers, "Idempotency-Key": "splitwise-once"}
    answers = []
    for _ in range(2):
        data = {"file": (io.BytesIO(EXAMPLE.encode()), "trip.csv"), "me": "Alice Martin"}
        answers.append(
            client.post(
                "/groups/import/splitwise",
                data=data,
                headers=headers,
                content_type="multipart/form-data",
            )
        )
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert len(client.get("/groups/", headers=user.headers).get_json()) == 1


def test_the_imported_guests_can_be_merged_when_they_sign_up(client, user, other_user):
    body = upload(client, user, EXAMPLE).get_json()
    bob = next(m for m in body["members"] if m["full_name"] == "Bob Ferreira")
    invite = body["invite_code"]
    joined = client.post("/groups/join", json={"invite_code": invite}, headers=other_user.headers)
    assert joined.status_code == 201
    merged = client.post(
        f"/groups/{body['id']}/guests/{bob['user_id']}/merge",
        json={"user_id": other_user.id},
        headers=user.headers,
    )
    assert merged.status_code == 202  # the owner asked; the account must say yes too


def test_only_a_signed_in_user_imports(client):
    response = client.post(
        "/groups/import/splitwise",
        data={"file": (io.BytesIO(EXAMPLE.encode()), "x.csv"), "me": "Alice Martin"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 401


def test_the_file_must_be_a_file_part_and_unknown_fields_are_refused(client, user):
    as_text = client.post(
        "/groups/import/splitwise",
        data={"file": EXAMPLE, "me": "Alice Martin"},
        headers=user.headers,
        content_type="multipart/form-data",
    )
    assert as_text.status_code == 422
    assert as_text.get_json()["errors"] == {"file": ["Must be a file."]}
    extra = upload(client, user, EXAMPLE, colour="blue")
    assert extra.status_code == 422
    assert "colour" in extra.get_json()["errors"]
