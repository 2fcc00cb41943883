"""Guest members: added by any member, taking part like anyone, merged into an account."""

from __future__ import annotations

from expense_tracker.extensions import db
from expense_tracker.models import Notification
from tests.factories import add_expense, cents, group_with, nets


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
    assert (
        client.post(
            f"/groups/{group_id}/guests", json={"full_name": " "}, headers=a.headers
        ).status_code
        == 422
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
    assert role.status_code == 422
    other = _guest(client, group_id, owner, "Cousin").get_json()["user_id"]
    assert (
        client.delete(f"/groups/{group_id}/members/{other}", headers=a.headers).status_code == 403
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
    conflict = client.post(
        f"/groups/{group_id}/guests/{guest}/merge", json={"user_id": b.id}, headers=b.headers
    )
    assert conflict.status_code == 409
    first = client.get(f"/groups/{group_id}/expenses/?limit=200", headers=owner.headers).json[-1]
    resolved = client.patch(
        f"/groups/{group_id}/expenses/{first['id']}",
        json={"participants": [owner.id, a.id, guest]},
        headers=owner.headers,
    )
    assert resolved.status_code == 200
    before = {uid: cents(n) for uid, n in nets(client, group_id, owner).items()}
    merged = client.post(
        f"/groups/{group_id}/guests/{guest}/merge", json={"user_id": b.id}, headers=b.headers
    )
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["user_id"] == b.id
    assert merged.get_json()["guest"] is False
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
    again = client.post(
        f"/groups/{group_id}/guests/{guest}/merge", json={"user_id": b.id}, headers=b.headers
    )
    assert again.status_code == 404


def test_who_may_merge_and_into_whom(client, trio, make_user):
    group_id, owner, a, b = trio
    guest = _guest(client, group_id, a).get_json()["user_id"]
    other_guest = _guest(client, group_id, a, "Other").get_json()["user_id"]
    url = f"/groups/{group_id}/guests/{guest}/merge"
    assert client.post(url, json={"user_id": b.id}, headers=b.headers).status_code == 403
    stranger = make_user()
    assert client.post(url, json={"user_id": a.id}, headers=stranger.headers).status_code == 404
    not_member = client.post(url, json={"user_id": stranger.id}, headers=a.headers)
    assert not_member.status_code == 422
    assert "user_id" in not_member.get_json()["errors"]
    into_guest = client.post(url, json={"user_id": other_guest}, headers=a.headers)
    assert into_guest.status_code == 422
    not_a_guest = client.post(
        f"/groups/{group_id}/guests/{b.id}/merge", json={"user_id": a.id}, headers=owner.headers
    )
    assert not_a_guest.status_code == 404
    elsewhere = group_with(client, stranger)
    foreign = _guest(client, elsewhere, stranger).get_json()["user_id"]
    assert (
        client.post(
            f"/groups/{group_id}/guests/{foreign}/merge",
            json={"user_id": a.id},
            headers=owner.headers,
        ).status_code
        == 404
    )
    assert client.post(url, json={"user_id": a.id}, headers=a.headers).status_code == 200


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
    merged = client.post(
        f"/groups/{group_id}/guests/{guest}/merge", json={"user_id": b.id}, headers=b.headers
    )
    assert merged.status_code == 200, merged.get_json()
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
    merged = client.post(
        f"/groups/{group_id}/guests/{guest}/merge", json={"user_id": b.id}, headers=owner.headers
    )
    assert merged.status_code == 200, merged.get_json()
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
