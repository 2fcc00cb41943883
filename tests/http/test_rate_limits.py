"""Rate limits: sign-in and sign-up per client IP and per account, a general limit per
user, 429 problems with Retry-After, and counts shared between app instances via Redis."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from expense_tracker.extensions import db
from tests.databases import service_unavailable
from tests.factories import PASSWORD
from tests.problems import assert_problem

REDIS_URL = "redis://127.0.0.1:6379/0"
WRONG_PASSWORD = "not the right password"

AppFactory = Callable[..., Flask]


def sign_in(client: FlaskClient, email: str, password: str, ip: str = "192.0.2.1") -> Any:
    return client.post(
        "/token",
        data={"username": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def sign_up(client: FlaskClient, email: str, ip: str = "192.0.2.1") -> Any:
    return client.post(
        "/users/",
        json={"email": email, "password": PASSWORD, "full_name": "Someone"},
        environ_base={"REMOTE_ADDR": ip},
    )


def assert_rate_limited(response: Any) -> None:
    assert_problem(response, 429, "rate-limited")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert response.headers["X-Request-ID"]


def test_guessing_one_accounts_password_from_many_addresses_is_stopped(
    make_app: AppFactory,
) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute").test_client()
    for attempt in range(3):
        response = sign_in(client, "victim@example.com", WRONG_PASSWORD, ip=f"192.0.2.{attempt}")
        assert_problem(response, 401, "unauthorized")
    refused = sign_in(client, "VICTIM@example.com", WRONG_PASSWORD, ip="198.51.100.9")
    assert_rate_limited(refused)
    # Another account, from the same address, is not affected.
    assert_problem(
        sign_in(client, "other@example.com", WRONG_PASSWORD, ip="198.51.100.9"), 401, "unauthorized"
    )


def test_the_account_is_taken_from_a_json_sign_in_body_too(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="2 per minute").test_client()
    for _ in range(2):
        response = client.post(
            "/token", json={"email": "victim@example.com", "password": WRONG_PASSWORD}
        )
        assert_problem(response, 401, "unauthorized")
    refused = client.post("/token", json={"email": "victim@example.com", "password": "x" * 10})
    assert_rate_limited(refused)


def test_successful_sign_ins_do_not_lock_the_account(make_app: AppFactory, user: Any) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="2 per minute").test_client()
    for _ in range(4):
        assert sign_in(client, user.email, user.password).status_code == 200


def test_guessing_many_accounts_from_one_address_is_stopped(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_IP="3 per minute").test_client()
    for number in range(3):
        assert_problem(
            sign_in(client, f"user{number}@example.com", WRONG_PASSWORD), 401, "unauthorized"
        )
    assert_rate_limited(sign_in(client, "user9@example.com", WRONG_PASSWORD))
    # Another address still gets an answer.
    response = sign_in(client, "user9@example.com", WRONG_PASSWORD, ip="203.0.113.5")
    assert_problem(response, 401, "unauthorized")


def test_sign_up_is_limited_per_address(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_SIGNUP_PER_IP="2 per minute").test_client()
    assert sign_up(client, "new1@example.com").status_code == 201
    assert sign_up(client, "new2@example.com").status_code == 201
    assert_rate_limited(sign_up(client, "new3@example.com"))
    assert sign_up(client, "new3@example.com", ip="203.0.113.5").status_code == 201


def test_sign_up_is_limited_per_account(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_SIGNUP_PER_ACCOUNT="2 per minute").test_client()
    assert sign_up(client, "probe@example.com", ip="192.0.2.1").status_code == 201
    assert_problem(sign_up(client, "Probe@Example.com", ip="192.0.2.2"), 409, "conflict")
    assert_rate_limited(sign_up(client, "probe@example.com", ip="192.0.2.3"))


def test_the_general_limit_counts_per_signed_in_user(make_app: AppFactory, make_user: Any) -> None:
    alice, bob = make_user(), make_user()
    client = make_app(RATELIMIT_DEFAULT="3 per minute").test_client()
    for _ in range(3):
        assert client.get("/users/me", headers=alice.headers).status_code == 200
    assert_rate_limited(client.get("/users/me", headers=alice.headers))
    # Bob, from the same address, has his own allowance.
    assert client.get("/users/me", headers=bob.headers).status_code == 200


def test_the_general_limit_is_one_budget_across_every_endpoint(
    make_app: AppFactory, make_user: Any
) -> None:
    alice, bob = make_user(), make_user()
    client = make_app(RATELIMIT_DEFAULT="4 per minute").test_client()
    paths = ["/users/me", "/groups/", "/expenses/", "/users/me/changes"]
    remaining = []
    for path in paths:
        response = client.get(path, headers=alice.headers)
        assert response.status_code == 200, path
        assert response.headers["X-RateLimit-Limit"] == "4"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    # Each request used the one budget, whichever endpoint it went to.
    assert remaining == ["3", "2", "1", "0"]
    for path in ["/groups/", "/currencies", "/users/me/notifications"]:
        refused = client.get(path, headers=alice.headers)
        assert_rate_limited(refused)
        assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Bob does not share Alice's budget: his is whole.
    response = client.get("/groups/", headers=bob.headers)
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "3"


def test_views_with_tighter_limits_count_against_the_general_budget_too(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(RATELIMIT_DEFAULT="3 per minute").test_client()
    # Anonymous requests from one address: sign-in attempts and sign-ups use its budget.
    assert_problem(sign_in(client, user.email, WRONG_PASSWORD), 401, "unauthorized")
    assert sign_up(client, "someone-new@example.com").status_code == 201
    anonymous = {"REMOTE_ADDR": "192.0.2.1"}  # the address sign_in and sign_up use
    assert_problem(client.get("/users/me", environ_base=anonymous), 401, "unauthorized")
    assert_rate_limited(sign_in(client, user.email, user.password))
    assert_rate_limited(client.get("/users/me", environ_base=anonymous))
    # Another address has a budget of its own.
    assert sign_in(client, user.email, user.password, ip="203.0.113.7").status_code == 200


def test_the_general_budget_is_shared_between_app_instances_through_redis(
    make_app: AppFactory, make_user: Any, redis_prefix: str
) -> None:
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "RATELIMIT_DEFAULT": "3 per minute",
        "RATELIMIT_SWALLOW_ERRORS": False,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
    }
    alice = make_user()
    first = make_app(**settings).test_client()
    second = make_app(**settings).test_client()
    assert first.get("/users/me", headers=alice.headers).status_code == 200
    assert second.get("/groups/", headers=alice.headers).status_code == 200
    assert first.get("/expenses/", headers=alice.headers).status_code == 200
    refused = second.get("/users/me/changes", headers=alice.headers)
    assert_rate_limited(refused)
    assert refused.headers["X-RateLimit-Limit"] == "3"


def test_without_a_valid_token_the_general_limit_counts_per_address(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_DEFAULT="2 per minute").test_client()
    garbage = {"Authorization": "Bearer not-a-token"}
    assert_problem(client.get("/users/me", headers=garbage), 401, "unauthorized")
    assert_problem(client.get("/users/me"), 401, "unauthorized")
    assert_rate_limited(client.get("/users/me", headers=garbage))
    other = client.get("/users/me", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert_problem(other, 401, "unauthorized")


def test_a_forged_forwarded_for_does_not_escape_the_limit_without_a_trusted_proxy(
    make_app: AppFactory,
) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_IP="2 per minute", TRUSTED_PROXY_HOPS=0).test_client()
    statuses = [
        client.post(
            "/token",
            data={"username": f"user{n}@example.com", "password": WRONG_PASSWORD},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_behind_a_trusted_proxy_each_client_address_counts_separately(
    make_app: AppFactory,
) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_IP="1 per minute", TRUSTED_PROXY_HOPS=1).test_client()
    for n in range(3):
        response = client.post(
            "/token",
            data={"username": "someone@example.com", "password": WRONG_PASSWORD},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert_problem(response, 401, "unauthorized")


def test_health_checks_are_never_limited(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_DEFAULT="1 per minute").test_client()
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_successful_responses_do_not_tell_clients_to_retry(make_app: AppFactory) -> None:
    response = make_app().test_client().get("/users/me")
    assert_problem(response, 401, "unauthorized")
    assert "Retry-After" not in response.headers
    assert response.headers["X-RateLimit-Limit"] == "1000"


def test_limits_are_off_when_disabled(make_app: AppFactory) -> None:
    client = make_app(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN_PER_ACCOUNT="1 per minute")
    test_client = client.test_client()
    statuses = {sign_in(test_client, "a@example.com", WRONG_PASSWORD).status_code for _ in range(5)}
    assert statuses == {401}


def test_the_suite_runs_without_limits(app: Flask) -> None:
    assert app.config["RATELIMIT_ENABLED"] is False


# -- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test run's own on the real Redis; its keys are removed after."""
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.RedisError as exc:
        connection.close()
        service_unavailable(f"SKIPPED REDIS: no Redis at {REDIS_URL} ({exc})")
    prefix = f"expense-tracker-test-{uuid.uuid4().hex}"
    try:
        yield prefix
    finally:
        keys = list(connection.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            connection.delete(*keys)
        assert not list(connection.scan_iter(match=f"*{prefix}*"))
        connection.close()


def test_two_app_instances_share_the_limit_through_redis(
    make_app: AppFactory, redis_prefix: str
) -> None:
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute",
        # Fail loudly here rather than fall back to per-process memory.
        "RATELIMIT_SWALLOW_ERRORS": False,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
    }
    first = make_app(**settings).test_client()
    second = make_app(**settings).test_client()
    assert_problem(sign_in(first, "victim@example.com", WRONG_PASSWORD), 401, "unauthorized")
    assert_problem(sign_in(second, "victim@example.com", WRONG_PASSWORD), 401, "unauthorized")
    assert_problem(sign_in(first, "victim@example.com", WRONG_PASSWORD), 401, "unauthorized")
    # Three failures in all, two of them on the other instance: this one refuses too.
    assert_rate_limited(sign_in(second, "victim@example.com", WRONG_PASSWORD))
    assert_rate_limited(sign_in(first, "victim@example.com", WRONG_PASSWORD))

    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        assert list(connection.scan_iter(match=f"*{redis_prefix}*"))
    finally:
        connection.close()


