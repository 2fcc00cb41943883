"""Over HTTP: every name (a person's, a group's, a guest's) needs a visible character.

A name of zero-width, format, control or whitespace characters only answers 422 at the
name's field and changes nothing; a real name with a joiner inside is kept as sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import new_group, registration
from tests.problems import assert_problem

INVISIBLE_NAMES = [
    "\u200b" * 150,  # zero-width spaces
    "\u200d\u200c",  # joiners alone
    "\ufeff\u00ad",  # a BOM and a soft hyphen
    " \u2060\t\u0085 ",  # a word joiner among whitespace and a control
]
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by ZWJs
DEVANAGARI = "\u0915\u094d\u200d\u0937\u093e"  # a half form spelt with a ZWJ


def assert_refused_at(response: Any, field: str) -> None:
    assert_problem(response, 422, "validation-error")
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_signing_up_with_an_invisible_name_is_refused(client: FlaskClient, name: str) -> None:
    body = registration(full_name=name)
    assert_refused_at(client.post("/users/", json=body), "full_name")
    # Nothing was created: the email is still free.
    body["full_name"] = FAMILY
    created = client.post("/users/", json=body)
    assert created.status_code == 201
    assert created.get_json()["full_name"] == FAMILY


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_renaming_yourself_to_an_invisible_name_is_refused(
    client: FlaskClient, user: Any, name: str
) -> None:
    response = client.patch("/users/me", json={"full_name": name}, headers=user.headers)
    assert_refused_at(response, "full_name")
    assert client.get("/users/me", headers=user.headers).get_json()["full_name"] == user.full_name
    renamed = client.patch("/users/me", json={"full_name": DEVANAGARI}, headers=user.headers)
    assert renamed.status_code == 200
    assert renamed.get_json()["full_name"] == DEVANAGARI


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_group_needs_a_visible_name(client: FlaskClient, user: Any, name: str) -> None:
    assert_refused_at(client.post("/groups/", json={"name": name}, headers=user.headers), "name")
    assert client.get("/groups/", headers=user.headers).get_json() == []
    group = new_group(client, user, name=FAMILY)
    path = f"/groups/{group['id']}"
    assert_refused_at(client.patch(path, json={"name": name}, headers=user.headers), "name")
    assert client.get(path, headers=user.headers).get_json()["name"] == FAMILY


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_guest_needs_a_visible_name(client: FlaskClient, user: Any, name: str) -> None:
    group = new_group(client, user)
    path = f"/groups/{group['id']}/guests"
    refused = client.post(path, json={"full_name": name}, headers=user.headers)
    assert_refused_at(refused, "full_name")
    members = client.get(f"/groups/{group['id']}/members", headers=user.headers).get_json()
    assert len(members) == 1
    added = client.post(path, json={"full_name": DEVANAGARI}, headers=user.headers)
    assert added.status_code == 201, added.get_json()
