"""The adversary's view: a stranger finds an open group, joins, reads every answer the API
gives about it (every GET route of the application, generated from its URL map, with the
ids of everything in the group), and leaves again. No answer may hold an email address
other than the stranger's own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, Account, add_expense, join, new_group

# Routes that serve no data of anyone's: the web app's files, the API docs.
NOT_DATA = ("/app", "/static", "/docs", "/openapi.json")
# Query strings tried on every route (unknown parameters are ignored).
QUERIES = ("", "?include_former=true&limit=200", "?deleted=only&limit=200")
# Ids tried for a path parameter the test knows nothing about (a route added later).
SOME_IDS = (1, 2, 3, 4, 5)


def _emails_in(value: Any) -> set[str]:
    """Every string in a JSON document that could be an email address."""
    if isinstance(value, dict):
        return {found for item in value.values() for found in _emails_in(item)}
    if isinstance(value, list):
        return {found for item in value for found in _emails_in(item)}
    return {value} if isinstance(value, str) and "@" in value else set()


def _urls(app: Flask, ids: dict[str, list[int]]) -> Iterator[str]:
    """Every GET URL of the app, each path parameter filled with every id it may take."""
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(NOT_DATA):
            continue
        names = sorted(rule.arguments)
        choices = [ids.get(name, list(SOME_IDS)) for name in names]
        for values in itertools.product(*choices):
            path = rule.rule
            for name, value in zip(names, values, strict=True):
                path = path.replace(f"<int:{name}>", str(value))
            for query in QUERIES:
                yield path + query


def _read_everything(
    app: Flask, client: FlaskClient, me: Account, ids: dict[str, list[int]], *, at_least: int
) -> dict[str, set[str]]:
    """The emails of others found in any answer, by URL (`at_least` answers must be 200)."""
    leaks: dict[str, set[str]] = {}
    read = 0
    for url in _urls(app, ids):
        response = client.get(url, headers=me.headers)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        read += 1
        if response.is_json:
            found = _emails_in(response.get_json())
        else:  # the CSV export: every cell
            found = {cell for cell in response.get_data(as_text=True).split(",") if "@" in cell}
        if found - {me.email}:
            leaks[url] = found - {me.email}
    # The change feed, paged to its end.
    cursor = ""
    while True:
        page = client.get(f"/users/me/changes?limit=500{cursor}", headers=me.headers).get_json()
        if found := _emails_in(page["changes"]) - {me.email}:
            leaks["/users/me/changes"] = found
        if not page["has_more"]:
            break
        cursor = f"&cursor={quote(page['cursor'])}"
    assert read >= at_least  # the walk did read what it should
    return leaks


def test_a_stranger_who_joins_an_open_group_learns_no_ones_email(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    owner, friend, former, gone, stranger = (make_user() for _ in range(5))
    group = new_group(client, owner, join_policy="open", name="Flatshare")
    gid = group["id"]
    join(client, group, friend, former, gone)
    guest = client.post(f"/groups/{gid}/guests", json={"full_name": "Guest"}, headers=owner.headers)
    assert guest.status_code == 201
    assert (
        client.delete(f"/groups/{gid}/members/{former.id}", headers=former.headers).status_code
        == 204
    )
    deleted = client.delete("/users/me", json={"current_password": PASSWORD}, headers=gone.headers)
    assert deleted.status_code == 204
    expense = add_expense(client, gid, owner, participants=[owner.id, friend.id])
    settlement = client.post(
        f"/groups/{gid}/settlements",
        json={"to_user": owner.id, "amount": "5.00"},
        headers=friend.headers,
    ).get_json()
    comments = f"/groups/{gid}/expenses/{expense['id']}/comments"
    comment = client.post(
        comments, json={"body": "paid in cash"}, headers=friend.headers
    ).get_json()
    client.patch(f"/groups/{gid}", json={"description": "Rent and bills"}, headers=owner.headers)

    # The stranger finds it, joins, and reads everything.
    found = client.get("/groups/search/?q=flat", headers=stranger.headers).get_json()
    assert [g["id"] for g in found] == [gid]
    assert client.post(f"/groups/{gid}/join", json={}, headers=stranger.headers).status_code == 201
    people = [owner.id, friend.id, former.id, gone.id, guest.get_json()["user_id"], stranger.id]
    ids = {
        "group_id": [gid],
        "expense_id": [expense["id"]],
        "settlement_id": [settlement["id"]],
        "comment_id": [comment["id"]],
        "user_id": people,
        "guest_id": [guest.get_json()["user_id"]],
    }
    assert _read_everything(app, client, stranger, ids, at_least=60) == {}

    # ... and leaves again: nothing they can still read shows an email either.
    assert (
        client.delete(f"/groups/{gid}/members/{stranger.id}", headers=stranger.headers).status_code
        == 204
    )
    assert _read_everything(app, client, stranger, ids, at_least=10) == {}