def test_an_instance_with_its_own_prefix_does_not_share_counts(
    make_app: AppFactory, redis_prefix: str
) -> None:
    base = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_LOGIN_PER_ACCOUNT": "1 per minute"}
    first = make_app(**base, RATELIMIT_KEY_PREFIX=f"{redis_prefix}-a").test_client()
    second = make_app(**base, RATELIMIT_KEY_PREFIX=f"{redis_prefix}-b").test_client()
    assert_problem(sign_in(first, "victim@example.com", WRONG_PASSWORD), 401, "unauthorized")
    assert_problem(sign_in(second, "victim@example.com", WRONG_PASSWORD), 401, "unauthorized")


def test_spelling_variants_of_one_email_share_the_accounts_limit(
    make_app: AppFactory, user: Any
) -> None:
    client = make_app(RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute").test_client()
    local, domain = user.email.split("@")
    full_width_domain = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in domain)
    variants = [user.email.upper(), f"{local}@{full_width_domain}", f" {user.email} "]
    for number, email in enumerate(variants, start=1):
        assert_problem(
            sign_in(client, email, WRONG_PASSWORD, ip=f"198.51.100.{number}"), 401, "unauthorized"
        )
    assert_rate_limited(sign_in(client, user.email, WRONG_PASSWORD, ip="198.51.100.9"))


