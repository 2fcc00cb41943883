"""Balances, settlements and settling up, checked against an independent reckoning."""

from __future__ import annotations

import random
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import Account, add_expense, cents, group_with, nets, usd
from tests.groups.random_writes import random_payers, random_split
from tests.problems import assert_problem


def settle(client: FlaskClient, group_id: int, account: Account, **body: Any) -> Any:
    return client.post(f"/groups/{group_id}/settlements", json=body, headers=account.headers)


def record_plan(client: FlaskClient, group_id: int, owner: Account, plan: list[Any]) -> None:
    """Record every transfer of a settle-up plan as a settlement (by an owner)."""
    for transfer in plan:
        response = settle(
            client,
            group_id,
            owner,
            from_user=transfer["from_user"],
            to_user=transfer["to_user"],
            amount=transfer["amount"],
        )
        assert response.status_code == 201


# --------------------------------------------------------------------------- balances


def test_every_current_member_has_a_row_zeros_included(client, trio, make_user):
    group_id, owner, a, b = trio
    add_expense(client, group_id, owner, amount="30", participants=[owner.id, a.id])
    response = client.get(f"/groups/{group_id}/balances", headers=b.headers)
    assert response.status_code == 200
    rows = response.get_json()
    assert [row["user_id"] for row in rows] == sorted([owner.id, a.id, b.id])
    by_user = {row["user_id"]: row for row in rows}
    assert by_user[owner.id] == {
        "user_id": owner.id,
        "currency": "USD",
        "paid": "30.00",
        "owed": "15.00",
        "sent": "0.00",
        "received": "0.00",
        "net": "15.00",
    }
    assert by_user[a.id]["net"] == "-15.00"
    assert by_user[b.id]["net"] == "0.00"


def test_a_settlement_moves_exactly_its_amount(client, trio):
    group_id, owner, a, _b = trio
    add_expense(client, group_id, owner, amount="30")
    response = settle(client, group_id, a, to_user=owner.id, amount="4.5", note=" cash ")
    assert response.status_code == 201
    settlement = response.get_json()
    assert settlement["from_user"] == a.id
    assert settlement["to_user"] == owner.id
    assert settlement["amount"] == "4.50"
    assert settlement["note"] == "cash"
    assert settlement["created_by"] == a.id
    assert response.headers["Location"] == f"/groups/{group_id}/settlements/{settlement['id']}"
    assert response.headers["ETag"]
    rows = {
        r["user_id"]: r
        for r in client.get(f"/groups/{group_id}/balances", headers=a.headers).get_json()
    }
    assert (rows[a.id]["sent"], rows[a.id]["net"]) == ("4.50", "-5.50")
    assert (rows[owner.id]["received"], rows[owner.id]["net"]) == ("4.50", "15.50")


def test_a_paid_share_of_several_payers_is_divided_by_largest_remainder(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="30.01",
        payers=[{"user_id": a.id, "amount": "10.00"}, {"user_id": b.id, "amount": "20.01"}],
        split_type="exact",
        splits=[{"user_id": owner.id, "amount": "15.01"}, {"user_id": a.id, "amount": "15.00"}],
    )
    url = f"/groups/{group_id}/expenses/{expense['id']}/splits/{owner.id}"
    assert client.patch(url, json={"is_paid": True}, headers=owner.headers).status_code == 200
    rows = {
        r["user_id"]: r
        for r in client.get(f"/groups/{group_id}/balances", headers=a.headers).get_json()
    }
    # 15.01 x 10.00/30.01 = 5.0016..., x 20.01/30.01 = 10.0083...: the spare cent goes to b.
    assert rows[owner.id]["sent"] == "15.01"
    assert rows[a.id]["received"] == "5.00"
    assert rows[b.id]["received"] == "10.01"
    assert sum(cents(r["net"]) for r in rows.values()) == 0
    assert rows[owner.id]["net"] == "0.00"


def test_a_payer_marking_their_own_share_sends_nothing_to_themself(client, trio):
    group_id, owner, a, b = trio
    expense = add_expense(
        client,
        group_id,
        owner,
        amount="30",
        payers=[{"user_id": a.id, "amount": "15"}, {"user_id": b.id, "amount": "15"}],
        participants=[a.id, b.id],
    )
    url = f"/groups/{group_id}/expenses/{expense['id']}/splits/{a.id}"
    assert client.patch(url, json={"is_paid": True}, headers=a.headers).status_code == 200
    rows = {
        r["user_id"]: r
        for r in client.get(f"/groups/{group_id}/balances", headers=a.headers).get_json()
    }
    assert (rows[a.id]["sent"], rows[b.id]["received"]) == ("7.50", "7.50")
    assert rows[a.id]["received"] == "0.00"


