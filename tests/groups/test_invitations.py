"""`GET /groups/invites/{invite_code}`: which group a code leads to, before joining it.

Whoever holds a group's current code may see its name, member count and join policy (as
they may join it); any other code is 404. Look-ups are limited like password checks, so
codes cannot be guessed: per client address always, per user for codes that lead nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account, join, new_group
from tests.problems import assert_problem


def look_up(client: FlaskClient, account: Account, code: str, ip: str = "192.0.2.1") -> Any:
    return client.get(
        f"/groups/invites/{code}", headers=account.headers, environ_base={"REMOTE_ADDR": ip}
    )


def assert_not_found(response: Any) -> None:
    assert_problem(response, 404, "not-found")


def test_the_holder_of_a_code_sees_which_group_it_leads_to(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, friend, stranger = make_user(), make_user(), make_user()
    group = new_group(client, owner, name="Flat 3B", description="Bills")
    join(client, group, friend)
    response = look_up(client, stranger, group["invite_code"])
    assert response.status_code == 200
    assert response.get_json() == {
        "group_id": group["id"],
        "name": "Flat 3B",
        "member_count": 2,
        "join_policy": "invite",
    }
    # Nothing that only members see: no members, no code, no description.
    assert look_up(client, owner, group["invite_code"]).get_json() == response.get_json()
    # Looking changes nothing: the stranger is still no member.
    assert_problem(client.get(f"/groups/{group['id']}", headers=stranger.headers), 404, "not-found")


def test_a_code_no_group_has_is_not_found(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner, someone = make_user(), make_user()
    group = new_group(client, owner)
    old_code = group["invite_code"]
    rotated = client.post(f"/groups/{group['id']}/invite-code", headers=owner.headers)
    assert rotated.status_code == 200
    for code in (old_code, old_code.upper() + "x", "nonsense", "x" * 300, "%E2%80%8B"):
        assert_not_found(look_up(client, someone, code))
    new_code = rotated.get_json()["invite_code"]
    assert look_up(client, someone, new_code).status_code == 200
    # A deleted group's code leads nowhere either.
    assert client.delete(f"/groups/{group['id']}", headers=owner.headers).status_code == 204
    assert_not_found(look_up(client, someone, new_code))


def test_looking_up_a_code_needs_a_token(client: FlaskClient, user: Account) -> None:
    group = new_group(client, user)
    response = client.get(f"/groups/invites/{group['invite_code']}")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- guessing ------------------------------------------------------------------------------


def assert_rate_limited(response: Any) -> None:
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_guessing_codes_as_one_user_is_cut_off(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    owner, guesser = make_user(), make_user()
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute").test_client()
    code = new_group(client, owner)["invite_code"]
    # Right codes cost the holder nothing of this allowance; wrong ones do.
    for _ in range(5):
        assert look_up(client, guesser, code).status_code == 200
    for attempt in range(3):
        assert_not_found(look_up(client, guesser, f"guess-{attempt}", ip=f"198.51.100.{attempt}"))
    # Cut off from any address, and the right code is refused the same way (no oracle).
    assert_rate_limited(look_up(client, guesser, "guess-9", ip="203.0.113.9"))
    assert_rate_limited(look_up(client, guesser, code, ip="203.0.113.9"))
    # Others are not held back by this user's guesses.
    assert look_up(client, owner, code).status_code == 200


def test_guessing_codes_from_one_address_with_many_accounts_is_cut_off(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    owner = make_user()
    client = make_app(RATELIMIT_LOGIN_PER_IP="4 per minute").test_client()
    code = new_group(client, owner)["invite_code"]
    guessers = [make_user() for _ in range(4)]
    for number, guesser in enumerate(guessers):
        assert_not_found(look_up(client, guesser, f"guess-{number}", ip="198.51.100.7"))
    assert_rate_limited(look_up(client, make_user(), "guess-x", ip="198.51.100.7"))
    assert_rate_limited(look_up(client, owner, code, ip="198.51.100.7"))
    # Another address still gets answers.
    assert look_up(client, owner, code, ip="203.0.113.5").status_code == 200


def test_looking_up_codes_does_not_use_up_the_sign_in_allowance(
    make_app: Callable[..., Flask], make_user: Callable[..., Account]
) -> None:
    user = make_user()
    client = make_app(RATELIMIT_LOGIN_PER_IP="2 per minute").test_client()
    for number in range(2):
        assert_not_found(look_up(client, user, f"guess-{number}"))
    assert_rate_limited(look_up(client, user, "guess-2"))
    signed_in = client.post(
        "/token",
        data={"username": user.email, "password": user.password},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert signed_in.status_code == 200
