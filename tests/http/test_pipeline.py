"""The request pipeline around every view: its order, and views left as registered."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from expense_tracker.extensions import db
from expense_tracker.models import Expense, IdempotencyRecord
from expense_tracker.openapi import NOT_IDEMPOTENT_PATHS
from tests.problems import assert_problem

AppFactory = Callable[..., Flask]
EXPENSE = {"amount": "3.20", "category": "Coffee", "payment_method": "cash"}


@pytest.fixture
def limited(app_factory: AppFactory) -> Flask:
    """An app whose general limit allows two requests a minute."""
    return app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_DEFAULT="2 per minute"
    )


def test_every_application_serves_the_views_as_the_blueprints_registered_them(
    app_factory: AppFactory,
) -> None:
    first = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    second = app_factory(RATELIMIT_ENABLED=False)
    api_endpoints = [
        endpoint
        for endpoint in first.view_functions
        if endpoint.split(".")[0] in {"auth", "expenses", "groups", "health"}
    ]
    assert len(api_endpoints) > 30
    for endpoint in api_endpoints:
        assert first.view_functions[endpoint] is second.view_functions[endpoint], endpoint


def test_refused_bodies_are_refused_before_the_rate_limits_and_do_not_count(
    limited: Flask, user: Any
) -> None:
    client = limited.test_client()
    # 401 (a body without a token), 413 and 415 come first, and cost nothing.
    assert_problem(client.post("/expenses/", json=EXPENSE), 401, "unauthorized")
    too_large = client.post(
        "/expenses/",
        data=b"x" * (limited.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/json",
        headers=user.headers,
    )
    assert_problem(too_large, 413, "payload-too-large")
    form = client.post("/expenses/", data={"amount": "1"}, headers=user.headers)
    assert_problem(form, 415, "unsupported-media-type")
    assert client.post("/expenses/", json=EXPENSE, headers=user.headers).status_code == 201
    assert client.post("/expenses/", json=EXPENSE, headers=user.headers).status_code == 201
    assert_problem(
        client.post("/expenses/", json=EXPENSE, headers=user.headers), 429, "rate-limited"
    )
    # Over the limit, a refused body is still answered for what it is.
    assert_problem(
        client.post("/expenses/", data={"a": "1"}, headers=user.headers),
        415,
        "unsupported-media-type",
    )


def test_requests_without_a_body_count_before_the_token_is_checked(limited: Flask) -> None:
    client = limited.test_client()
    assert_problem(client.get("/expenses/"), 401, "unauthorized")
    assert_problem(client.get("/expenses/"), 401, "unauthorized")
    assert_problem(client.get("/expenses/"), 429, "rate-limited")


def test_a_refused_request_writes_no_idempotency_key_and_a_replay_counts(
    limited: Flask, user: Any
) -> None:
    client = limited.test_client()
    headers = {**user.headers, "Idempotency-Key": "coffee"}
    first = client.post("/expenses/", json=EXPENSE, headers=headers)
    replay = client.post("/expenses/", json=EXPENSE, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    refused = client.post("/expenses/", json=EXPENSE, headers={**headers, "Idempotency-Key": "t"})
    assert_problem(refused, 429, "rate-limited")
    with limited.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 1


def test_the_import_counts_against_its_own_limit_on_top_of_the_general_one(
    limited: Flask, user: Any
) -> None:
    client = limited.test_client()
    csv_body = b"date,category,amount,currency,description,payment_method\n"

    def upload() -> Any:
        return client.post(
            "/expenses/import",
            data={"file": (io.BytesIO(csv_body), "e.csv")},
            content_type="multipart/form-data",
            headers=user.headers,
        )

    for _ in range(2):
        response = upload()
        assert_problem(response, 422, "validation-error")
        assert response.headers["X-RateLimit-Limit"] == "6"  # the tighter one, its own
    # The general budget (two a minute) is used up too: imports count against it as well.
    assert_problem(upload(), 429, "rate-limited")
    assert_problem(client.get("/users/me", headers=user.headers), 429, "rate-limited")


def test_health_checks_are_declared_unlimited(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(4):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def _declared_idempotent(app: Flask, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = view_class.post
    return getattr(view, "idempotency_keys", None) is not None


def test_exactly_the_posts_the_document_names_honour_idempotency_keys(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.endpoint.startswith("api-docs"):
            continue
        documented = rule.rule not in NOT_IDEMPOTENT_PATHS
        assert _declared_idempotent(app, rule.endpoint) == documented, rule.rule
