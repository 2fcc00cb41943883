"""Groups and membership, as clients see them."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import PASSWORD, Account, add_expense, group_with, join, nets, new_group
from tests.problems import assert_problem

# --------------------------------------------------------------------------- creating


def test_creator_gets_the_full_view_and_is_the_owner(client, user):
    response = client.post(
        "/groups/", json={"name": "  Flat 3B  ", "description": "Bills"}, headers=user.headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/groups/{body['id']}"
    assert response.headers["ETag"]
    assert body["name"] == "Flat 3B"
    assert body["join_policy"] == "invite"
    assert body["currency"] == "USD"
    assert body["created_by"] == user.id
    assert body["member_count"] == 1
    assert body["invite_code"]
    assert body["created_at"].endswith("Z")
    [member] = body["members"]
    assert member["user_id"] == user.id
    assert member["role"] == "owner"
    assert member["email"] == user.email
    assert member["full_name"] == user.full_name


def test_group_currency_defaults_to_the_creators_and_takes_any_case(client, make_user):
    euro_user = make_user(default_currency="EUR")
    assert new_group(client, euro_user)["currency"] == "EUR"
    assert new_group(client, euro_user, currency="jpy")["currency"] == "JPY"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A", "description": "x" * 501}, "description"),
        ({"name": "A", "currency": "XXX"}, "currency"),
        ({"name": "A", "join_policy": "closed"}, "join_policy"),
        ({"name": "A", "invite_code": "mine"}, "invite_code"),
        ({"name": "A", "created_by": 99}, "created_by"),
        ({"name": "A", "id": 5}, "id"),
    ],
)
def test_invalid_group_bodies_name_the_field(client, user, body, field):
    response = client.post("/groups/", json=body, headers=user.headers)
    assert_problem(response, 422, "validation-error")
    assert field in response.get_json()["errors"]


def test_groups_need_a_token(client):
    response = client.get("/groups/")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


# --------------------------------------------------------------------------- listing


def test_my_groups_are_ordered_by_name_then_id_and_paginated(client, user, other_user):
    for name in ("beta", "Alpha", "alpha", "Gamma"):
        new_group(client, user, name=name)
    new_group(client, other_user, name="Aardvark", join_policy="open")
    response = client.get("/groups?limit=3", headers=user.headers)
    assert response.status_code == 200
    assert [g["name"] for g in response.get_json()] == ["Alpha", "alpha", "beta"]
    assert response.headers["X-Total-Count"] == "4"
    assert 'rel="next"' in response.headers["Link"]
    rest = client.get("/groups/?skip=3&limit=3", headers=user.headers).get_json()
    assert [g["name"] for g in rest] == ["Gamma"]
    assert all("members" in g and "invite_code" in g for g in response.get_json())


def test_pagination_parameters_are_validated(client, user):
    assert_problem(client.get("/groups/?limit=0", headers=user.headers), 422, "validation-error")
    assert_problem(client.get("/groups/?skip=-1", headers=user.headers), 422, "validation-error")
    assert_problem(client.get("/groups/?limit=abc", headers=user.headers), 422, "validation-error")


def test_search_finds_open_groups_and_mine_but_not_others_invite_only(
    client, user, other_user, make_user
):
    third = make_user()
    new_group(client, other_user, name="Ski trip", join_policy="open")
    new_group(client, other_user, name="Secret trip")
    new_group(client, user, name="My trip")
    member_of = new_group(client, third, name="Trip with friends")
    join(client, member_of, user)
    response = client.get("/groups/search/?q=TRIP", headers=user.headers)
    assert response.status_code == 200
    found = response.get_json()
    assert [g["name"] for g in found] == ["My trip", "Ski trip", "Trip with friends"]
    assert response.headers["X-Total-Count"] == "3"
    for group in found:
        assert "members" not in group
        assert "invite_code" not in group
    by_name = client.get("/groups/search?name=ski", headers=user.headers).get_json()
    assert [g["name"] for g in by_name] == ["Ski trip"]


def test_search_treats_wildcards_literally_and_folds_case(client, user):
    for name in ("100% fun", "100 fun", "a_b", "ab", "Straße"):
        new_group(client, user, name=name)

    def names(q: str) -> list[str]:
        response = client.get("/groups/search/", query_string={"q": q}, headers=user.headers)
        return [g["name"] for g in response.get_json()]

    assert names("%") == ["100% fun"]
    assert names("_") == ["a_b"]
    assert names("STRASSE") == ["Straße"]


# --------------------------------------------------------------------------- viewing


def test_members_see_the_full_view_outsiders_the_public_view_of_open_groups(
    client, user, other_user
):
    open_group = new_group(client, user, join_policy="open")
    private = new_group(client, user)
    mine = client.get(f"/groups/{open_group['id']}", headers=user.headers)
    assert mine.status_code == 200
    assert mine.headers["ETag"]
    assert "invite_code" in mine.get_json()
    public = client.get(f"/groups/{open_group['id']}", headers=other_user.headers)
    assert public.status_code == 200
    assert set(public.get_json()) == {
        "id",
        "name",
        "description",
        "currency",
        "join_policy",
        "created_by",
        "created_at",
        "member_count",
    }
    hidden = client.get(f"/groups/{private['id']}", headers=other_user.headers)
    missing = client.get("/groups/999999", headers=other_user.headers)
    assert_problem(hidden, 404, "not-found")
    assert hidden.get_json() == missing.get_json()


def test_outsiders_see_nothing_inside_even_an_open_group(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    for path in ("members", "expenses/", "balances", "settle-up", "settlements"):
        response = client.get(f"/groups/{group['id']}/{path}", headers=other_user.headers)
        assert_problem(response, 404, "not-found")
    member = client.get(f"/groups/{group['id']}/members/{user.id}", headers=other_user.headers)
    assert_problem(member, 404, "not-found")


# --------------------------------------------------------------------------- changing


def test_owner_updates_the_group_and_the_etag_moves(client, user):
    group = new_group(client, user)
    before = client.get(f"/groups/{group['id']}", headers=user.headers).headers["ETag"]
    response = client.patch(
        f"/groups/{group['id']}",
        json={"name": "Renamed", "join_policy": "open", "currency": "eur"},
        headers={**user.headers, "If-Match": before},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["join_policy"], body["currency"]) == ("Renamed", "open", "EUR")
    assert response.headers["ETag"] != before
    stale = client.patch(
        f"/groups/{group['id']}",
        json={"name": "Again"},
        headers={**user.headers, "If-Match": before},
    )
    assert_problem(stale, 412, "precondition-failed")


def test_members_cannot_change_the_group_and_outsiders_of_private_groups_cannot_see_it(
    client, user, other_user, make_user
):
    outsider = make_user()
    group_id = group_with(client, user, other_user)
    open_id = group_with(client, user, join_policy="open")
    for method in ("patch", "delete"):
        call = getattr(client, method)
        kwargs = {"json": {"name": "X"}} if method == "patch" else {}
        assert_problem(
            call(f"/groups/{group_id}", headers=other_user.headers, **kwargs), 403, "forbidden"
        )
        assert_problem(
            call(f"/groups/{group_id}", headers=outsider.headers, **kwargs), 404, "not-found"
        )
        # An outsider can see an open group, so lacking the right is a 403.
        assert_problem(
            call(f"/groups/{open_id}", headers=outsider.headers, **kwargs), 403, "forbidden"
        )
    rotate = client.post(f"/groups/{group_id}/invite-code", headers=other_user.headers)
    assert_problem(rotate, 403, "forbidden")
    hidden = client.post(f"/groups/{group_id}/invite-code", headers=outsider.headers)
    assert_problem(hidden, 404, "not-found")


def test_currency_is_fixed_once_the_group_has_expenses(client, user):
    group_id = group_with(client, user)
    add_expense(client, group_id, user)
    response = client.patch(f"/groups/{group_id}", json={"currency": "EUR"}, headers=user.headers)
    assert_problem(response, 409, "conflict")
    same = client.patch(f"/groups/{group_id}", json={"currency": "usd"}, headers=user.headers)
    assert same.status_code == 200


def test_group_update_refuses_read_only_fields(client, user):
    group_id = group_with(client, user)
    response = client.patch(
        f"/groups/{group_id}", json={"invite_code": "x", "member_count": 3}, headers=user.headers
    )
    assert_problem(response, 422, "validation-error")
    assert set(response.get_json()["errors"]) == {"invite_code", "member_count"}


def test_owner_deletes_a_settled_group_but_not_an_unsettled_one(client, user, other_user):
    group_id = group_with(client, user, other_user)
    expense = add_expense(client, group_id, user)
    assert_problem(client.delete(f"/groups/{group_id}", headers=user.headers), 409, "conflict")
    client.delete(f"/groups/{group_id}/expenses/{expense['id']}", headers=user.headers)
    etag = client.get(f"/groups/{group_id}", headers=user.headers).headers["ETag"]
    stale = client.delete(f"/groups/{group_id}", headers={**user.headers, "If-Match": '"1.99"'})
    assert_problem(stale, 412, "precondition-failed")
    response = client.delete(f"/groups/{group_id}", headers={**user.headers, "If-Match": etag})
    assert response.status_code == 204
    assert_problem(client.get(f"/groups/{group_id}", headers=user.headers), 404, "not-found")


# --------------------------------------------------------------------------- joining


def test_anyone_joins_an_open_group_once(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    response = client.post(f"/groups/{group['id']}/join", json={}, headers=other_user.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"group_id", "user_id", "role", "joined_at"}
    assert (body["group_id"], body["user_id"], body["role"]) == (
        group["id"],
        other_user.id,
        "member",
    )
    assert response.headers["Location"] == f"/groups/{group['id']}/members/{other_user.id}"
    assert client.get(response.headers["Location"], headers=user.headers).status_code == 200
    again = client.post(f"/groups/{group['id']}/join", headers=other_user.headers)
    assert_problem(again, 409, "conflict")


def test_invite_only_groups_need_the_right_code(client, user, other_user):
    group = new_group(client, user)
    url = f"/groups/{group['id']}/join"
    assert_problem(client.post(url, json={}, headers=other_user.headers), 404, "not-found")
    wrong = client.post(url, json={"invite_code": "nope"}, headers=other_user.headers)
    assert_problem(wrong, 404, "not-found")
    right = client.post(url, json={"invite_code": group["invite_code"]}, headers=other_user.headers)
    assert right.status_code == 201


def test_join_by_code_alone_and_rotation_retires_the_old_code(client, user, other_user, make_user):
    group = new_group(client, user)
    rotated = client.post(f"/groups/{group['id']}/invite-code", headers=user.headers)
    assert rotated.status_code == 200
    new_code = rotated.get_json()["invite_code"]
    assert new_code != group["invite_code"]
    old = client.post(
        "/groups/join", json={"invite_code": group["invite_code"]}, headers=other_user.headers
    )
    assert_problem(old, 404, "not-found")
    joined = client.post("/groups/join", json={"invite_code": new_code}, headers=other_user.headers)
    assert joined.status_code == 201
    assert joined.get_json()["group_id"] == group["id"]
    again = client.post("/groups/join", json={"invite_code": new_code}, headers=other_user.headers)
    assert_problem(again, 409, "conflict")
    assert_problem(
        client.post("/groups/join", json={}, headers=make_user().headers), 422, "validation-error"
    )


def test_a_former_member_can_join_again(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    join(client, group, other_user)
    assert (
        client.delete(
            f"/groups/{group['id']}/members/{other_user.id}", headers=other_user.headers
        ).status_code
        == 204
    )
    response = client.post(f"/groups/{group['id']}/join", json={}, headers=other_user.headers)
    assert response.status_code == 201
    members = client.get(f"/groups/{group['id']}/members?include_former=true", headers=user.headers)
    assert [(m["user_id"], m["left_at"]) for m in members.get_json()] == [
        (user.id, None),
        (other_user.id, None),
    ]


def test_concurrent_joins_admit_once(app, client, user, other_user):
    group = new_group(client, user, join_policy="open")
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def join_once() -> None:
        barrier.wait()
        response = app.test_client().post(
            f"/groups/{group['id']}/join", json={}, headers=other_user.headers
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=join_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    members = client.get(f"/groups/{group['id']}/members", headers=user.headers).get_json()
    assert len(members) == 2


# --------------------------------------------------------------------------- members


def test_members_are_listed_by_join_order_and_former_ones_on_request(client, user, make_user):
    a, b = make_user(), make_user()
    group = new_group(client, user)
    join(client, group, a, b)
    assert (
        client.delete(f"/groups/{group['id']}/members/{a.id}", headers=a.headers).status_code == 204
    )
    current = client.get(f"/groups/{group['id']}/members", headers=user.headers).get_json()
    assert [m["user_id"] for m in current] == [user.id, b.id]
    history = client.get(
        f"/groups/{group['id']}/members?include_former=true", headers=user.headers
    ).get_json()
    assert [m["user_id"] for m in history] == [user.id, a.id, b.id]
    assert history[1]["left_at"].endswith("Z")
    assert (
        client.get(f"/groups/{group['id']}", headers=user.headers).get_json()["member_count"] == 2
    )


def test_owner_promotes_and_demotes_but_never_leaves_the_group_ownerless(client, user, other_user):
    group_id = group_with(client, user, other_user)
    url = f"/groups/{group_id}/members"
    denied = client.patch(f"{url}/{user.id}", json={"role": "member"}, headers=other_user.headers)
    assert_problem(denied, 403, "forbidden")
    alone = client.patch(f"{url}/{user.id}", json={"role": "member"}, headers=user.headers)
    assert_problem(alone, 409, "conflict")
    promoted = client.patch(f"{url}/{other_user.id}", json={"role": "owner"}, headers=user.headers)
    assert promoted.status_code == 200
    assert promoted.get_json()["role"] == "owner"
    stepped_down = client.patch(f"{url}/{user.id}", json={"role": "member"}, headers=user.headers)
    assert stepped_down.status_code == 200
    assert_problem(
        client.patch(f"{url}/9999", json={"role": "owner"}, headers=other_user.headers),
        404,
        "not-found",
    )
    invalid = client.patch(f"{url}/{user.id}", json={"role": "admin"}, headers=other_user.headers)
    assert_problem(invalid, 422, "validation-error")


def test_who_may_remove_whom(client, user, make_user):
    co_owner, a, b = make_user(), make_user(), make_user()
    group_id = group_with(client, user, co_owner, a, b)
    url = f"/groups/{group_id}/members"
    client.patch(f"{url}/{co_owner.id}", json={"role": "owner"}, headers=user.headers)
    assert_problem(client.delete(f"{url}/{b.id}", headers=a.headers), 403, "forbidden")
    assert_problem(client.delete(f"{url}/{co_owner.id}", headers=user.headers), 403, "forbidden")
    assert client.delete(f"{url}/{b.id}", headers=user.headers).status_code == 204
    assert_problem(client.delete(f"{url}/{b.id}", headers=user.headers), 404, "not-found")
    # b is no longer a member: the group is gone for them.
    assert_problem(client.get(f"/groups/{group_id}", headers=b.headers), 404, "not-found")


def test_nobody_leaves_with_a_balance_and_the_last_owner_cannot_abandon_others(
    client, user, other_user
):
    group_id = group_with(client, user, other_user)
    expense = add_expense(client, group_id, user)
    url = f"/groups/{group_id}/members"
    assert_problem(
        client.delete(f"{url}/{other_user.id}", headers=other_user.headers), 409, "conflict"
    )
    assert_problem(client.delete(f"{url}/{other_user.id}", headers=user.headers), 409, "conflict")
    client.delete(f"/groups/{group_id}/expenses/{expense['id']}", headers=user.headers)
    assert_problem(client.delete(f"{url}/{user.id}", headers=user.headers), 409, "conflict")
    assert client.delete(f"{url}/{other_user.id}", headers=other_user.headers).status_code == 204


def test_the_last_member_leaving_deletes_the_group(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    assert (
        client.delete(f"/groups/{group['id']}/members/{user.id}", headers=user.headers).status_code
        == 204
    )
    assert_problem(
        client.get(f"/groups/{group['id']}", headers=other_user.headers), 404, "not-found"
    )


# --------------------------------------------------------------------------- accounts


def _delete_account(client: FlaskClient, account: Account) -> Any:
    return client.delete("/users/me", json={"current_password": PASSWORD}, headers=account.headers)


def test_account_deletion_waits_for_settled_balances(client, user, other_user):
    group_id = group_with(client, user, other_user)
    add_expense(client, group_id, user)
    assert_problem(_delete_account(client, other_user), 409, "conflict")
    assert_problem(_delete_account(client, user), 409, "conflict")


def test_the_only_owner_of_a_group_with_members_cannot_delete_their_account(
    client, user, other_user
):
    group_with(client, user, other_user)
    assert_problem(_delete_account(client, user), 409, "conflict")
    # A member can go: the group still has its owner.
    assert _delete_account(client, other_user).status_code == 204


def test_deleted_accounts_stay_in_group_history_anonymised(client, user, other_user, make_user):
    group_id = group_with(client, user, other_user)
    solo_id = group_with(client, other_user, join_policy="open")
    expense = add_expense(client, group_id, other_user, paid_by=other_user.id)
    client.patch(
        f"/groups/{group_id}/expenses/{expense['id']}/splits/{user.id}",
        json={"is_paid": True},
        headers=user.headers,
    )
    assert nets(client, group_id, user)[other_user.id] == "0.00"
    assert _delete_account(client, other_user).status_code == 204
    members = client.get(f"/groups/{group_id}/members", headers=user.headers).get_json()
    assert [m["user_id"] for m in members] == [user.id]
    history = client.get(
        f"/groups/{group_id}/members?include_former=true", headers=user.headers
    ).get_json()
    former = next(m for m in history if m["user_id"] == other_user.id)
    assert former["full_name"] == "Deleted user"
    assert former["email"] is None
    assert former["left_at"] is not None
    kept = client.get(f"/groups/{group_id}/expenses/{expense['id']}", headers=user.headers)
    assert kept.get_json()["paid_by"] == other_user.id
    # The group where they were alone went with them.
    assert_problem(client.get(f"/groups/{solo_id}", headers=make_user().headers), 404, "not-found")


def test_invite_codes_are_trimmed_like_any_text(client, user, other_user):
    group = new_group(client, user)
    response = client.post(
        "/groups/join",
        json={"invite_code": f"  {group['invite_code']}  "},
        headers=other_user.headers,
    )
    assert response.status_code == 201


def test_the_group_etag_moves_when_its_members_change(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    path = f"/groups/{group['id']}"
    before = client.get(path, headers=user.headers).headers["ETag"]
    join(client, group, other_user)
    after = client.get(path, headers=user.headers).headers["ETag"]
    assert after != before
    stale = client.patch(path, json={"name": "New"}, headers={**user.headers, "If-Match": before})
    assert_problem(stale, 412, "precondition-failed")
    public = client.get(path, headers=other_user.headers)
    assert public.headers["ETag"] == after  # other_user is a member now: same full view
    promoted = client.patch(
        f"{path}/members/{other_user.id}", json={"role": "owner"}, headers=user.headers
    )
    assert promoted.status_code == 200
    assert client.get(path, headers=user.headers).headers["ETag"] != after


def test_public_and_full_views_have_different_etags(client, user, other_user):
    group = new_group(client, user, join_policy="open")
    path = f"/groups/{group['id']}"
    full = client.get(path, headers=user.headers).headers["ETag"]
    public = client.get(path, headers=other_user.headers).headers["ETag"]
    assert full != public


def test_an_owner_cannot_demote_another_owner_but_may_step_down(client, user, other_user):
    group = group_with(client, user, other_user)
    members = f"/groups/{group}/members"
    promoted = client.patch(
        f"{members}/{other_user.id}", json={"role": "owner"}, headers=user.headers
    )
    assert promoted.status_code == 200
    demote_creator = client.patch(
        f"{members}/{user.id}", json={"role": "member"}, headers=other_user.headers
    )
    assert_problem(demote_creator, 403, "forbidden")
    assert_problem(
        client.delete(f"{members}/{user.id}", headers=other_user.headers), 403, "forbidden"
    )
    step_down = client.patch(
        f"{members}/{other_user.id}", json={"role": "member"}, headers=other_user.headers
    )
    assert step_down.status_code == 200
