"""Moving in from Splitwise: POST /groups/import/splitwise makes a new group from a group's
CSV export, in one transaction: guests for the other people, expenses whose nets are the
file's, payments as settlements, balances equal to the file's Total balance line."""

from __future__ import annotations

import io
from typing import Any

from expense_tracker.groups.balances import audit as balance_audit
from tests.factories import cents
from tests.pure.test_splitwise_file import export as splitwise_export

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


def assert_no_drift(app, group_id: int) -> None:
    """The members' kept totals and the group's expense count equal a full recomputation
    from the rows (what `flask verify-balances` checks)."""
    with app.app_context():
        assert list(balance_audit.find_drift([group_id])) == []
        assert list(balance_audit.find_count_drift([group_id])) == []


def test_the_export_becomes_a_group_with_guests_expenses_and_payments(app, client, user):
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

    assert_no_drift(app, group_id)

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


def test_a_large_random_history_keeps_the_kept_totals_equal_to_a_recomputation(app, client, user):
    """2,000 rows of random payers, shares and payments (the batches cross a thousand):
    balances equal the file's totals, and the kept totals a full recomputation."""
    import random

    rng = random.Random(11)
    people = 5
    rows = []
    for number in range(2000):
        nets = [0] * people
        if number % 7 == 6:
            sender, receiver = rng.sample(range(people), 2)
            amount = rng.randint(1, 90_000)
            nets[sender], nets[receiver] = amount, -amount
            rows.append(("payment", amount, nets))
            continue
        cost = rng.randint(1, 500_000)
        payer = rng.randrange(people)
        sharers = rng.sample(range(people), rng.randint(1, people))
        base, spare = divmod(cost, len(sharers))
        nets[payer] += cost
        for position, person in enumerate(sharers):
            nets[person] -= base + (1 if position < spare else 0)
        rows.append(("expense", cost, nets))
    data = {"file": (io.BytesIO(splitwise_export(people, rows)), "big.csv"), "me": "Person A"}
    response = client.post(
        "/groups/import/splitwise",
        data=data,
        headers=user.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    names = {m["user_id"]: m["full_name"] for m in body["members"]}
    names[user.id] = "Person A"  # the importer's column
    balances = client.get(f"/groups/{body['id']}/balances", headers=user.headers).get_json()
    expected = {f"Person {chr(65 + i)}": sum(nets[i] for _, _, nets in rows) for i in range(people)}
    assert {names[b["user_id"]]: cents(b["net"]) for b in balances} == expected
    assert_no_drift(app, body["id"])
