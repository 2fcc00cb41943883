"""Shared expenses: the five split modes, several payers, edits, deletion and paid shares."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from expense_tracker.extensions import db
from tests.factories import Account, add_expense, group_with, join, nets, new_group, usd
from tests.problems import assert_problem


def post_expense(client: FlaskClient, group_id: int, account: Account, **body: Any) -> Any:
    body = {"description": "Dinner", "amount": "30.00", "split_type": "equal", **body}
    return client.post(f"/groups/{group_id}/expenses", json=body, headers=account.headers)


def shares(expense: dict[str, Any]) -> dict[int, str]:
    return {split["user_id"]: split["amount"] for split in expense["splits"]}


def spare_order(user_ids: list[int], expense_id: int) -> list[int]:
    ordered = sorted(user_ids)
    start = expense_id % len(ordered)
    return ordered[start:] + ordered[:start]


# --------------------------------------------------------------------------- split modes


def test_equal_split_among_every_member_by_default_with_the_spare_cent_rotating(client, trio):
    group_id, owner, a, b = trio
    for _ in range(3):
        expense = add_expense(client, group_id, owner, amount="10.00")
        assert expense["split_type"] == "equal"
        assert expense["paid_by"] == owner.id
        assert expense["payers"] == [{"user_id": owner.id, "amount": "10.00"}]
        lucky = spare_order([owner.id, a.id, b.id], expense["id"])[0]
        assert shares(expense) == {
            uid: ("3.34" if uid == lucky else "3.33") for uid in (owner.id, a.id, b.id)
        }
        for split in expense["splits"]:
            assert split["is_paid"] is False
            assert split["paid_at"] is None
            assert not {"percentage", "shares", "adjustment"} & set(split)


def test_equal_split_among_chosen_participants(client, trio):
    group_id, _owner, a, b = trio
    expense = add_expense(client, group_id, a, amount="9", participants=[b.id, a.id])
    assert shares(expense) == {a.id: "4.50", b.id: "4.50"}
    assert expense["paid_by"] == a.id
    assert expense["created_by"] == a.id


def test_exact_split_must_add_up_and_says_by_how_much(client, trio):
    group_id, owner, a, b = trio
    ok = add_expense(
        client,
        group_id,
        owner,
        amount="30",
        split_type="exact",
        splits=[{"user_id": a.id, "amount": "30"}, {"user_id": b.id, "amount": 0}],
    )
    assert shares(ok) == {a.id: "30.00", b.id: "0.00"}
    short = post_expense(
        client,
        group_id,
        owner,
        split_type="exact",
        splits=[{"user_id": a.id, "amount": "20.00"}, {"user_id": b.id, "amount": "5"}],
    )
    assert_problem(short, 422, "validation-error")
    assert short.get_json()["difference"] == "5.00"
    assert "5.00 short" in short.get_json()["errors"]["splits"][0]
    over = post_expense(
        client, group_id, owner, split_type="exact", splits=[{"user_id": a.id, "amount": "31"}]
    )
    assert over.get_json()["difference"] == "-1.00"


def test_percentage_split_is_exact_and_must_total_100(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="100.01",
        split_type="percentage",
        splits=[
            {"user_id": owner.id, "percentage": "33.33"},
            {"user_id": a.id, "percentage": 33.33},
            {"user_id": b.id, "percentage": "33.34"},
        ],
    )
    assert sum(int(s.replace(".", "")) for s in shares(expense).values()) == 10001
    assert [s["percentage"] for s in expense["splits"]] == ["33.33", "33.33", "33.34"]
    wrong = post_expense(
        client,
        group_id,
        owner,
        split_type="percentage",
        splits=[{"user_id": a.id, "percentage": "50"}, {"user_id": b.id, "percentage": "49.99"}],
    )
    assert_problem(wrong, 422, "validation-error")
    assert "splits" in wrong.get_json()["errors"]
    precise = post_expense(
        client,
        group_id,
        owner,
        split_type="percentage",
        splits=[{"user_id": a.id, "percentage": "50"}, {"user_id": b.id, "percentage": "49.999"}],
    )
    assert "splits.1.percentage" in precise.get_json()["errors"]


def test_shares_split_is_proportional(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="70",
        split_type="shares",
        splits=[{"user_id": a.id, "shares": 2}, {"user_id": b.id, "shares": "1.5"}],
    )
    assert shares(expense) == {a.id: "40.00", b.id: "30.00"}
    assert [s["shares"] for s in expense["splits"]] == ["2.00", "1.50"]
    zero = post_expense(
        client, group_id, owner, split_type="shares", splits=[{"user_id": a.id, "shares": 0}]
    )
    assert "splits.0.shares" in zero.get_json()["errors"]


def test_adjustment_split_adds_signed_adjustments_to_equal_parts(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="100",
        split_type="adjustment",
        splits=[
            {"user_id": owner.id, "adjustment": "10"},
            {"user_id": a.id, "adjustment": "-10.00"},
            {"user_id": b.id, "adjustment": 0},
        ],
    )
    lucky = spare_order([owner.id, a.id, b.id], expense["id"])[0]
    base = {owner.id: 4333, a.id: 2333, b.id: 3333}
    base[lucky] += 1
    assert shares(expense) == {uid: usd(cents) for uid, cents in base.items()}
    assert [s["adjustment"] for s in expense["splits"]] == ["10.00", "-10.00", "0.00"]
    negative = post_expense(
        client,
        group_id,
        owner,
        split_type="adjustment",
        splits=[{"user_id": a.id, "adjustment": "-40"}, {"user_id": b.id, "adjustment": "0"}],
    )
    assert_problem(negative, 422, "validation-error")
    assert "splits.0.adjustment" in negative.get_json()["errors"]


def test_jpy_and_kwd_groups_split_in_their_own_minor_units(client, user, other_user):
    yen = group_with(client, user, other_user, currency="JPY")
    expense = add_expense(client, yen, user, amount="1001")
    assert sorted(shares(expense).values()) == ["500", "501"]
    bad = post_expense(client, yen, user, amount="1000.5")
    assert "amount" in bad.get_json()["errors"]
    dinar = group_with(client, user, other_user, currency="KWD")
    assert add_expense(client, dinar, user, amount="1")["amount"] == "1.000"


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (
            lambda me: {"split_type": "exact", "splits": [{"user_id": 9999, "amount": "30"}]},
            "splits.0.user_id",
        ),
        (lambda me: {"participants": [me, 9999]}, "participants.1"),
        (lambda me: {"split_type": "exact"}, "splits"),
        (lambda me: {"split_type": "shares", "participants": [me]}, "participants"),
        (
            lambda me: {"split_type": "exact", "splits": [{"user_id": me, "percentage": "100"}]},
            "splits.0.amount",
        ),
        (
            lambda me: {"split_type": "exact", "splits": [{"user_id": me, "amount": "30.001"}]},
            "splits.0.amount",
        ),
        (
            lambda me: {"split_type": "equal", "splits": [{"user_id": me, "shares": "1"}]},
            "splits.0.shares",
        ),
        (lambda me: {"amount": "12.345"}, "amount"),
        (lambda me: {"amount": "0"}, "amount"),
        (lambda me: {"amount": "-5"}, "amount"),
        (lambda me: {"amount": "1e3"}, "amount"),
        (lambda me: {"amount": "1000000000"}, "amount"),
        (lambda me: {"currency": "EUR"}, "currency"),
        (lambda me: {"description": "  "}, "description"),
        (lambda me: {"split_type": "halves"}, "split_type"),
        (lambda me: {"paid_by": 9999}, "paid_by"),
        (lambda me: {"id": 3}, "id"),
        (lambda me: {"created_by": 3}, "created_by"),
        (lambda me: {"paid_by": me, "payers": [{"user_id": me, "amount": "30"}]}, "payers"),
        (lambda me: {"participants": [me], "splits": [{"user_id": me}]}, "splits"),
        (lambda me: {"date": "2026-02-30"}, "date"),
        (lambda me: {"category": "x" * 51}, "category"),
    ],
)
def test_invalid_expenses_name_the_field(client, user, make_body, field):
    group_id = group_with(client, user)
    response = post_expense(client, group_id, user, **make_body(user.id))
    # A currency with no rate in the table is the more specific kind of 422.
    kind = "rate-unavailable" if field == "currency" else "validation-error"
    assert_problem(response, 422, kind)
    assert field in response.get_json()["errors"], response.get_json()


def test_a_member_may_not_appear_twice(client, trio):
    group_id, owner, a, _b = trio
    response = post_expense(client, group_id, owner, participants=[a.id, a.id])
    assert "participants.1" in response.get_json()["errors"]


def test_the_group_currency_may_be_repeated_in_any_case(client, trio):
    group_id, owner, _a, _b = trio
    assert post_expense(client, group_id, owner, currency="usd").status_code == 201


def test_participants_are_fixed_when_the_expense_is_created(client, user, other_user, make_user):
    group = new_group(client, user)
    join(client, group, other_user)
    expense = add_expense(client, group["id"], user)
    join(client, group, make_user())
    again = client.get(f"/groups/{group['id']}/expenses/{expense['id']}", headers=user.headers)
    assert set(shares(again.get_json())) == {user.id, other_user.id}


# --------------------------------------------------------------------------- payers


def test_several_payers_are_listed_and_paid_by_is_null(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="50",
        payers=[{"user_id": b.id, "amount": "20"}, {"user_id": a.id, "amount": "30.00"}],
    )
    assert expense["paid_by"] is None
    assert expense["payers"] == [
        {"user_id": a.id, "amount": "30.00"},
        {"user_id": b.id, "amount": "20.00"},
    ]
    one = add_expense(client, group_id, owner, payers=[{"user_id": a.id, "amount": "30"}])
    assert one["paid_by"] == a.id


def test_payer_amounts_must_add_up_to_the_total(client, trio):
    group_id, owner, a, b = trio
    response = post_expense(
        client,
        group_id,
        owner,
        payers=[{"user_id": a.id, "amount": "10"}, {"user_id": b.id, "amount": "10"}],
    )
    assert_problem(response, 422, "validation-error")
    assert "payers" in response.get_json()["errors"]
    twice = post_expense(
        client,
        group_id,
        owner,
        payers=[{"user_id": a.id, "amount": "15"}, {"user_id": a.id, "amount": "15"}],
    )
    assert "payers.1.user_id" in twice.get_json()["errors"]
    outsider = post_expense(client, group_id, owner, payers=[{"user_id": 9999, "amount": "30"}])
    assert "payers.0.user_id" in outsider.get_json()["errors"]


# --------------------------------------------------------------------------- reading


def test_outsiders_and_other_groups_ids_get_404(client, trio, make_user):
    group_id, owner, _a, _b = trio
    outsider = make_user()
    expense = add_expense(client, group_id, owner)
    other_group = group_with(client, outsider)
    theirs = add_expense(client, other_group, outsider)
    assert_problem(post_expense(client, group_id, outsider), 404, "not-found")
    assert_problem(
        client.get(f"/groups/{group_id}/expenses/", headers=outsider.headers), 404, "not-found"
    )
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    assert_problem(client.get(url, headers=outsider.headers), 404, "not-found")
    assert_problem(
        client.patch(url, json={"description": "x"}, headers=outsider.headers), 404, "not-found"
    )
    assert_problem(client.delete(url, headers=outsider.headers), 404, "not-found")
    # Another group's expense is not reachable through this group, even by its owner.
    foreign = f"/groups/{group_id}/expenses/{theirs['id']}"
    assert_problem(client.get(foreign, headers=owner.headers), 404, "not-found")
    join(client, client.get(f"/groups/{other_group}", headers=outsider.headers).get_json(), owner)
    assert_problem(client.get(foreign, headers=owner.headers), 404, "not-found")
    assert_problem(client.delete(foreign, headers=owner.headers), 404, "not-found")
    assert_problem(
        client.patch(
            f"{foreign}/splits/{outsider.id}", json={"is_paid": True}, headers=owner.headers
        ),
        404,
        "not-found",
    )


def test_get_returns_the_expense_with_an_etag(client, trio):
    group_id, _owner, a, b = trio
    created = post_expense(client, group_id, a, category="Food")
    expense = created.get_json()
    assert created.headers["Location"] == f"/groups/{group_id}/expenses/{expense['id']}"
    response = client.get(created.headers["Location"], headers=b.headers)
    assert response.status_code == 200
    assert response.get_json() == expense
    assert response.headers["ETag"] == created.headers["ETag"]
    assert set(expense) == {
        "id",
        "group_id",
        "description",
        "amount",
        "currency",
        "date",
        "category",
        "notes",
        "paid_by",
        "payers",
        "created_by",
        "split_type",
        "splits",
        "created_at",
        "updated_at",
        # Foreign-currency expenses and recurring occurrences (null otherwise).
        "original_amount",
        "original_currency",
        "exchange_rate",
        "series_id",
        "occurrence",
    }


def test_list_is_newest_first_and_filters(client, trio):
    group_id, owner, a, b = trio
    first = add_expense(client, group_id, owner, date="2026-01-05", category="Food")
    second = add_expense(
        client, group_id, a, date="2026-01-05", category="fOOD", participants=[a.id, b.id]
    )
    third = add_expense(
        client,
        group_id,
        owner,
        date="2026-02-01",
        category="Taxi",
        payers=[{"user_id": b.id, "amount": "10"}, {"user_id": owner.id, "amount": "20"}],
        participants=[owner.id, b.id],
    )
    fourth = add_expense(client, group_id, b, date="2025-12-31", participants=[b.id])

    def ids(query: str) -> list[int]:
        response = client.get(f"/groups/{group_id}/expenses/?{query}", headers=owner.headers)
        assert response.status_code == 200, response.get_json()
        return [expense["id"] for expense in response.get_json()]

    assert ids("") == [third["id"], second["id"], first["id"], fourth["id"]]
    assert ids("date_from=2026-01-01&date_to=2026-01-31") == [second["id"], first["id"]]
    assert ids("category=food") == [second["id"], first["id"]]
    assert ids(f"paid_by={b.id}") == [third["id"], fourth["id"]]
    assert ids(f"involving={a.id}") == [second["id"], first["id"]]
    assert ids(f"involving={owner.id}") == [third["id"], first["id"]]
    page = client.get(f"/groups/{group_id}/expenses?limit=2&skip=1", headers=owner.headers)
    assert [e["id"] for e in page.get_json()] == [second["id"], first["id"]]
    assert page.headers["X-Total-Count"] == "4"
    assert 'rel="next"' in page.headers["Link"]
    bad = client.get(
        f"/groups/{group_id}/expenses/?date_from=2026-02-01&date_to=2026-01-01",
        headers=owner.headers,
    )
    assert_problem(bad, 422, "validation-error")


def test_listing_loads_splits_and_payers_without_a_query_per_expense(app, client, trio):
    group_id, owner, a, b = trio

    def statements_to_list() -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            response = client.get(f"/groups/{group_id}/expenses/?limit=200", headers=owner.headers)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert response.status_code == 200
        return count

    for _ in range(3):
        add_expense(client, group_id, owner, payers=[{"user_id": a.id, "amount": "30"}])
    with_three = statements_to_list()
    for _ in range(27):
        add_expense(
            client,
            group_id,
            owner,
            payers=[{"user_id": a.id, "amount": "10"}, {"user_id": b.id, "amount": "20"}],
        )
    assert statements_to_list() == with_three


# --------------------------------------------------------------------------- editing


def test_editing_details_keeps_the_split_and_moves_the_etag(client, trio):
    group_id, owner, a, b = trio
    created = post_expense(client, group_id, a, amount="10.00")
    expense = created.get_json()
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    response = client.patch(
        url,
        json={"description": "Pizza", "category": "Food", "date": "2026-01-02"},
        headers={**a.headers, "If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["description"], body["category"], body["date"]) == ("Pizza", "Food", "2026-01-02")
    assert shares(body) == shares(expense)
    assert response.headers["ETag"] != created.headers["ETag"]
    stale = client.patch(
        url, json={"description": "x"}, headers={**a.headers, "If-Match": created.headers["ETag"]}
    )
    assert_problem(stale, 412, "precondition-failed")
    # Keeping amount and participants never moves a cent, even when re-sent.
    resent = client.patch(
        url, json={"amount": "10", "participants": [b.id, a.id, owner.id]}, headers=a.headers
    )
    assert shares(resent.get_json()) == shares(expense)


def test_changing_the_amount_recomputes_kept_splits(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="10",
        split_type="shares",
        splits=[{"user_id": a.id, "shares": 1}, {"user_id": b.id, "shares": 3}],
    )
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    response = client.patch(url, json={"amount": "20"}, headers=owner.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert shares(body) == {a.id: "5.00", b.id: "15.00"}
    assert body["payers"] == [{"user_id": owner.id, "amount": "20.00"}]


def test_amount_changes_that_cannot_be_recomputed_are_refused(client, trio):
    group_id, owner, a, b = trio
    exact = add_expense(
        client, group_id, owner, split_type="exact", splits=[{"user_id": a.id, "amount": "30"}]
    )
    url = f"/groups/{group_id}/expenses/{exact['id']}"
    refused = client.patch(url, json={"amount": "40"}, headers=owner.headers)
    assert_problem(refused, 422, "validation-error")
    assert "splits" in refused.get_json()["errors"]
    accepted = client.patch(
        url,
        json={"amount": "40", "splits": [{"user_id": b.id, "amount": "40"}]},
        headers=owner.headers,
    )
    assert shares(accepted.get_json()) == {b.id: "40.00"}
    several = add_expense(
        client,
        group_id,
        owner,
        payers=[{"user_id": a.id, "amount": "10"}, {"user_id": b.id, "amount": "20"}],
    )
    url = f"/groups/{group_id}/expenses/{several['id']}"
    refused = client.patch(url, json={"amount": "40"}, headers=owner.headers)
    assert "payers" in refused.get_json()["errors"]
    switch = client.patch(url, json={"split_type": "percentage"}, headers=owner.headers)
    assert "splits" in switch.get_json()["errors"]


def test_switching_to_equal_keeps_the_same_people(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="10",
        split_type="exact",
        splits=[{"user_id": a.id, "amount": "10"}, {"user_id": b.id, "amount": "0"}],
    )
    response = client.patch(
        f"/groups/{group_id}/expenses/{expense['id']}",
        json={"split_type": "equal"},
        headers=owner.headers,
    )
    assert shares(response.get_json()) == {a.id: "5.00", b.id: "5.00"}


def test_who_may_edit_and_delete(client, trio, make_user):
    group_id, owner, a, b = trio
    c = make_user()
    join(client, client.get(f"/groups/{group_id}", headers=owner.headers).get_json(), c)
    expense = add_expense(client, group_id, a, paid_by=b.id)
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    for account in (a, b, owner):  # creator, payer, owner
        response = client.patch(url, json={"description": "ok"}, headers=account.headers)
        assert response.status_code == 200
    assert_problem(
        client.patch(url, json={"description": "no"}, headers=c.headers), 403, "forbidden"
    )
    assert_problem(client.delete(url, headers=c.headers), 403, "forbidden")
    assert_problem(
        client.delete(url, headers={**b.headers, "If-Match": '"1.99"'}), 412, "precondition-failed"
    )
    assert client.delete(url, headers=b.headers).status_code == 204
    assert_problem(client.get(url, headers=b.headers), 404, "not-found")


# --------------------------------------------------------------------------- paid shares


def test_marking_a_share_paid_by_its_member_or_a_payer(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, amount="30")
    url = f"/groups/{group_id}/expenses/{expense['id']}/splits"
    response = client.patch(f"{url}/{a.id}", json={"is_paid": True}, headers=a.headers)
    assert response.status_code == 200
    split = next(s for s in response.get_json()["splits"] if s["user_id"] == a.id)
    assert split["is_paid"] is True
    assert split["paid_at"].endswith("Z")
    assert nets(client, group_id, owner) == {owner.id: "10.00", a.id: "0.00", b.id: "-10.00"}
    assert_problem(
        client.patch(f"{url}/{b.id}", json={"is_paid": True}, headers=a.headers), 403, "forbidden"
    )
    assert (
        client.patch(f"{url}/{b.id}", json={"is_paid": True}, headers=owner.headers).status_code
        == 200
    )
    undone = client.patch(f"{url}/{a.id}", json={"is_paid": False}, headers=owner.headers)
    split = next(s for s in undone.get_json()["splits"] if s["user_id"] == a.id)
    assert (split["is_paid"], split["paid_at"]) == (False, None)
    only_payer = client.patch(f"{url}/{owner.id}", json={"is_paid": True}, headers=owner.headers)
    assert_problem(only_payer, 422, "validation-error")
    assert_problem(
        client.patch(f"{url}/9999", json={"is_paid": True}, headers=owner.headers), 404, "not-found"
    )
    assert_problem(
        client.patch(f"{url}/{a.id}", json={"is_paid": "yes"}, headers=a.headers),
        422,
        "validation-error",
    )


def test_a_paid_share_cannot_change_until_unmarked(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, amount="30")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.patch(f"{url}/splits/{a.id}", json={"is_paid": True}, headers=a.headers)
    assert_problem(client.patch(url, json={"amount": "60"}, headers=owner.headers), 409, "conflict")
    dropped = client.patch(url, json={"participants": [owner.id, b.id]}, headers=owner.headers)
    assert_problem(dropped, 409, "conflict")
    assert_problem(
        client.patch(url, json={"paid_by": a.id}, headers=owner.headers), 409, "conflict"
    )
    # Changes that leave the paid share as it is are fine.
    assert (
        client.patch(url, json={"description": "Still"}, headers=owner.headers).status_code == 200
    )
    client.patch(f"{url}/splits/{a.id}", json={"is_paid": False}, headers=a.headers)
    assert client.patch(url, json={"amount": "60"}, headers=owner.headers).status_code == 200


def test_expenses_involving_a_former_member_are_frozen(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, owner, amount="30")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    unrelated = add_expense(client, group_id, owner, amount="10", participants=[owner.id, a.id])
    # b settles their share and leaves.
    client.patch(f"{url}/splits/{b.id}", json={"is_paid": True}, headers=b.headers)
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    assert_problem(client.patch(url, json={"amount": "60"}, headers=owner.headers), 409, "conflict")
    assert_problem(client.delete(url, headers=owner.headers), 409, "conflict")
    marked = client.patch(f"{url}/splits/{a.id}", json={"is_paid": True}, headers=a.headers)
    assert_problem(marked, 409, "conflict")
    # Details that touch nobody's money may still change.
    renamed = client.patch(url, json={"description": "History"}, headers=owner.headers)
    assert renamed.status_code == 200
    # New expenses cannot include them, and expenses without them are unaffected.
    assert (
        "participants.0"
        in post_expense(client, group_id, owner, participants=[b.id]).get_json()["errors"]
    )
    unrelated_url = f"/groups/{group_id}/expenses/{unrelated['id']}"
    assert client.delete(unrelated_url, headers=owner.headers).status_code == 204


def test_an_edit_that_changes_nothing_keeps_the_etag(client, trio):
    group_id, owner, _a, _b = trio
    expense = add_expense(client, group_id, owner, amount="30")
    path = f"/groups/{group_id}/expenses/{expense['id']}"
    etag = client.get(path, headers=owner.headers).headers["ETag"]
    same = client.patch(
        path,
        json={"amount": "30", "description": "Dinner"},
        headers={**owner.headers, "If-Match": etag},
    )
    assert same.status_code == 200
    assert same.headers["ETag"] == etag
    changed = client.patch(path, json={"amount": "31"}, headers={**owner.headers, "If-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
