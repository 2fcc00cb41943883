"""Guest members: added by any member (at most 200 a group), taking part like anyone, merged
into an account (the two yeses themselves: test_guest_merges.py)."""

from __future__ import annotations

from expense_tracker.extensions import db
from expense_tracker.groups.guests.service import MAX_GUESTS_PER_GROUP
from expense_tracker.models import Notification
from tests.factories import add_expense, cents, nets, run_at_once
from tests.groups.guest_helpers import add_guest, answer, ask, merge
from tests.problems import assert_problem


def _guest(client, group_id, account, name="Grandma"):
    response = client.post(
        f"/groups/{group_id}/guests", json={"full_name": name}, headers=account.headers
    )
    assert response.status_code == 201, response.get_json()
    return response


def _members(client, group_id, account, **query):
    response = client.get(
        f"/groups/{group_id}/members", headers=account.headers, query_string=query
    )
    return {m["user_id"]: m for m in response.get_json()}


def test_any_member_adds_a_guest_who_has_no_account(client, trio):
    group_id, owner, a, _ = trio
    response = _guest(client, group_id, a, "  Grandma  ")
    guest = response.get_json()
    assert response.headers["Location"] == f"/groups/{group_id}/members/{guest['user_id']}"
    assert guest["full_name"] == "Grandma"
    assert guest["role"] == "member"
    assert guest["guest"] is True
    assert guest["email"] is None
    members = _members(client, group_id, owner)
    assert members[guest["user_id"]]["guest"] is True
    assert members[owner.id]["guest"] is False
    group = client.get(f"/groups/{group_id}", headers=owner.headers).get_json()
    assert group["member_count"] == 4
    assert_problem(
        client.post(f"/groups/{group_id}/guests", json={"full_name": " "}, headers=a.headers),
        422,
        "validation-error",
    )


def test_a_guest_pays_shares_settles_and_is_removed_like_anyone(client, trio):
    group_id, owner, a, _ = trio
    guest = _guest(client, group_id, owner).get_json()["user_id"]
    add_expense(client, group_id, owner, amount="30.00", paid_by=guest)
    add_expense(client, group_id, a, amount="12.00", participants=[a.id, guest])
    assert sum(cents(n) for n in nets(client, group_id, owner).values()) == 0
    settle = client.post(
        f"/groups/{group_id}/settlements",
        json={"from_user": guest, "to_user": owner.id, "amount": "1.00"},
        headers=owner.headers,
    )
    assert settle.status_code == 201, settle.get_json()
    plan = client.get(f"/groups/{group_id}/settle-up", headers=owner.headers).get_json()
    assert any(guest in (t["from_user"], t["to_user"]) for t in plan)
    # A guest cannot own the group (they cannot sign in to use it).
    role = client.patch(
        f"/groups/{group_id}/members/{guest}", json={"role": "owner"}, headers=owner.headers
    )
    assert_problem(role, 422, "validation-error")
    other = _guest(client, group_id, owner, "Cousin").get_json()["user_id"]
    assert_problem(
        client.delete(f"/groups/{group_id}/members/{other}", headers=a.headers), 403, "forbidden"
    )
    assert (
        client.delete(f"/groups/{group_id}/members/{other}", headers=owner.headers).status_code
        == 204
    )


def test_merge_moves_every_row_and_keeps_every_net(client, trio, runner):
    group_id, owner, a, b = trio
    guest = _guest(client, group_id, b).get_json()["user_id"]
    add_expense(client, group_id, owner, amount="90.00")  # everyone, the guest too
    add_expense(
        client, group_id, owner, amount="45.00", paid_by=guest, participants=[owner.id, guest]
    )
    marked = add_expense(
        client, group_id, owner, amount="10.00", paid_by=a.id, participants=[guest, owner.id]
    )
    paid = client.patch(
        f"/groups/{group_id}/expenses/{marked['id']}/splits/{guest}",
        json={"is_paid": True},
        headers=a.headers,
    )
    assert paid.status_code == 200
    for body in (
        {"from_user": guest, "to_user": b.id, "amount": "5.00"},
        {"from_user": b.id, "to_user": guest, "amount": "2.00"},
        {"from_user": guest, "to_user": owner.id, "amount": "3.00"},
    ):
        assert (
            client.post(
                f"/groups/{group_id}/settlements", json=body, headers=owner.headers
            ).status_code
            == 201
        )
    before = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    # b has a split in the guest's first expense (everyone's): that must be resolved first.
    conflict = ask(client, group_id, guest, b.id, b)
    assert_problem(conflict, 409, "conflict")
    first = client.get(f"/groups/{group_id}/expenses/?limit=200", headers=owner.headers).json[-1]
    resolved = client.patch(
        f"/groups/{group_id}/expenses/{first['id']}",
        json={"participants": [owner.id, a.id, guest]},
        headers=owner.headers,
    )
    assert resolved.status_code == 200
    before = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    merged = merge(client, group_id, guest, b, owner)
    assert merged["user_id"] == b.id
    assert merged["guest"] is False
    after = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    assert guest not in after
    assert after[b.id] == before[b.id] + before[guest]
    assert {uid: net for uid, net in after.items() if uid != b.id} == {
        uid: net for uid, net in before.items() if uid not in (b.id, guest)
    }
    assert guest not in _members(client, group_id, owner, include_former="true")
    # Every row moved: b is now the payer, in the splits, and in the settlements.
    expenses = client.get(
        f"/groups/{group_id}/expenses/?involving={guest}", headers=owner.headers
    ).get_json()
    assert expenses == []
    settlements = client.get(f"/groups/{group_id}/settlements", headers=owner.headers).json
    assert all(guest not in (s["from_user"], s["to_user"]) for s in settlements)
    assert len(settlements) == 1  # the two between the guest and b are nobody's now
    marked_now = client.get(
        f"/groups/{group_id}/expenses/{marked['id']}", headers=owner.headers
    ).get_json()
    assert {s["user_id"]: s["is_paid"] for s in marked_now["splits"]} == {
        owner.id: False,
        b.id: True,
    }
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
    assert_problem(ask(client, group_id, guest, b.id, owner), 404, "not-found")


