"""Password guessing: the sign-in limits cover every password check (POST /token and the
current_password of PATCH / DELETE /users/me), and a stranger's failures cannot lock the
owner out of their own account, while a guesser spread over many addresses is still stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD
from tests.problems import assert_problem

WRONG_PASSWORD = "not the right password"
NEW_PASSWORD = "a brand new password"
OWNER_ADDRESS = "192.0.2.10"
STRANGER_ADDRESSES = [f"198.51.100.{n}" for n in range(1, 20)]

AppFactory = Callable[..., Flask]
# What these tests meet: an account allows three failed password checks a minute.
ACCOUNT_LIMIT = {"RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute"}


def sign_in(client: FlaskClient, email: str, password: str, ip: str) -> Any:
    return client.post(
        "/token",
        data={"username": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def bearer(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def change_password(client: FlaskClient, headers: dict[str, str], current: str, ip: str) -> Any:
    return client.patch(
        "/users/me",
        json={"password": NEW_PASSWORD, "current_password": current},
        headers=headers,
        environ_base={"REMOTE_ADDR": ip},
    )


def delete_account(client: FlaskClient, headers: dict[str, str], current: str, ip: str) -> Any:
    return client.delete(
        "/users/me",
        json={"current_password": current},
        headers=headers,
        environ_base={"REMOTE_ADDR": ip},
    )


def assert_rate_limited(response: Any) -> None:
    assert_problem(response, 429, "rate-limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 3600


# -- item 3: current_password is a password check, limited like a sign-in -------------------


@pytest.mark.parametrize("check", [change_password, delete_account])
def test_guessing_the_current_password_is_stopped_at_the_sign_in_limit(
    make_app: AppFactory, user: Any, check: Callable[..., Any]
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    for _ in range(3):
        assert_problem(check(client, user.headers, WRONG_PASSWORD, "203.0.113.5"), 403, "forbidden")
    assert_rate_limited(check(client, user.headers, WRONG_PASSWORD, "203.0.113.5"))
    # From that address the right password waits too: it could be the guesser's.
    assert_rate_limited(check(client, user.headers, PASSWORD, "203.0.113.5"))


def test_current_password_failures_and_sign_in_failures_share_one_budget(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    assert_problem(
        change_password(client, user.headers, WRONG_PASSWORD, "203.0.113.5"), 403, "forbidden"
    )
    assert_problem(
        delete_account(client, user.headers, WRONG_PASSWORD, "203.0.113.6"), 403, "forbidden"
    )
    assert_problem(sign_in(client, user.email, WRONG_PASSWORD, "203.0.113.7"), 401, "unauthorized")
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, "203.0.113.8"))


def test_current_password_checks_count_against_the_sign_in_limit_per_address(
    make_app: AppFactory, make_user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT, RATELIMIT_LOGIN_PER_IP="2 per minute").test_client()
    for account in (make_user(), make_user()):
        response = change_password(client, account.headers, WRONG_PASSWORD, "203.0.113.5")
        assert_problem(response, 403, "forbidden")
    third = make_user()
    assert_rate_limited(change_password(client, third.headers, WRONG_PASSWORD, "203.0.113.5"))
    assert sign_in(client, third.email, PASSWORD, "203.0.113.6").status_code == 200


def test_the_owner_changes_the_password_from_a_known_address_while_a_token_thief_guesses(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    owner = bearer(sign_in(client, user.email, PASSWORD, OWNER_ADDRESS))
    # Someone holding a copied token guesses from elsewhere, until the account's limit.
    for ip in STRANGER_ADDRESSES[:3]:
        assert_problem(change_password(client, user.headers, WRONG_PASSWORD, ip), 403, "forbidden")
    assert_rate_limited(change_password(client, user.headers, PASSWORD, STRANGER_ADDRESSES[3]))
    assert change_password(client, owner, PASSWORD, OWNER_ADDRESS).status_code == 200


def test_requests_without_a_current_password_keep_the_general_limit_only(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT, RATELIMIT_LOGIN_PER_IP="1 per minute").test_client()
    for number in range(4):
        response = client.patch(
            "/users/me", json={"full_name": f"Name {number}"}, headers=user.headers
        )
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "1000"


# -- item 4: a stranger cannot lock the owner out --------------------------------------------


def test_strangers_failures_do_not_lock_the_owner_out_of_their_own_address(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200
    for ip in STRANGER_ADDRESSES[:3]:
        assert_problem(sign_in(client, user.email, WRONG_PASSWORD, ip), 401, "unauthorized")
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, STRANGER_ADDRESSES[3]))
    # The owner, from the address they signed in from, still signs in: again and again,
    # while the stranger keeps failing.
    for ip in STRANGER_ADDRESSES[4:8]:
        assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200
        assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, ip))


def test_the_lockout_as_reported_with_the_default_limits(make_app: AppFactory, user: Any) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="5 per minute; 30 per hour").test_client()
    assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200
    for ip in STRANGER_ADDRESSES[:5]:
        assert_problem(sign_in(client, user.email, WRONG_PASSWORD, ip), 401, "unauthorized")
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, STRANGER_ADDRESSES[5]))
    assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200


def test_behind_a_trusted_proxy_the_owner_is_told_apart_by_the_forwarded_address(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT, TRUSTED_PROXY_HOPS=1).test_client()

    def forwarded_sign_in(password: str, ip: str) -> Any:
        return client.post(
            "/token",
            data={"username": user.email, "password": password},
            headers={"X-Forwarded-For": ip},
        )

    assert forwarded_sign_in(PASSWORD, OWNER_ADDRESS).status_code == 200
    for ip in STRANGER_ADDRESSES[:3]:
        assert_problem(forwarded_sign_in(WRONG_PASSWORD, ip), 401, "unauthorized")
    assert_rate_limited(forwarded_sign_in(WRONG_PASSWORD, STRANGER_ADDRESSES[3]))
    assert forwarded_sign_in(PASSWORD, OWNER_ADDRESS).status_code == 200


def test_a_guesser_spread_over_many_addresses_is_stopped_and_learns_nothing(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200
    for ip in STRANGER_ADDRESSES[:3]:
        assert_problem(sign_in(client, user.email, WRONG_PASSWORD, ip), 401, "unauthorized")
    # Every further address is refused before its password is checked: even the right
    # password gets the same 429, so guessing from fresh addresses tells nothing.
    for ip in STRANGER_ADDRESSES[3:]:
        assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, ip))
    assert_rate_limited(sign_in(client, user.email, PASSWORD, "203.0.113.99"))


def test_a_guesser_at_the_owners_address_is_stopped_by_that_addresss_own_limit(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    assert sign_in(client, user.email, PASSWORD, OWNER_ADDRESS).status_code == 200
    for _ in range(3):
        assert_problem(
            sign_in(client, user.email, WRONG_PASSWORD, OWNER_ADDRESS), 401, "unauthorized"
        )
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, OWNER_ADDRESS))
    assert_rate_limited(sign_in(client, user.email, PASSWORD, OWNER_ADDRESS))


def test_an_address_is_known_only_to_the_account_that_signed_in_from_it(
    make_app: AppFactory, user: Any, other_user: Any
) -> None:
    client = make_app(**ACCOUNT_LIMIT).test_client()
    # A stranger signs in to their own account from the address they then guess from.
    assert sign_in(client, other_user.email, PASSWORD, STRANGER_ADDRESSES[0]).status_code == 200
    for ip in STRANGER_ADDRESSES[1:4]:
        assert_problem(sign_in(client, user.email, WRONG_PASSWORD, ip), 401, "unauthorized")
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, STRANGER_ADDRESSES[0]))