def test_sign_in_bodies_cannot_be_padded_past_the_account_limit(make_app: AppFactory, user: Any):
    client = make_app().test_client()
    response = client.post(
        "/token",
        data={"username": user.email, "password": WRONG_PASSWORD, "scope": "x" * 20_000},
    )
    assert_problem(response, 413, "payload-too-large")


def test_csv_imports_have_a_tight_per_user_limit(make_app: AppFactory, user: Any) -> None:
    client = make_app(RATELIMIT_IMPORT="2 per minute").test_client()
    csv_body = b"date,category,amount,currency,description,payment_method\n"

    def upload() -> Any:
        return client.post(
            "/expenses/import",
            data={"file": (io.BytesIO(csv_body), "e.csv")},
            content_type="multipart/form-data",
            headers=user.headers,
        )

    assert_problem(upload(), 422, "validation-error")  # no rows: refused, but it counted
    assert_problem(upload(), 422, "validation-error")
    assert_rate_limited(upload())


def test_replays_count_against_view_limits_and_refusals_write_no_key(
    make_app: AppFactory,
) -> None:
    from sqlalchemy import func, select

    from expense_tracker.models import IdempotencyRecord

    app = make_app(RATELIMIT_SIGNUP_PER_IP="1 per minute")
    client = app.test_client()
    body = {"email": "replay@example.com", "password": PASSWORD, "full_name": "R"}

    def sign_up_with(key: str) -> Any:
        return client.post("/users/", json=body, headers={"Idempotency-Key": key})

    assert sign_up_with("first").status_code == 201
    assert_rate_limited(sign_up_with("first"))  # the replay counts too
    assert_rate_limited(sign_up_with("second"))
    with app.app_context():
        keys = db.session.scalar(select(func.count()).select_from(IdempotencyRecord))
    assert keys == 1  # only the first request's
