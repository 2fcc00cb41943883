"""Merging a guest needs two yeses: the receiving account's and an owner's.

Written from the adversary's side first: a plain member (Mallory) tries to take money
through a guest, push a guest's debts onto someone who did not agree, accept her own
request, or use a removed guest; then what each side may do, when a request stops
applying, and that a retried POST (Idempotency-Key) answers as the first did.
"""

from __future__ import annotations

from expense_tracker.extensions import db
from expense_tracker.models import Activity, GroupMember, Notification
from tests.factories import add_expense, join, new_group
from tests.groups.guest_helpers import add_guest, answer, ask, int_nets, pending
from tests.problems import assert_problem


def _alice_bob_mallory(client, make_user):
    """Alice owns the group, Bob and Mallory are plain members; Mallory adds guest Dan and
    Alice records 90.00 paid by Dan for Alice, Bob and Dan."""
    alice, bob, mallory = make_user(), make_user(), make_user()
    group = new_group(client, alice)
    join(client, group, bob, mallory)
    dan = add_guest(client, group["id"], mallory, "Dan")
    add_expense(
        client,
        group["id"],
        alice,
        amount="90.00",
        paid_by=dan,
        participants=[alice.id, bob.id, dan],
    )
    return group["id"], alice, bob, mallory, dan


def _settle_up(client, group_id, account):
    return client.get(f"/groups/{group_id}/settle-up", headers=account.headers).get_json()


def test_a_plain_member_cannot_take_money_through_a_guest_she_added(client, make_user):
    group_id, alice, bob, mallory, dan = _alice_bob_mallory(client, make_user)
    before = int_nets(client, group_id, alice)
    plan = _settle_up(client, group_id, alice)
    # Into herself: only her own yes, recorded as a request that waits for an owner.
    asked = ask(client, group_id, dan, mallory.id, mallory)
    assert asked.status_code == 202, asked.get_json()
    request = asked.get_json()
    assert request["status"] == "pending"
    assert (request["guest_id"], request["user_id"], request["requested_by"]) == (
        dan,
        mallory.id,
        mallory.id,
    )
    assert int_nets(client, group_id, alice) == before  # nobody owes Mallory anything
    assert _settle_up(client, group_id, alice) == plan
    # She cannot give the second yes herself, however she tries.
    assert_problem(answer(client, group_id, request["id"], "accept", mallory), 403, "forbidden")
    again = ask(client, group_id, dan, mallory.id, mallory)
    assert again.status_code == 202
    assert again.get_json()["id"] == request["id"]  # her yes once, not a new request
    # Bob is the receiving account of nothing here: he cannot accept for an owner.
    assert_problem(answer(client, group_id, request["id"], "accept", bob), 403, "forbidden")
    assert int_nets(client, group_id, alice) == before
    # Into someone else (pushing Dan's side onto Bob): no right at all.
    assert_problem(ask(client, group_id, dan, bob.id, mallory), 403, "forbidden")
    assert_problem(ask(client, group_id, dan, alice.id, mallory), 403, "forbidden")
    # The owner says no.
    assert answer(client, group_id, request["id"], "decline", alice).status_code == 204
    assert pending(client, group_id, alice) == []
    assert_problem(answer(client, group_id, request["id"], "accept", alice), 409, "conflict")
    assert int_nets(client, group_id, alice) == before


