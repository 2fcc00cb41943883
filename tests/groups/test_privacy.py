"""Privacy of history: entries name people by id, deleted is forgotten, and open groups
hand out no emails."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from expense_tracker.extensions import db
from tests.factories import PASSWORD, Account, add_expense, join, new_group


def _get(client: FlaskClient, url: str, account: Account) -> Any:
    response = client.get(url, headers=account.headers)
    assert response.status_code == 200, (url, response.get_json())
    return response.get_json()


def _activity(client: FlaskClient, group_id: int, account: Account) -> list[dict[str, Any]]:
    return _get(client, f"/groups/{group_id}/activity?limit=200", account)


def _delete_account(client: FlaskClient, account: Account) -> None:
    response = client.delete(
        "/users/me", json={"current_password": PASSWORD}, headers=account.headers
    )
    assert response.status_code == 204, response.get_json()


def _member_snapshots(entries: list[dict[str, Any]], user_id: int) -> list[dict[str, Any]]:
    """Every representation of `user_id` the entries show (member and group snapshots)."""
    found = []
    for entry in entries:
        for snapshot in (entry["before"], entry["after"]):
            if not snapshot:
                continue
            if entry["subject_type"] == "member" and snapshot["user_id"] == user_id:
                found.append(snapshot)
            if entry["subject_type"] == "group":
                found += [m for m in snapshot.get("members", []) if m["user_id"] == user_id]
    return found


# --------------------------------------------------------------------------- history


def test_a_deleted_account_leaves_no_email_or_name_in_the_history(
    client: FlaskClient, make_user: Any
) -> None:
    owner, leaver, newcomer = make_user(), make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, leaver)
    client.patch(
        f"/groups/{group['id']}/members/{leaver.id}", json={"role": "owner"}, headers=owner.headers
    )
    client.patch(f"/groups/{group['id']}", json={"name": "Ski"}, headers=owner.headers)
    _delete_account(client, leaver)
    join(client, group, newcomer)
    for reader in (owner, newcomer):
        entries = _activity(client, group["id"], reader)
        text = json.dumps(entries)
        assert leaver.email not in text
        assert leaver.full_name not in text
        seen = _member_snapshots(entries, leaver.id)
        assert len(seen) >= 4  # joined, role changed (before and after), left, group.updated
        assert {m["full_name"] for m in seen} == {"Deleted user"}
        assert {m["email"] for m in seen} == {None}


def test_an_entry_never_holds_an_email_and_shows_the_current_name(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, member)
    response = client.patch("/users/me", json={"full_name": "Renamed"}, headers=member.headers)
    assert response.status_code == 200
    entries = _activity(client, group["id"], owner)
    assert "@" not in json.dumps(entries)
    assert {m["full_name"] for m in _member_snapshots(entries, member.id)} == {"Renamed"}
    # Stored without them, not only shown without them.
    with app.app_context():
        stored = db.session.execute(db.text("SELECT before, after FROM activity")).all()
    assert "@" not in repr(stored)
    assert member.full_name not in repr(stored)
    assert "Renamed" not in repr(stored)


def test_names_of_a_page_of_entries_cost_one_query(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner = make_user()
    group = new_group(client, owner, join_policy="open")

    def statements() -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert (
                client.get(f"/groups/{group['id']}/activity", headers=owner.headers).status_code
                == 200
            )
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    join(client, group, make_user())
    few = statements()
    for _ in range(12):
        join(client, group, make_user())
    assert statements() == few


def test_deleting_a_comment_removes_its_text_from_every_entry(
    client: FlaskClient, trio: Any
) -> None:
    group_id, owner, a, _b = trio
    expense = add_expense(client, group_id, owner)
    url = f"/groups/{group_id}/expenses/{expense['id']}/comments"
    secret = "my IBAN is DE89 3704 0044 0532 0130 00"
    comment = client.post(url, json={"body": secret}, headers=a.headers).get_json()
    kept = client.post(url, json={"body": "see you there"}, headers=a.headers).get_json()
    assert comment["redacted"] is False
    assert client.delete(f"{url}/{comment['id']}", headers=owner.headers).status_code == 204
    entries = _activity(client, group_id, a)
    assert secret not in json.dumps(entries)
    about = [e for e in entries if e["subject_type"] == "comment"]
    by_kind = {(e["kind"], e["subject_id"]): e for e in about}
    created = by_kind[("comment.created", comment["id"])]["after"]
    deleted = by_kind[("comment.deleted", comment["id"])]["before"]
    for snapshot in (created, deleted):
        assert snapshot == {**comment, "body": None, "redacted": True}
    # Another comment's entry is untouched.
    assert by_kind[("comment.created", kept["id"])]["after"] == kept


# --------------------------------------------------------------------------- emails


def _emails_in(value: Any) -> set[str]:
    """Every string in a JSON document that looks like an email address."""
    if isinstance(value, dict):
        return set().union(*(_emails_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_emails_in(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) and "@" in value else set()


def test_an_open_group_shows_names_only_and_each_person_their_own_email(
    client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner, join_policy="open")
    join(client, group, member)
    gid = group["id"]
    for account in (owner, member):
        for url in (
            f"/groups/{gid}",
            f"/groups/{gid}/members",
            f"/groups/{gid}/members?include_former=true",
            f"/groups/{gid}/members/{owner.id}",
            f"/groups/{gid}/members/{member.id}",
            "/groups/",
        ):
            assert _emails_in(_get(client, url, account)) <= {account.email}, url
        members = _get(client, f"/groups/{gid}/members", account)
        assert {m["user_id"]: m["email"] for m in members} == {
            owner.id: account.email if account is owner else None,
            member.id: account.email if account is member else None,
        }
        assert {m["full_name"] for m in members} == {owner.full_name, member.full_name}


def test_an_invite_only_group_shows_current_members_emails_to_its_members(
    client: FlaskClient, make_user: Any
) -> None:
    owner, leaver, deleted, stayer = make_user(), make_user(), make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, leaver, deleted, stayer)
    gid = group["id"]
    client.delete(f"/groups/{gid}/members/{leaver.id}", headers=leaver.headers)
    _delete_account(client, deleted)
    members = _get(client, f"/groups/{gid}/members?include_former=true", stayer)
    assert {m["user_id"]: m["email"] for m in members} == {
        owner.id: owner.email,
        leaver.id: None,
        deleted.id: None,
        stayer.id: stayer.email,
    }
    shown = {m["user_id"]: m["full_name"] for m in members}
    assert shown[deleted.id] == "Deleted user"
    full_view = _get(client, f"/groups/{gid}", stayer)
    assert {m["email"] for m in full_view["members"]} == {owner.email, stayer.email}


def test_changing_the_join_policy_changes_what_is_shown_from_then_on(
    client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, member)
    url = f"/groups/{group['id']}"
    assert owner.email in _emails_in(_get(client, f"{url}/members", member))
    client.patch(url, json={"join_policy": "open"}, headers=owner.headers)
    assert _emails_in(_get(client, f"{url}/members", member)) == {member.email}
    assert _emails_in(_get(client, "/users/me/changes", member)) <= {member.email}
    client.patch(url, json={"join_policy": "invite"}, headers=owner.headers)
    assert owner.email in _emails_in(_get(client, f"{url}/members", member))


def test_the_change_feed_shows_an_email_exactly_where_get_does(
    client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    for policy in ("invite", "open"):
        group = new_group(client, owner, join_policy=policy)
        join(client, group, member)
    changes = _get(client, "/users/me/changes?limit=500", member)["changes"]
    for change in changes:
        if change["type"] == "member":
            url = f"/groups/{change['group_id']}/members/{change['id']}"
            assert change["data"] == _get(client, url, member)
        if change["type"] == "group":
            shown = _get(client, f"/groups/{change['id']}", member)
            assert change["data"]["members"] == shown["members"]
    # In the open group only the member's own email shows.
    groups = [c["data"] for c in changes if c["type"] == "group"]
    assert [g["join_policy"] for g in groups] == ["invite", "open"]
    assert _emails_in(groups[0]["members"]) == {owner.email, member.email}
    assert _emails_in(groups[1]["members"]) == {member.email}
    open_members = [
        c for c in changes if c["type"] == "member" and c["group_id"] == groups[1]["id"]
    ]
    assert [c["data"]["email"] for c in open_members if c["id"] == owner.id] == [None]


# --------------------------------------------------------------------------- owners hear


def _kinds(client: FlaskClient, account: Account) -> list[str]:
    return [n["kind"] for n in _get(client, "/users/me/notifications", account)]


def test_owners_hear_when_someone_joins_or_leaves_but_not_of_their_own_actions(
    client: FlaskClient, make_user: Any
) -> None:
    owner, co_owner, stranger = make_user(), make_user(), make_user()
    group = new_group(client, owner, join_policy="open")
    join(client, group, co_owner)
    gid = group["id"]
    client.patch(
        f"/groups/{gid}/members/{co_owner.id}", json={"role": "owner"}, headers=owner.headers
    )
    join(client, group, stranger)
    assert (
        client.delete(f"/groups/{gid}/members/{stranger.id}", headers=stranger.headers).status_code
        == 204
    )
    assert _kinds(client, owner) == ["member.left", "member.joined", "member.joined"]
    assert _kinds(client, co_owner)[:2] == ["member.left", "member.joined"]
    assert _kinds(client, stranger) == []
    notifications = _get(client, "/users/me/notifications", owner)
    assert {n["actor_id"] for n in notifications} == {co_owner.id, stranger.id}
    assert "@" not in json.dumps(notifications)


def test_a_new_join_policy_reaches_synced_clients_member_by_member(
    client: FlaskClient, make_user: Any
) -> None:
    owner, member = make_user(), make_user()
    group = new_group(client, owner)
    join(client, group, member)
    url = f"/groups/{group['id']}"
    first = _get(client, "/users/me/changes", member)
    cursor = quote(first["cursor"])

    def since(cursor: str) -> tuple[dict[tuple[str, int], Any], str]:
        body = _get(client, f"/users/me/changes?cursor={cursor}", member)
        assert body["has_more"] is False
        changes = {(c["type"], c["id"]): c["data"] for c in body["changes"]}
        return changes, quote(body["cursor"])

    client.patch(url, json={"join_policy": "open"}, headers=owner.headers)
    changes, cursor = since(cursor)
    assert changes[("member", owner.id)]["email"] is None
    assert changes[("member", member.id)]["email"] == member.email
    assert _emails_in(changes[("group", group["id"])]) == {member.email}
    # A change that leaves the policy alone does not send the members again.
    client.patch(url, json={"name": "Renamed"}, headers=owner.headers)
    changes, cursor = since(cursor)
    assert set(changes) == {("group", group["id"])}
    client.patch(url, json={"join_policy": "invite"}, headers=owner.headers)
    changes, _ = since(cursor)
    assert changes[("member", owner.id)]["email"] == owner.email
