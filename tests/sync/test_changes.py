"""`GET /users/me/changes`: a client that follows the cursor holds every object it may see,
in its latest state, and later calls return what changed, including changes committed by
transactions that were still running when the previous call answered."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session

from expense_tracker.extensions import db
from tests.factories import Account, add_expense, join, new_group
from tests.groups.random_writes import GroupDriver
from tests.problems import assert_problem

Replica = dict[tuple[str, Any, int], Any]


def sync(
    client: FlaskClient, account: Account, replica: Replica, cursor: str | None, limit: int = 200
) -> str:
    """Call the feed until `has_more` is false, applying each page; the last cursor."""
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(f"/users/me/changes{query}", headers=account.headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        keys = [(c["type"], c["group_id"], c["id"]) for c in body["changes"]]
        assert len(keys) == len(set(keys))
        assert len(keys) <= limit
        for change in body["changes"]:
            key = (change["type"], change["group_id"], change["id"])
            if change["type"] == "group" and change["deleted"]:
                for other in [k for k in replica if k[1] == change["group_id"]]:
                    del replica[other]
            elif change["deleted"]:
                replica.pop(key, None)
                if change["type"] == "group_expense":  # its comments go with it
                    for other in [
                        k
                        for k, data in replica.items()
                        if k[0] == "comment" and data["expense_id"] == change["id"]
                    ]:
                        del replica[other]
            else:
                replica[key] = change["data"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return cursor


def truth(client: FlaskClient, account: Account) -> Replica:
    """Every object `account` may see, read through the ordinary endpoints."""

    def get(path: str) -> Any:
        response = client.get(path, headers=account.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    objects: Replica = {}
    for expense in get("/expenses/?limit=200"):
        objects[("expense", None, expense["id"])] = expense
    for group in get("/groups/?limit=200"):
        gid = group["id"]
        objects[("group", gid, gid)] = get(f"/groups/{gid}")
        for member in get(f"/groups/{gid}/members"):
            uid = member["user_id"]
            objects[("member", gid, uid)] = get(f"/groups/{gid}/members/{uid}")
        for settlement in get(f"/groups/{gid}/settlements?limit=200"):
            objects[("settlement", gid, settlement["id"])] = settlement
        for expense in get(f"/groups/{gid}/expenses/?limit=200"):
            objects[("group_expense", gid, expense["id"])] = expense
            for comment in get(f"/groups/{gid}/expenses/{expense['id']}/comments?limit=200"):
                objects[("comment", gid, comment["id"])] = comment
    return objects


def personal(client: FlaskClient, account: Account, **body: Any) -> dict[str, Any]:
    body = {"amount": "4.50", "category": "Coffee", "payment_method": "cash", **body}
    response = client.post("/expenses/", json=body, headers=account.headers)
    assert response.status_code == 201
    return response.get_json()


@pytest.mark.parametrize("limit", [1, 3, 200])
def test_a_first_sync_then_later_ones_hold_exactly_what_is_visible(
    client: FlaskClient, make_user: Any, limit: int
) -> None:
    me, friend = make_user(), make_user()
    group = new_group(client, me)
    join(client, group, friend)
    gid = group["id"]
    first = add_expense(client, gid, friend, amount="20.00")
    personal(client, me)
    doomed = personal(client, me, amount="1.00")
    client.post(
        f"/groups/{gid}/expenses/{first['id']}/comments",
        json={"body": "hi"},
        headers=friend.headers,
    )
    replica: Replica = {}
    cursor = sync(client, me, replica, None, limit)
    assert replica == truth(client, me)

    # Nothing changed: nothing comes.
    again = client.get(f"/users/me/changes?cursor={cursor}", headers=me.headers).get_json()
    assert again["changes"] == []
    assert again["has_more"] is False

    second = add_expense(client, gid, friend, amount="7.00")
    client.patch(
        f"/groups/{gid}/expenses/{first['id']}", json={"notes": "hm"}, headers=friend.headers
    )
    client.delete(f"/groups/{gid}/expenses/{second['id']}", headers=friend.headers)
    client.delete(f"/expenses/{doomed['id']}", headers=me.headers)
    personal(client, me, amount="2.00")
    client.post(
        f"/groups/{gid}/settlements",
        json={"to_user": friend.id, "amount": "3.00"},
        headers=me.headers,
    )
    cursor2 = sync(client, me, replica, cursor, limit)
    assert replica == truth(client, me)
    changes = client.get(f"/users/me/changes?cursor={cursor}", headers=me.headers).get_json()
    kinds = {(c["type"], c["deleted"]) for c in changes["changes"]}
    assert ("group_expense", True) in kinds
    assert ("expense", True) in kinds
    # The old group expense comes in its latest state, once.
    [latest] = [
        c for c in changes["changes"] if c["type"] == "group_expense" and c["id"] == first["id"]
    ]
    assert latest["data"]["notes"] == "hm"
    assert (
        client.get(f"/users/me/changes?cursor={cursor2}", headers=me.headers).get_json()["changes"]
        == []
    )


def test_joining_brings_the_whole_group_and_leaving_takes_it_away(
    client: FlaskClient, make_user: Any
) -> None:
    me, owner = make_user(), make_user()
    group = new_group(client, owner)
    gid = group["id"]
    old = add_expense(client, gid, owner)
    replica: Replica = {}
    cursor = sync(client, me, replica, None)
    assert replica == {}
    join(client, group, me)
    cursor = sync(client, me, replica, cursor, limit=2)
    assert ("group_expense", gid, old["id"]) in replica
    assert replica == truth(client, me)

    assert client.delete(f"/groups/{gid}/members/{me.id}", headers=me.headers).status_code == 204
    body = client.get(f"/users/me/changes?cursor={cursor}", headers=me.headers).get_json()
    assert {"type": "group", "id": gid, "group_id": gid, "deleted": True, "data": None} in body[
        "changes"
    ]
    cursor = sync(client, me, replica, cursor)
    assert replica == {} == truth(client, me)
    # A former member sees nothing new.
    add_expense(client, gid, owner)
    client.patch(f"/groups/{gid}", json={"name": "Secret"}, headers=owner.headers)
    assert (
        client.get(f"/users/me/changes?cursor={cursor}", headers=me.headers).get_json()["changes"]
        == []
    )


def test_every_kind_of_change_reaches_a_synced_member(client: FlaskClient, make_user: Any) -> None:
    me, friend, third = make_user(), make_user(), make_user()
    replica: Replica = {}
    cursor = sync(client, me, replica, None)
    group = new_group(client, me)
    gid = group["id"]
    join(client, group, friend, third)
    expense = add_expense(client, gid, friend, amount="9.00", participants=[me.id, friend.id])
    url = f"/groups/{gid}/expenses/{expense['id']}"
    cursor = sync(client, me, replica, cursor)
    assert replica == truth(client, me)
    comment = client.post(f"{url}/comments", json={"body": "x"}, headers=friend.headers).get_json()
    client.patch(f"{url}/splits/{me.id}", json={"is_paid": True}, headers=me.headers)
    client.patch(f"/groups/{gid}/members/{friend.id}", json={"role": "owner"}, headers=me.headers)
    assert (
        client.delete(f"/groups/{gid}/members/{third.id}", headers=third.headers).status_code == 204
    )
    client.post(f"/groups/{gid}/invite-code", headers=me.headers)
    cursor = sync(client, me, replica, cursor, limit=2)
    assert replica == truth(client, me)
    assert ("member", gid, third.id) not in replica
    client.delete(f"{url}/comments/{comment['id']}", headers=friend.headers)
    cursor = sync(client, me, replica, cursor)
    assert replica == truth(client, me)
    # A member's new name shows in the group and in their member object.
    renamed = client.patch("/users/me", json={"full_name": "Fred"}, headers=friend.headers)
    assert renamed.status_code == 200
    sync(client, me, replica, cursor, limit=1)
    assert replica == truth(client, me)
    assert replica[("member", gid, friend.id)]["full_name"] == "Fred"


def test_leaving_and_joining_again_in_one_window_still_drops_what_was_deleted(
    client: FlaskClient, make_user: Any
) -> None:
    owner, me = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, me)
    gid = group["id"]
    expense = add_expense(client, gid, owner, participants=[owner.id])
    replica: Replica = {}
    cursor = sync(client, me, replica, None)
    assert ("group_expense", gid, expense["id"]) in replica
    client.delete(f"/groups/{gid}/expenses/{expense['id']}", headers=owner.headers)
    assert client.delete(f"/groups/{gid}/members/{me.id}", headers=me.headers).status_code == 204
    join(client, group, me)
    sync(client, me, replica, cursor, limit=1)
    assert replica == truth(client, me)


def test_a_deleted_group_goes_and_a_restored_one_comes_back_whole(
    client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, member)
    gid = group["id"]
    replica: Replica = {}
    cursor = sync(client, member, replica, None)
    client.delete(f"/groups/{gid}", headers=owner.headers)
    cursor = sync(client, member, replica, cursor)
    assert replica == {} == truth(client, member)
    client.post(f"/groups/{gid}/restore", headers=owner.headers)
    sync(client, member, replica, cursor)
    assert replica == truth(client, member)
    assert ("member", gid, owner.id) in replica


def test_a_malformed_forged_or_foreign_cursor_is_refused(
    client: FlaskClient, make_user: Any
) -> None:
    me, other = make_user(), make_user()
    cursor = client.get("/users/me/changes", headers=me.headers).get_json()["cursor"]
    body, _, signature = cursor.partition(".")
    for bad in ("nonsense", cursor + "x", f"{body}.{signature[::-1]}", "a.b.c"):
        response = client.get(f"/users/me/changes?cursor={bad}", headers=me.headers)
        assert_problem(response, 422, "validation-error")
        assert "cursor" in response.get_json()["errors"]
    assert_problem(
        client.get(f"/users/me/changes?cursor={cursor}", headers=other.headers),
        422,
        "validation-error",
    )
    for limit in ("0", "501", "x"):
        assert_problem(
            client.get(f"/users/me/changes?limit={limit}", headers=me.headers),
            422,
            "validation-error",
        )


class HeldCommit:
    """Holds the commit of the next write made on a thread of this name until released:
    its rows (and its activity entry) are written, its transaction still open."""

    def __init__(self, thread_name: str) -> None:
        self.thread_name = thread_name
        self.written = threading.Event()
        self.release = threading.Event()

    def __call__(self, session: Session) -> None:
        if threading.current_thread().name == self.thread_name and not self.written.is_set():
            session.flush()
            self.written.set()
            assert self.release.wait(30)


def test_a_change_committed_after_a_sync_that_started_before_it_is_not_lost(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    """A writer takes its activity row's id, a later writer (in another group) takes a
    larger one and commits, the client syncs, and only then the first writer commits. A
    plain "id > last seen" would skip the first writer's change; the feed must not."""
    me, friend = make_user(), make_user()
    slow_group, fast_group = new_group(client, me, name="Slow"), new_group(client, me, name="Fast")
    join(client, slow_group, friend)
    join(client, fast_group, friend)
    replica: Replica = {}
    cursor = sync(client, me, replica, None)

    held = HeldCommit("slow-writer")
    event.listen(Session, "before_commit", held)
    result: dict[str, Any] = {}

    def slow_write() -> None:
        result["slow"] = add_expense(app.test_client(), slow_group["id"], friend, amount="11.00")

    writer = threading.Thread(target=slow_write, name="slow-writer")
    try:
        writer.start()
        assert held.written.wait(30)
        concurrent = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        if concurrent:
            # Only PostgreSQL has concurrent writers: this one commits first, with a larger id.
            result["fast"] = add_expense(client, fast_group["id"], friend, amount="22.00")
        cursor = sync(client, me, replica, cursor)
        assert not any(key[1] == slow_group["id"] and key[0] == "group_expense" for key in replica)
    finally:
        held.release.set()
        writer.join(30)
        event.remove(Session, "before_commit", held)
    sync(client, me, replica, cursor)
    assert ("group_expense", slow_group["id"], result["slow"]["id"]) in replica
    assert replica == truth(client, me)
    if concurrent:
        # The trap was set: the change committed last has the smaller activity id.
        slow_id, fast_id = (
            client.get(
                f"/groups/{g['id']}/activity?kind=expense.created", headers=me.headers
            ).get_json()[0]["id"]
            for g in (slow_group, fast_group)
        )
        assert slow_id < fast_id


