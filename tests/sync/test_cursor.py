"""The sync cursor reveals nothing and cannot be edited, borrowed or made up.

It used to be readable base64 JSON holding the user id and the server's transaction
counters; it is now sealed (AES-GCM under a key derived from the app's secret). A cursor
that is malformed, edited, another user's, another server's, or of the old readable kind
answers 422 at `cursor`, and the client starts again without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import add_expense, new_group
from tests.problems import assert_problem


def changes(client: FlaskClient, account: Any, cursor: str | None = None, **query: Any) -> Any:
    params = {**query, **({"cursor": cursor} if cursor is not None else {})}
    return client.get("/users/me/changes", query_string=params, headers=account.headers)


def assert_refused(response: Any) -> None:
    assert_problem(response, 422, "validation-error")
    assert "cursor" in response.get_json()["errors"]


def padded_bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mid_window_cursor(client: FlaskClient, account: Any) -> str:
    """A cursor in the middle of a window: it holds a horizon and a position."""
    group = new_group(client, account)
    for _ in range(3):
        add_expense(client, group["id"], account)
    body = changes(client, account, limit=1).get_json()
    assert body["has_more"]
    return body["cursor"]


def test_a_cursor_shows_neither_the_user_nor_the_servers_counters(
    client: FlaskClient, user: Any
) -> None:
    cursor = mid_window_cursor(client, user)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    raw = padded_bytes(cursor)
    with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
        json.loads(raw)
    # No readable structure anywhere in it (strings long enough not to turn up by chance).
    for leak in (b'"s":"', b'"a":', b'"k":[', f'"u":{user.id}'.encode(), b"sqlite", b"full"):
        assert leak not in raw
    # The same place gives a different cursor each time: not even equality shows.
    again = changes(client, user, cursor).get_json()
    assert again["cursor"] != cursor


def test_a_cursor_carries_on_where_it_stood(client: FlaskClient, user: Any) -> None:
    group = new_group(client, user)
    add_expense(client, group["id"], user)
    first = changes(client, user).get_json()
    assert not first["has_more"]
    assert changes(client, user, first["cursor"]).get_json()["changes"] == []
    add_expense(client, group["id"], user)
    later = changes(client, user, first["cursor"]).get_json()["changes"]
    assert [change["type"] for change in later].count("group_expense") == 1


def test_an_edited_truncated_or_made_up_cursor_is_refused(client: FlaskClient, user: Any) -> None:
    cursor = mid_window_cursor(client, user)
    raw = bytearray(padded_bytes(cursor))
    edited = []
    for index in (0, 1, len(raw) // 2, len(raw) - 1):  # version, nonce, ciphertext, tag
        copy = bytearray(raw)
        copy[index] ^= 0x01
        edited.append(base64.urlsafe_b64encode(bytes(copy)).decode().rstrip("="))
    for bad in [*edited, cursor[:-4], cursor + "A", cursor[:20], "A" * 80, "%%%", "a.b"]:
        assert_refused(changes(client, user, bad))
    # The real one still works after all that.
    assert changes(client, user, cursor).status_code == 200


def test_another_users_cursor_is_refused(client: FlaskClient, make_user: Any) -> None:
    me, other = make_user(), make_user()
    mine = mid_window_cursor(client, me)
    assert_refused(changes(client, other, mine))


def test_a_cursor_of_another_server_is_refused(
    client: FlaskClient, user: Any, app_factory: Any
) -> None:
    cursor = mid_window_cursor(client, user)
    elsewhere = app_factory(SECRET_KEY="another server's secret key, also long enough " * 2)
    assert_refused(changes(elsewhere.test_client(), user, cursor))


def test_an_old_readable_cursor_is_refused_and_the_client_starts_again(
    app: Flask, client: FlaskClient, user: Any
) -> None:
    # The earlier format, signed with the app's secret: readable JSON, then an HMAC.
    payload = json.dumps(
        {"u": user.id, "d": "sqlite", "s": "done", "a": None, "b": None, "k": []},
        separators=(",", ":"),
    ).encode()
    key = ("sync-cursor:" + app.config["SECRET_KEY"]).encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()[:18]
    old = "{}.{}".format(
        base64.urlsafe_b64encode(payload).decode().rstrip("="),
        base64.urlsafe_b64encode(signature).decode().rstrip("="),
    )
    assert_refused(changes(client, user, old))
    assert changes(client, user).status_code == 200