def test_settle_up_plan_closes_every_balance(client, trio):
    group_id, owner, a, b = trio
    assert client.get(f"/groups/{group_id}/settle-up", headers=a.headers).get_json() == []
    add_expense(client, group_id, owner, amount="30")
    add_expense(client, group_id, a, amount="12", participants=[a.id, b.id])
    plan = client.get(f"/groups/{group_id}/settle-up", headers=b.headers).get_json()
    # Nets: owner +20, a -10 + 6 = -4, b -10 - 6 = -16.
    assert plan == [
        {"from_user": a.id, "to_user": owner.id, "amount": "4.00", "currency": "USD"},
        {"from_user": b.id, "to_user": owner.id, "amount": "16.00", "currency": "USD"},
    ]
    record_plan(client, group_id, owner, plan)
    assert set(nets(client, group_id, owner).values()) == {"0.00"}
    assert client.get(f"/groups/{group_id}/settle-up", headers=a.headers).get_json() == []


def test_my_balances_across_groups_with_totals_per_currency(client, user, other_user):
    usd_a = group_with(client, user, other_user, name="B trip")
    usd_b = group_with(client, user, other_user, name="A flat")
    yen = group_with(client, other_user, user, currency="JPY", name="Tokyo")
    group_with(client, other_user, name="Not mine")
    add_expense(client, usd_a, user, amount="10")
    add_expense(client, usd_b, other_user, amount="3")
    add_expense(client, yen, other_user, amount="1001")
    response = client.get("/users/me/balances", headers=user.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["groups"] == [
        {"group_id": usd_b, "name": "A flat", "currency": "USD", "net": "-1.50"},
        {"group_id": usd_a, "name": "B trip", "currency": "USD", "net": "5.00"},
        {"group_id": yen, "name": "Tokyo", "currency": "JPY", "net": body["groups"][2]["net"]},
    ]
    assert body["groups"][2]["net"] in {"-500", "-501"}
    assert body["totals"] == [
        {"currency": "JPY", "net": body["groups"][2]["net"]},
        {"currency": "USD", "net": "3.50"},
    ]


# --------------------------------------------------------------------------- settlements


def test_settlement_rules(client, trio, make_user):
    group_id, owner, a, b = trio
    outsider = make_user()
    # Between two others: owners only.
    assert_problem(
        settle(client, group_id, a, from_user=b.id, to_user=owner.id, amount="1"), 403, "forbidden"
    )
    assert (
        settle(client, group_id, owner, from_user=b.id, to_user=a.id, amount="1").status_code == 201
    )
    # Someone else may be the payer when the caller receives.
    assert settle(client, group_id, a, from_user=b.id, to_user=a.id, amount="1").status_code == 201
    for body, field in (
        ({"to_user": a.id}, "to_user"),
        ({"to_user": outsider.id}, "to_user"),
        ({"to_user": b.id, "currency": "EUR"}, "currency"),
        ({"to_user": b.id, "amount": "0"}, "amount"),
        ({"to_user": b.id, "amount": "1.001"}, "amount"),
        ({"to_user": b.id, "created_by": b.id}, "created_by"),
    ):
        response = settle(client, group_id, a, **{"amount": "1", **body})
        assert_problem(response, 422, "validation-error")
        assert field in response.get_json()["errors"], body
    assert_problem(settle(client, group_id, outsider, to_user=a.id, amount="1"), 404, "not-found")


def test_settlements_are_listed_newest_first_and_deleted_by_creator_or_owner(client, trio):
    group_id, owner, a, b = trio
    ids = [
        settle(client, group_id, a, to_user=b.id, amount=str(n)).get_json()["id"] for n in (1, 2, 3)
    ]
    response = client.get(f"/groups/{group_id}/settlements?limit=2", headers=b.headers)
    assert [s["id"] for s in response.get_json()] == ids[::-1][:2]
    assert response.headers["X-Total-Count"] == "3"
    url = f"/groups/{group_id}/settlements"
    assert client.get(f"{url}/{ids[0]}", headers=b.headers).status_code == 200
    assert_problem(client.delete(f"{url}/{ids[0]}", headers=b.headers), 403, "forbidden")
    assert_problem(
        client.delete(f"{url}/{ids[0]}", headers={**a.headers, "If-Match": '"1.99"'}),
        412,
        "precondition-failed",
    )
    assert client.delete(f"{url}/{ids[0]}", headers=a.headers).status_code == 204
    assert client.delete(f"{url}/{ids[1]}", headers=owner.headers).status_code == 204
    assert_problem(client.delete(f"{url}/{ids[1]}", headers=owner.headers), 404, "not-found")


def test_settlements_of_another_group_or_a_former_member_stay_put(client, trio, make_user):
    group_id, owner, a, b = trio
    outsider = make_user()
    other_group = group_with(client, outsider, a)
    theirs = settle(client, other_group, outsider, to_user=a.id, amount="1").get_json()
    assert_problem(
        client.get(f"/groups/{group_id}/settlements/{theirs['id']}", headers=owner.headers),
        404,
        "not-found",
    )
    assert_problem(
        client.delete(f"/groups/{group_id}/settlements/{theirs['id']}", headers=owner.headers),
        404,
        "not-found",
    )
    # b pays a back and forth to zero, then leaves: the settlements now involve a former member.
    first = settle(client, group_id, b, to_user=a.id, amount="2").get_json()
    settle(client, group_id, a, to_user=b.id, amount="2")
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    response = client.delete(f"/groups/{group_id}/settlements/{first['id']}", headers=owner.headers)
    assert_problem(response, 409, "conflict")


# --------------------------------------------------------------------------- randomised


def largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    """An independent reckoning of the contract's division (ties by ascending user_id)."""
    weight_sum = sum(weights.values())
    ideal = {uid: Fraction(total * w, weight_sum) for uid, w in weights.items()}
    parts = {uid: int(value) for uid, value in ideal.items()}
    spare = total - sum(parts.values())
    for uid in sorted(ideal, key=lambda uid: (-(ideal[uid] - parts[uid]), uid))[:spare]:
        parts[uid] += 1
    return parts


def expected_nets(
    expenses: list[dict[str, Any]], settlements: list[dict[str, Any]]
) -> dict[int, int]:
    net: dict[int, int] = defaultdict(int)
    for expense in expenses:
        payers = {p["user_id"]: cents(p["amount"]) for p in expense["payers"]}
        for uid, paid in payers.items():
            net[uid] += paid
        for split in expense["splits"]:
            net[split["user_id"]] -= cents(split["amount"])
            if split["is_paid"]:
                for payer, part in largest_remainder(cents(split["amount"]), payers).items():
                    if payer != split["user_id"]:
                        net[split["user_id"]] += part
                        net[payer] -= part
    for settlement in settlements:
        net[settlement["from_user"]] += cents(settlement["amount"])
        net[settlement["to_user"]] -= cents(settlement["amount"])
    return net


def run_random_group(client: FlaskClient, make_user: Any, *, seed: int, expenses: int) -> None:
    rng = random.Random(seed)
    owner, *others = [make_user() for _ in range(9)]
    accounts = {account.id: account for account in (owner, *others)}
    members = list(accounts)
    group_id = group_with(client, owner, *others)
    recorded: list[dict[str, Any]] = []
    for _ in range(expenses):
        total = rng.choice([1, 2, 3, 7, 99, 100, 1001, rng.randint(1, 5_000_000)])
        body = {
            "description": "Random",
            "amount": usd(total),
            **random_payers(rng, total, members),
            **random_split(rng, total, members),
        }
        creator = accounts[rng.choice(members)]
        response = client.post(f"/groups/{group_id}/expenses", json=body, headers=creator.headers)
        assert response.status_code == 201, (body, response.get_json())
        expense = response.get_json()
        assert sum(cents(s["amount"]) for s in expense["splits"]) == total
        recorded.append(expense)
        if rng.random() < 0.3:
            # A member who is not the only payer marks their share paid.
            split = rng.choice(expense["splits"])
            if {p["user_id"] for p in expense["payers"]} != {split["user_id"]}:
                url = f"/groups/{group_id}/expenses/{expense['id']}/splits/{split['user_id']}"
                marked = client.patch(
                    url, json={"is_paid": True}, headers=accounts[split["user_id"]].headers
                )
                assert marked.status_code == 200, marked.get_json()
                recorded[-1] = marked.get_json()
        if rng.random() < 0.1:
            sender, receiver = rng.sample(members, 2)
            amount = usd(rng.randint(1, 100_000))
            response = settle(client, group_id, accounts[sender], to_user=receiver, amount=amount)
            assert response.status_code == 201
    settlements = client.get(
        f"/groups/{group_id}/settlements?limit=200", headers=owner.headers
    ).get_json()

    rows = client.get(f"/groups/{group_id}/balances", headers=owner.headers).get_json()
    reported = {row["user_id"]: cents(row["net"]) for row in rows}
    assert sum(reported.values()) == 0
    for row in rows:
        assert cents(row["net"]) == cents(row["paid"]) - cents(row["owed"]) + cents(
            row["sent"]
        ) - cents(row["received"])
    expected = expected_nets(recorded, settlements)
    assert reported == {uid: expected.get(uid, 0) for uid in members}

    plan = client.get(f"/groups/{group_id}/settle-up", headers=owner.headers).get_json()
    assert len(plan) <= max(0, sum(1 for net in reported.values() if net) - 1)
    assert plan == client.get(f"/groups/{group_id}/settle-up", headers=owner.headers).get_json()
    record_plan(client, group_id, owner, plan)
    assert set(nets(client, group_id, owner).values()) == {"0.00"}
    assert client.get(f"/groups/{group_id}/settle-up", headers=owner.headers).get_json() == []
    mine = client.get("/users/me/balances", headers=owner.headers).get_json()
    assert mine["totals"] == [{"currency": "USD", "net": "0.00"}]


def test_random_group_balances_sum_to_zero_and_the_plan_settles_them(client, make_user):
    run_random_group(client, make_user, seed=4, expenses=60)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_random_expenses_balance_and_settle(client, make_user, seed):
    run_random_group(client, make_user, seed=seed, expenses=400)