def statements(app: Flask, action: Any) -> int:
    """How many SQL statements `action` runs."""
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_reads_of_history_cost_the_same_whatever_their_size(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    me, friend = make_user(), make_user()
    group = new_group(client, me)
    join(client, group, friend)
    cursor = sync(client, me, {}, None)

    def reads() -> None:
        for path in (
            f"/users/me/changes?cursor={cursor}",
            f"/groups/{group['id']}/activity?limit=200",
            "/users/me/activity?limit=200",
            "/users/me/notifications?limit=200",
        ):
            assert client.get(path, headers=me.headers).status_code == 200

    costs = []
    for count in (2, 20):
        for _ in range(count):
            add_expense(client, group["id"], friend)
            personal(client, me)
        costs.append(statements(app, reads))
    assert costs[0] == costs[1]


def test_a_first_sync_costs_the_same_for_two_groups_or_ten(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    me, friend = make_user(), make_user()

    def add_groups(count: int) -> None:
        for _ in range(count):
            group = new_group(client, me)
            join(client, group, friend)
            expense = add_expense(client, group["id"], friend)
            client.post(
                f"/groups/{group['id']}/expenses/{expense['id']}/comments",
                json={"body": "x"},
                headers=me.headers,
            )

    def first_sync() -> None:
        body = client.get("/users/me/changes?limit=500", headers=me.headers).get_json()
        assert body["has_more"] is False

    add_groups(2)
    two = statements(app, first_sync)
    add_groups(8)
    assert statements(app, first_sync) == two


SYNC_OPERATIONS = (
    "sync",
    "create",
    "edit_split",
    "delete",
    "restore",
    "mark_paid",
    "settle",
    "delete_settlement",
    "restore_settlement",
    "leave_and_rejoin",
    "personal",
    "comment",
    "rename",
    "role",
)


@settings(
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(st.sampled_from(SYNC_OPERATIONS), min_size=1, max_size=25),
)
def test_following_the_cursor_always_yields_exactly_what_is_visible(
    client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    rng = random.Random(seed)
    accounts = [make_user() for _ in range(3)]
    driver = GroupDriver(client, accounts, rng)
    viewer = accounts[1]  # not the owner: leave_and_rejoin may take them out and back
    replica: Replica = {}
    cursor = None
    for operation in operations:
        if operation == "sync":
            cursor = sync(client, viewer, replica, cursor, limit=rng.choice([1, 2, 5, 200]))
            assert replica == truth(client, viewer)
        elif operation == "personal":
            personal(client, rng.choice(accounts), amount=f"{rng.randint(1, 99)}.00")
        elif operation == "role":  # someone becomes an owner, then steps down
            member = rng.choice(accounts[1:])
            url = driver.url(f"/members/{member.id}")
            if (
                client.patch(url, json={"role": "owner"}, headers=accounts[0].headers).status_code
                == 200
            ):
                client.patch(url, json={"role": "member"}, headers=member.headers)
        elif operation == "rename":
            renamed = rng.choice(accounts)
            name = f"Name {rng.randint(1, 9)}"
            client.patch("/users/me", json={"full_name": name}, headers=renamed.headers)
        elif operation == "comment":
            if driver.expenses:
                expense_id = rng.choice(sorted(driver.expenses))
                author = accounts[rng.randrange(3)]
                client.post(
                    driver.url(f"/expenses/{expense_id}/comments"),
                    json={"body": "noted"},
                    headers=author.headers,
                )
        else:
            driver.run(operation)
    sync(client, viewer, replica, cursor, limit=rng.choice([1, 3, 200]))
    assert replica == truth(client, viewer)
