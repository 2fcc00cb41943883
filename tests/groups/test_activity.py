"""The activity log: one entry per change, immutable snapshots, the group's and my feed."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from tests.factories import add_expense, join, new_group
from tests.problems import assert_problem


def _activity(client: FlaskClient, group_id: int, account: Any, query: str = "") -> Any:
    response = client.get(f"/groups/{group_id}/activity{query}", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_every_change_appends_an_entry_newest_first(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    expense = add_expense(client, group_id, a, amount="30.00")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    client.patch(url, json={"description": "Dinner out"}, headers=a.headers)
    client.patch(f"{url}/splits/{b.id}", json={"is_paid": True}, headers=b.headers)
    client.delete(url, headers=a.headers)
    client.post(f"{url}/restore", headers=a.headers)
    entries = _activity(client, group_id, owner).get_json()
    assert [entry["kind"] for entry in entries] == [
        "expense.restored",
        "expense.deleted",
        "split.paid",
        "expense.updated",
        "expense.created",
        "member.joined",
        "member.joined",
        "group.created",
    ]
    assert [entry["id"] for entry in entries] == sorted((e["id"] for e in entries), reverse=True)
    created, updated = entries[4], entries[3]
    assert created["before"] is None
    assert created["after"] == expense
    assert created["actor_id"] == a.id
    assert created["subject_type"] == "expense"
    assert created["subject_id"] == expense["id"]
    assert created["at"].endswith("Z")
    assert updated["before"] == expense
    assert updated["after"]["description"] == "Dinner out"
    assert entries[1]["after"] is None
    assert entries[0]["before"] is None
    assert entries[0]["after"] == client.get(url, headers=owner.headers).get_json()


def test_an_old_entry_keeps_the_old_values(client: FlaskClient, trio: Any) -> None:
    group_id, owner, _a, _b = trio
    expense = add_expense(client, group_id, owner, amount="12.00", category="Food")
    url = f"/groups/{group_id}/expenses/{expense['id']}"
    for amount in ("15.00", "18.00"):
        client.patch(url, json={"amount": amount}, headers=owner.headers)
    query = f"?subject_type=expense&subject_id={expense['id']}"
    entries = _activity(client, group_id, owner, query).get_json()
    assert [e["after"]["amount"] for e in entries] == ["18.00", "15.00", "12.00"]
    assert [e["before"] and e["before"]["amount"] for e in entries] == ["15.00", "12.00", None]


def test_the_invite_code_never_appears_in_an_entry(client: FlaskClient, make_user: Any) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, member)
    rotated = client.post(f"/groups/{group['id']}/invite-code", headers=owner.headers)
    client.patch(f"/groups/{group['id']}", json={"name": "Ski"}, headers=owner.headers)
    text = json.dumps(_activity(client, group["id"], owner).get_json())
    assert group["invite_code"] not in text
    assert rotated.get_json()["invite_code"] not in text
    assert "invite_code" not in text.replace('"invite_code.rotated"', "")


def test_filters_and_pagination(client: FlaskClient, trio: Any) -> None:
    group_id, owner, a, b = trio
    for member in (owner, a, a):
        add_expense(client, group_id, member)
    by_a = _activity(client, group_id, owner, f"?actor_id={a.id}&kind=expense.created")
    assert [e["actor_id"] for e in by_a.get_json()] == [a.id, a.id]
    page = _activity(client, group_id, owner, "?limit=2")
    assert page.headers["X-Total-Count"] == "6"
    assert 'rel="next"' in page.headers["Link"]
    joins = _activity(client, group_id, owner, "?subject_type=member").get_json()
    assert {e["subject_id"] for e in joins} == {a.id, b.id}
    bad = client.get(f"/groups/{group_id}/activity?kind=nonsense", headers=owner.headers)
    assert_problem(bad, 422, "validation-error")


def test_my_feed_spans_my_groups_and_a_former_member_sees_nothing_new(
    client: FlaskClient, make_user: Any
) -> None:
    me, other = make_user(), make_user()
    first, second = new_group(client, me, name="One"), new_group(client, other, name="Two")
    join(client, second, me)
    mine = client.get("/users/me/activity", headers=me.headers).get_json()
    assert {e["group_id"] for e in mine} == {first["id"], second["id"]}
    only = client.get(f"/users/me/activity?group_id={second['id']}", headers=me.headers)
    assert {e["group_id"] for e in only.get_json()} == {second["id"]}
    assert (
        client.delete(f"/groups/{second['id']}/members/{me.id}", headers=me.headers).status_code
        == 204
    )
    add_expense(client, second["id"], other)
    assert_problem(
        client.get(f"/groups/{second['id']}/activity", headers=me.headers), 404, "not-found"
    )
    after = client.get("/users/me/activity", headers=me.headers).get_json()
    assert {e["group_id"] for e in after} == {first["id"]}
    stranger = make_user()
    assert_problem(
        client.get(f"/groups/{first['id']}/activity", headers=stranger.headers), 404, "not-found"
    )
