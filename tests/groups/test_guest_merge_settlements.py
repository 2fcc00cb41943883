"""A merge never rewrites money silently: every settlement it changes is logged, notified
and carried by the change feed, and every balance afterwards is the sum of the two before."""

from __future__ import annotations

import random

import pytest

from tests.factories import Account, add_expense, group_with, usd
from tests.groups.guest_helpers import add_guest, answer, ask, int_nets, merge
from tests.problems import assert_problem


def _settle(client, group_id, account: Account, sender: int, receiver: int, amount: str) -> dict:
    body = {"from_user": sender, "to_user": receiver, "amount": amount}
    response = client.post(f"/groups/{group_id}/settlements", json=body, headers=account.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _changes(client, account: Account, cursor: str | None) -> tuple[list[dict], str]:
    """Every change since `cursor`, following the feed to its end; the last cursor."""
    changes: list[dict] = []
    while True:
        query = "?limit=500" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(f"/users/me/changes{query}", headers=account.headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor


def _entries(client, group_id, account: Account, kind: str) -> dict[int, dict]:
    response = client.get(
        f"/groups/{group_id}/activity", query_string={"kind": kind}, headers=account.headers
    )
    assert response.status_code == 200
    return {entry["subject_id"]: entry for entry in response.get_json()}


def test_each_settlement_a_merge_changes_is_logged_notified_and_synced(client, trio, runner):
    group_id, owner, a, b = trio
    guest = add_guest(client, group_id, owner)
    add_expense(client, group_id, owner, amount="30.00", paid_by=guest, participants=[owner.id])
    to_target = _settle(client, group_id, owner, guest, a.id, "5.00")
    from_target = _settle(client, group_id, owner, a.id, guest, "2.00")
    to_third = _settle(client, group_id, owner, guest, b.id, "3.00")
    from_third = _settle(client, group_id, owner, b.id, guest, "1.00")
    etag = client.get(
        f"/groups/{group_id}/settlements/{to_third['id']}", headers=b.headers
    ).headers["ETag"]
    _, a_cursor = _changes(client, a, None)
    _, b_cursor = _changes(client, b, None)
    before = int_nets(client, group_id, owner)

    # a asks, the owner accepts: the owner made the change, a and b hear of it.
    asked = ask(client, group_id, guest, a.id, a)
    assert asked.status_code == 202
    assert answer(client, group_id, asked.get_json()["id"], "accept", owner).status_code == 200

    # Between the guest and a: payments to oneself now, deleted and logged.
    deleted = _entries(client, group_id, owner, "settlement.deleted")
    for gone in (to_target, from_target):
        url = f"/groups/{group_id}/settlements/{gone['id']}"
        assert_problem(client.get(url, headers=a.headers), 404, "not-found")
        assert deleted[gone["id"]]["before"] == gone
        assert deleted[gone["id"]]["after"] is None
        assert deleted[gone["id"]]["actor_id"] == owner.id
    # With b: moved onto a, logged with before and after, a new ETag.
    updated = _entries(client, group_id, owner, "settlement.updated")
    for moved, side in ((to_third, "from_user"), (from_third, "to_user")):
        now = client.get(f"/groups/{group_id}/settlements/{moved['id']}", headers=b.headers)
        assert now.status_code == 200
        assert now.get_json() == {**moved, side: a.id}
        assert updated[moved["id"]]["before"] == moved
        assert updated[moved["id"]]["after"] == now.get_json()
    third = client.get(f"/groups/{group_id}/settlements/{to_third['id']}", headers=b.headers)
    assert third.headers["ETag"] != etag
    # Notified as any settlement change someone else made: both sides, never the actor.
    for account, expected in (
        (a, {to_target["id"], from_target["id"], to_third["id"], from_third["id"]}),
        (b, {to_third["id"], from_third["id"]}),
        (owner, set()),
    ):
        notes = client.get("/users/me/notifications", headers=account.headers).get_json()
        entries = {**deleted, **updated}
        heard = {
            subject
            for subject, entry in entries.items()
            if any(n["activity_id"] == entry["id"] for n in notes)
        }
        assert heard == expected, account
    # The change feed carries both: the deleted ones as deleted, the moved ones as they are.
    # (Every member follows every settlement of the group.)
    for account, cursor in ((a, a_cursor), (b, b_cursor)):
        changes, _ = _changes(client, account, cursor)
        settlements = {c["id"]: c for c in changes if c["type"] == "settlement"}
        gone = {sid for sid, c in settlements.items() if c["deleted"]}
        assert gone == {to_target["id"], from_target["id"]}
        assert settlements[to_third["id"]]["data"]["from_user"] == a.id
        assert settlements[from_third["id"]]["data"]["to_user"] == a.id
    after = int_nets(client, group_id, owner)
    assert after[a.id] == before[a.id] + before[guest]
    assert sum(after.values()) == 0
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output


@pytest.mark.parametrize("seed", range(12))
def test_balances_after_a_merge_are_the_sum_of_both_before(client, make_user, runner, seed):
    """Random expenses (some deleted) and settlements (some deleted, some between the guest
    and the account) among three accounts and two guests; the guest merges into an account
    that shares none of the guest's expenses (else 409, tested elsewhere)."""
    rng = random.Random(seed)
    owner, a, b = (make_user() for _ in range(3))
    group_id = group_with(client, owner, a, b)
    guest, other_guest = (add_guest(client, group_id, owner, name) for name in ("G", "H"))
    people = [owner.id, a.id, b.id, guest, other_guest]
    accounts = {owner.id: owner, a.id: a, b.id: b}
    target = rng.choice(sorted(accounts))
    for _ in range(rng.randint(2, 8)):
        participants = rng.sample(people, rng.randint(1, len(people)))
        payer = rng.choice(people)
        if guest in (payer, *participants):  # the target stays out of the guest's bills
            participants = [uid for uid in participants if uid != target] or [guest]
            payer = guest if payer == target else payer
        expense = add_expense(
            client,
            group_id,
            owner,
            amount=usd(rng.randint(1, 50_000)),
            paid_by=payer,
            participants=participants,
        )
        if rng.random() < 0.2:
            url = f"/groups/{group_id}/expenses/{expense['id']}"
            assert client.delete(url, headers=owner.headers).status_code == 204
    for _ in range(rng.randint(1, 8)):
        sender, receiver = rng.sample([target, guest] if rng.random() < 0.3 else people, 2)
        made = _settle(client, group_id, owner, sender, receiver, usd(rng.randint(1, 9_999)))
        if rng.random() < 0.2:
            url = f"/groups/{group_id}/settlements/{made['id']}"
            assert client.delete(url, headers=owner.headers).status_code == 204
    before = int_nets(client, group_id, owner)
    if target == owner.id:
        assert ask(client, group_id, guest, owner.id, owner).status_code == 200
    else:
        merge(client, group_id, guest, accounts[target], owner)
    after = int_nets(client, group_id, owner)
    assert after == {
        uid: net + (before[guest] if uid == target else 0)
        for uid, net in before.items()
        if uid != guest
    }
    assert sum(after.values()) == 0
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
    assert "match" in verify.output