def test_a_deleted_settlement_with_the_target_does_not_count_at_the_merge(client, trio, runner):
    group_id, owner, _a, b = trio
    guest = _guest(client, group_id, b).get_json()["user_id"]
    add_expense(client, group_id, owner, amount="30.00", paid_by=guest, participants=[owner.id])
    for amount, keep in (("4.00", True), ("6.00", False)):
        body = {"from_user": b.id, "to_user": guest, "amount": amount}
        made = client.post(f"/groups/{group_id}/settlements", json=body, headers=owner.headers)
        assert made.status_code == 201
        if not keep:
            gone = client.delete(
                f"/groups/{group_id}/settlements/{made.get_json()['id']}", headers=owner.headers
            )
            assert gone.status_code == 204
    before = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    merge(client, group_id, guest, b, owner)
    after = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    assert after[b.id] == before[b.id] + before[guest]
    assert sum(after.values()) == 0
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
    deleted = client.get(f"/groups/{group_id}/settlements?deleted=only", headers=owner.headers)
    assert deleted.get_json() == []


def test_adding_and_merging_a_guest_is_in_the_activity_log(app, client, trio):
    group_id, owner, a, b = trio
    guest = _guest(client, group_id, a).get_json()["user_id"]
    expense = add_expense(
        client, group_id, owner, amount="12.00", paid_by=owner.id, participants=[owner.id, guest]
    )
    with app.app_context():
        guest_notified = db.session.query(Notification).filter_by(user_id=guest).count()
    assert guest_notified == 0  # a guest cannot sign in: nobody would read them
    # b asks, the owner accepts: b did not make the change the owner's yes completed.
    asked = ask(client, group_id, guest, b.id, b)
    assert asked.status_code == 202, asked.get_json()
    accepted = answer(client, group_id, asked.get_json()["id"], "accept", owner)
    assert accepted.status_code == 200, accepted.get_json()
    entries = client.get(f"/groups/{group_id}/activity", headers=b.headers).get_json()
    kinds = [(e["kind"], e["subject_type"], e["subject_id"]) for e in entries]
    assert ("member.joined", "member", guest) in kinds
    assert ("member.removed", "member", guest) in kinds
    updated = next(e for e in entries if e["kind"] == "expense.updated")
    assert updated["subject_id"] == expense["id"]
    assert {s["user_id"] for s in updated["before"]["splits"]} == {owner.id, guest}
    assert {s["user_id"] for s in updated["after"]["splits"]} == {owner.id, b.id}
    # b hears of the expense now theirs; the owner did it and hears nothing of it.
    notes = client.get("/users/me/notifications", headers=b.headers).get_json()
    assert any(n["activity_id"] == updated["id"] for n in notes)


def test_a_group_holds_at_most_200_guests_and_a_removed_one_frees_a_place(client, trio):
    group_id, owner, a, _ = trio
    guests = [add_guest(client, group_id, a, f"Guest {n}") for n in range(MAX_GUESTS_PER_GROUP)]
    full = client.post(
        f"/groups/{group_id}/guests", json={"full_name": "One more"}, headers=a.headers
    )
    problem = assert_problem(full, 409, "limit-reached")
    assert "200 guests" in problem["detail"]
    members = client.get(f"/groups/{group_id}/members", headers=owner.headers).get_json()
    assert len(members) == 3 + MAX_GUESTS_PER_GROUP  # the refused one left no trace
    gone = client.delete(f"/groups/{group_id}/members/{guests[0]}", headers=owner.headers)
    assert gone.status_code == 204
    add_guest(client, group_id, a, "In their place")


def test_concurrent_adds_stop_exactly_at_the_limit(app, client, trio):
    """Six members' adds at once for the last two places: two are created, four get 409."""
    group_id, owner, a, _ = trio
    for n in range(MAX_GUESTS_PER_GROUP - 2):
        add_guest(client, group_id, a, f"Guest {n}")
    statuses: list[int] = []

    def add(seed: int) -> None:
        response = app.test_client().post(
            f"/groups/{group_id}/guests",
            json={"full_name": f"Racer {seed}"},
            headers=(owner, a)[seed % 2].headers,
        )
        statuses.append(response.status_code)

    assert run_at_once(6, add) == []
    assert sorted(statuses) == [201, 201, 409, 409, 409, 409]
    members = client.get(f"/groups/{group_id}/members", headers=owner.headers).get_json()
    assert sum(m["guest"] for m in members) == MAX_GUESTS_PER_GROUP
