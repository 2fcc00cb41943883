"""Guest merges under real concurrent requests (threads, each its own client and database
connection; on SQLite the writes take turns, on PostgreSQL the group's row lock makes
them): two accepts, an accept and a decline, an accept and the guest's removal, the two
sides asking at once. Each race runs several rounds; every outcome must be one of the
serial ones, and the balances must stay exact."""

from __future__ import annotations

from typing import Any

from expense_tracker.extensions import db
from expense_tracker.models import Activity
from tests.factories import add_expense, join, new_group, run_at_once
from tests.groups.guest_helpers import add_guest, answer, ask, int_nets, pending

ROUNDS = 4


def _two_owners_and_a(client, make_user):
    owner, second, a = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, second, a)
    promote = client.patch(
        f"/groups/{group['id']}/members/{second.id}", json={"role": "owner"}, headers=owner.headers
    )
    assert promote.status_code == 200
    return group["id"], owner, second, a


def _guest_with_money(client, group_id, owner, name):
    guest = add_guest(client, group_id, owner, name)
    add_expense(client, group_id, owner, amount="30.00", paid_by=guest, participants=[owner.id])
    return guest


def _race(app, *calls) -> list[int]:
    """Run each call (client -> response) on its own thread at once; their statuses."""
    statuses: list[int] = [0] * len(calls)

    def run(index: int) -> None:
        statuses[index] = calls[index](app.test_client()).status_code

    assert run_at_once(len(calls), run) == []
    return statuses


def _is_member(client, group_id, account, user_id) -> bool:
    members = client.get(f"/groups/{group_id}/members", headers=account.headers).get_json()
    return user_id in {m["user_id"] for m in members}


def _assert_exact(app, client, runner, group_id, owner, *guests: int) -> None:
    assert sum(int_nets(client, group_id, owner).values()) == 0
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
    with app.app_context():
        for guest in guests:  # a guest leaves the log once, whichever way
            removed = (
                db.session.query(Activity)
                .filter_by(kind="member.removed", subject_type="member", subject_id=guest)
                .count()
            )
            assert removed <= 1


def test_two_owners_accepting_at_once_merge_once(app, client, runner, make_user):
    group_id, owner, second, a = _two_owners_and_a(client, make_user)
    guests = []
    for round_ in range(ROUNDS):
        guest = _guest_with_money(client, group_id, owner, f"G{round_}")
        guests.append(guest)
        before = int_nets(client, group_id, owner)
        merge_id = ask(client, group_id, guest, a.id, a).get_json()["id"]
        statuses = _race(
            app,
            lambda c, m=merge_id: answer(c, group_id, m, "accept", owner),
            lambda c, m=merge_id: answer(c, group_id, m, "accept", second),
        )
        assert sorted(statuses) == [200, 409]
        after = int_nets(client, group_id, owner)
        assert after[a.id] == before[a.id] + before[guest]  # moved once, not twice
    _assert_exact(app, client, runner, group_id, owner, *guests)


def test_accept_racing_decline_has_one_outcome(app, client, runner, make_user):
    group_id, owner, _second, a = _two_owners_and_a(client, make_user)
    outcomes: set[tuple[Any, ...]] = set()
    guests = []
    for round_ in range(ROUNDS):
        guest = _guest_with_money(client, group_id, owner, f"G{round_}")
        guests.append(guest)
        merge_id = ask(client, group_id, guest, a.id, owner).get_json()["id"]
        accepted, declined = _race(
            app,
            lambda c, m=merge_id: answer(c, group_id, m, "accept", a),
            lambda c, m=merge_id: answer(c, group_id, m, "decline", owner),
        )
        assert (accepted, declined) in {(200, 409), (409, 204)}
        # Merged exactly when the accept won; declined leaves the guest and their money.
        assert _is_member(client, group_id, owner, guest) == (declined == 204)
        outcomes.add((accepted, declined))
    assert pending(client, group_id, owner) == []
    _assert_exact(app, client, runner, group_id, owner, *guests)


def test_accept_racing_the_guests_removal_has_one_outcome(app, client, runner, make_user):
    group_id, owner, second, a = _two_owners_and_a(client, make_user)
    guests = []
    for round_ in range(ROUNDS):
        guest = add_guest(client, group_id, owner, f"G{round_}")  # no money: removable
        guests.append(guest)
        merge_id = ask(client, group_id, guest, a.id, a).get_json()["id"]
        accepted, removed = _race(
            app,
            lambda c, m=merge_id: answer(c, group_id, m, "accept", owner),
            lambda c, g=guest: c.delete(f"/groups/{group_id}/members/{g}", headers=second.headers),
        )
        assert (accepted, removed) in {(200, 404), (409, 204)}
        assert not _is_member(client, group_id, owner, guest)
    assert pending(client, group_id, owner) == []
    _assert_exact(app, client, runner, group_id, owner, *guests)


def test_both_sides_asking_at_once_make_one_merge(app, client, runner, make_user):
    group_id, owner, _second, a = _two_owners_and_a(client, make_user)
    guests = []
    for round_ in range(ROUNDS):
        guest = _guest_with_money(client, group_id, owner, f"G{round_}")
        guests.append(guest)
        before = int_nets(client, group_id, owner)
        statuses = _race(
            app,
            lambda c, g=guest: ask(c, group_id, g, a.id, a),
            lambda c, g=guest: ask(c, group_id, g, a.id, owner),
        )
        # The first is a yes waiting for the other side; the second is that other side.
        assert sorted(statuses) == [200, 202]
        after = int_nets(client, group_id, owner)
        assert after[a.id] == before[a.id] + before[guest]
    assert pending(client, group_id, owner) == []
    _assert_exact(app, client, runner, group_id, owner, *guests)