def test_a_guests_debts_cannot_be_pushed_onto_a_member_who_did_not_agree(client, make_user):
    """An owner asks to merge a guest who owes into Bob: only Bob can say yes; another
    owner (or the asker) cannot stand in for him."""
    alice, carol, bob = make_user(), make_user(), make_user()
    group = new_group(client, alice)
    join(client, group, carol, bob)
    group_id = group["id"]
    promote = client.patch(
        f"/groups/{group_id}/members/{carol.id}", json={"role": "owner"}, headers=alice.headers
    )
    assert promote.status_code == 200
    debtor = add_guest(client, group_id, alice, "Debtor")
    add_expense(
        client, group_id, alice, amount="60.00", paid_by=alice.id, participants=[alice.id, debtor]
    )
    before = int_nets(client, group_id, alice)
    asked = ask(client, group_id, debtor, bob.id, alice)
    assert asked.status_code == 202
    merge_id = asked.get_json()["id"]
    assert_problem(answer(client, group_id, merge_id, "accept", carol), 403, "forbidden")
    assert_problem(answer(client, group_id, merge_id, "accept", alice), 403, "forbidden")
    # Carol asking too is the same side's yes: still waiting for Bob.
    same_side = ask(client, group_id, debtor, bob.id, carol)
    assert same_side.status_code == 202
    assert same_side.get_json()["id"] == merge_id
    assert int_nets(client, group_id, alice) == before
    # Bob hears of it, and says no.
    notes = client.get("/users/me/notifications", headers=bob.headers).get_json()
    assert [n["kind"] for n in notes].count("merge.requested") == 1
    assert answer(client, group_id, merge_id, "decline", bob).status_code == 204
    assert int_nets(client, group_id, alice) == before
    # Alice hears of the no.
    notes = client.get("/users/me/notifications", headers=alice.headers).get_json()
    assert any(n["kind"] == "merge.declined" for n in notes)


def test_an_owner_receiving_a_guest_agrees_as_both(client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    add_expense(client, group_id, a, amount="30.00", paid_by=guest, participants=[a.id, guest])
    before = int_nets(client, group_id, owner)
    merged = ask(client, group_id, guest, owner.id, owner)
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["user_id"] == owner.id
    after = int_nets(client, group_id, owner)
    assert after[owner.id] == before[owner.id] + before[guest]
    assert guest not in after


def test_the_receiving_account_asks_and_any_owner_accepts(app, client, trio):
    group_id, owner, a, b = trio
    guest = add_guest(client, group_id, b)
    add_expense(client, group_id, b, amount="12.00", paid_by=guest, participants=[b.id, guest])
    asked = ask(client, group_id, guest, a.id, a)
    assert asked.status_code == 202
    request = asked.get_json()
    assert pending(client, group_id, b) == [request]  # any current member sees the list
    # The owners hear of it (the other side); the asker does not, nor a plain member.
    kinds = {
        name: [n["kind"] for n in client.get("/users/me/notifications", headers=x.headers).json]
        for name, x in (("owner", owner), ("a", a), ("b", b))
    }
    assert kinds["owner"].count("merge.requested") == 1
    assert "merge.requested" not in kinds["a"] + kinds["b"]
    with app.app_context():
        entry = db.session.query(Activity).filter_by(kind="merge.requested").one()
        assert (entry.subject_type, entry.subject_id, entry.after) == ("member", guest, request)
    # Read over HTTP, the entry shows the request as it was logged: ids, no name, no email.
    log = client.get(
        f"/groups/{group_id}/activity?kind=merge.requested", headers=b.headers
    ).get_json()
    assert [entry["after"] for entry in log] == [request]
    accepted = answer(client, group_id, request["id"], "accept", owner)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["user_id"] == a.id
    assert pending(client, group_id, owner) == []
    members = client.get(f"/groups/{group_id}/members", headers=owner.headers).get_json()
    assert guest not in {m["user_id"] for m in members}
    # Answered once: both answers are 409 from now on.
    assert_problem(answer(client, group_id, request["id"], "accept", owner), 409, "conflict")
    assert_problem(answer(client, group_id, request["id"], "decline", a), 409, "conflict")


def test_the_other_sides_own_merge_call_is_the_second_yes(client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    asked = ask(client, group_id, guest, a.id, owner)
    assert asked.status_code == 202
    done = ask(client, group_id, guest, a.id, a)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["user_id"] == a.id
    assert_problem(answer(client, group_id, asked.get_json()["id"], "accept", a), 409, "conflict")


def test_a_removed_or_merged_guest_cannot_be_merged(app, client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    asked = ask(client, group_id, guest, a.id, a)
    assert asked.status_code == 202
    gone = client.delete(f"/groups/{group_id}/members/{guest}", headers=owner.headers)
    assert gone.status_code == 204
    assert_problem(ask(client, group_id, guest, owner.id, owner), 404, "not-found")
    assert_problem(ask(client, group_id, guest, a.id, a), 404, "not-found")
    # The request waiting for the removed guest no longer shows, and cannot be accepted.
    assert pending(client, group_id, owner) == []
    assert_problem(
        answer(client, group_id, asked.get_json()["id"], "accept", owner), 409, "conflict"
    )
    with app.app_context():
        removed = (
            db.session.query(Activity)
            .filter_by(kind="member.removed", subject_type="member", subject_id=guest)
            .count()
        )
        still_there = db.session.get(GroupMember, (group_id, guest))
        assert still_there is not None
        assert still_there.left_at is not None
    assert removed == 1
    other = add_guest(client, group_id, a, "Other")
    assert ask(client, group_id, other, owner.id, owner).status_code == 200
    assert_problem(ask(client, group_id, other, owner.id, owner), 404, "not-found")


def test_accept_answers_409_when_the_merge_no_longer_applies(client, trio, make_user):
    group_id, owner, a, b = trio
    # The receiving account left.
    guest = add_guest(client, group_id, owner, "G1")
    left = ask(client, group_id, guest, b.id, owner).get_json()["id"]
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    assert pending(client, group_id, owner) == []
    assert_problem(answer(client, group_id, left, "accept", b), 404, "not-found")  # b sees no group
    # A conflicting row appeared: a now shares an expense with the guest.
    conflicted = ask(client, group_id, guest, a.id, owner).get_json()["id"]
    add_expense(client, group_id, owner, amount="10.00", participants=[a.id, guest])
    assert_problem(answer(client, group_id, conflicted, "accept", a), 409, "conflict")
    # The owner who asked is an owner no longer (they left).
    second = make_user()
    join(client, client.get(f"/groups/{group_id}", headers=owner.headers).get_json(), second)
    promote = client.patch(
        f"/groups/{group_id}/members/{second.id}", json={"role": "owner"}, headers=owner.headers
    )
    assert promote.status_code == 200
    other = add_guest(client, group_id, owner, "G2")
    asked = ask(client, group_id, other, a.id, second).get_json()["id"]
    gone = client.delete(f"/groups/{group_id}/members/{second.id}", headers=second.headers)
    assert gone.status_code == 204
    assert asked not in {r["id"] for r in pending(client, group_id, owner)}
    assert_problem(answer(client, group_id, asked, "accept", a), 409, "conflict")
    # Asking again replaces the stale yes with a fresh one.
    fresh = ask(client, group_id, other, a.id, owner)
    assert fresh.status_code == 202
    assert fresh.get_json()["id"] != asked
    assert answer(client, group_id, fresh.get_json()["id"], "accept", a).status_code == 200


def test_409_when_the_target_has_a_row_on_one_of_the_guests_expenses(client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    add_expense(client, group_id, a, amount="20.00", paid_by=a.id, participants=[a.id, guest])
    assert_problem(ask(client, group_id, guest, a.id, a), 409, "conflict")
    assert_problem(ask(client, group_id, guest, a.id, owner), 409, "conflict")
    assert pending(client, group_id, owner) == []


def test_who_may_decline_and_what_a_declined_request_leaves(client, trio):
    group_id, _owner, a, b = trio
    guest = add_guest(client, group_id, b)
    merge_id = ask(client, group_id, guest, a.id, a).get_json()["id"]
    assert_problem(answer(client, group_id, merge_id, "decline", b), 403, "forbidden")  # not a side
    assert answer(client, group_id, merge_id, "decline", a).status_code == 204  # withdrawn
    assert_problem(answer(client, group_id, merge_id, "decline", a), 409, "conflict")
    # Decided, so the same pair may be asked again.
    again = ask(client, group_id, guest, a.id, a)
    assert again.status_code == 202
    assert again.get_json()["id"] != merge_id


def test_every_merge_route_is_404_for_a_non_member(client, trio, make_user):
    group_id, owner, a, _ = trio
    stranger = make_user()
    guest = add_guest(client, group_id, a)
    merge_id = ask(client, group_id, guest, a.id, a).get_json()["id"]
    assert_problem(ask(client, group_id, guest, stranger.id, stranger), 404, "not-found")
    assert_problem(ask(client, group_id, guest, a.id, stranger), 404, "not-found")
    assert_problem(
        client.get(f"/groups/{group_id}/guest-merges", headers=stranger.headers), 404, "not-found"
    )
    for verb in ("accept", "decline"):
        assert_problem(answer(client, group_id, merge_id, verb, stranger), 404, "not-found")
    # A request of another group, named through this one: 404 too.
    elsewhere = new_group(client, stranger)["id"]
    foreign_guest = add_guest(client, elsewhere, stranger)
    intruder = ask(client, elsewhere, foreign_guest, stranger.id, stranger)
    assert intruder.status_code == 200  # the stranger owns that group
    own = make_user()
    join(client, client.get(f"/groups/{elsewhere}", headers=stranger.headers).get_json(), own)
    theirs = ask(client, elsewhere, add_guest(client, elsewhere, own), own.id, own).get_json()
    assert_problem(answer(client, group_id, theirs["id"], "accept", owner), 404, "not-found")
    assert_problem(answer(client, group_id, theirs["id"], "decline", owner), 404, "not-found")
    assert_problem(ask(client, group_id, foreign_guest, a.id, owner), 404, "not-found")


def test_the_target_must_be_a_current_member_with_an_account(client, trio, make_user):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    other_guest = add_guest(client, group_id, a, "Other")
    outsider = make_user()
    not_member = ask(client, group_id, guest, outsider.id, owner)
    assert_problem(not_member, 422, "validation-error")
    assert "user_id" in not_member.get_json()["errors"]
    assert_problem(ask(client, group_id, guest, other_guest, owner), 422, "validation-error")
    assert_problem(ask(client, group_id, guest, guest, owner), 422, "validation-error")
    not_a_guest = ask(client, group_id, a.id, owner.id, owner)
    assert_problem(not_a_guest, 404, "not-found")


def test_a_retried_post_gets_the_first_answer(client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    key = {"Idempotency-Key": "merge-1"}
    first = client.post(
        f"/groups/{group_id}/guests/{guest}/merge",
        json={"user_id": a.id},
        headers={**a.headers, **key},
    )
    assert first.status_code == 202
    again = client.post(
        f"/groups/{group_id}/guests/{guest}/merge",
        json={"user_id": a.id},
        headers={**a.headers, **key},
    )
    assert (again.status_code, again.get_json()) == (202, first.get_json())
    url = f"/groups/{group_id}/guest-merges/{first.get_json()['id']}/accept"
    accepted = client.post(url, headers={**owner.headers, "Idempotency-Key": "accept-1"})
    assert accepted.status_code == 200
    replay = client.post(url, headers={**owner.headers, "Idempotency-Key": "accept-1"})
    assert (replay.status_code, replay.get_json()) == (200, accepted.get_json())
    # Without the key, the repeat is a new request: the merge is done already.
    assert_problem(client.post(url, headers=owner.headers), 409, "conflict")


def test_a_merge_answers_every_other_request_for_the_guest(client, trio):
    group_id, owner, a, b = trio
    guest = add_guest(client, group_id, a)
    into_a = ask(client, group_id, guest, a.id, a).get_json()["id"]
    into_b = ask(client, group_id, guest, b.id, b).get_json()["id"]
    assert len(pending(client, group_id, owner)) == 2
    assert answer(client, group_id, into_b, "accept", owner).status_code == 200
    assert pending(client, group_id, owner) == []
    assert_problem(answer(client, group_id, into_a, "accept", owner), 409, "conflict")
    assert_problem(answer(client, group_id, into_b, "accept", owner), 409, "conflict")


def test_only_the_other_side_is_notified_and_never_a_guest(app, client, trio):
    group_id, owner, a, _ = trio
    guest = add_guest(client, group_id, a)
    ask(client, group_id, guest, a.id, owner)
    with app.app_context():
        notified = {
            n.user_id for n in db.session.query(Notification).filter_by(kind="merge.requested")
        }
    assert notified == {a.id}
