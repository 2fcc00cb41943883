"""The order of the pipeline's refusals (expense_tracker/http/pipeline.py): a stranger's
body is refused for the stranger (401) before its size (413) and its type (415), and a
refused body costs no request of the rate limit (429); without a body, the limits count
first and the 401 comes after them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

AppFactory = Callable[..., Flask]
EXPENSE = b'{"amount": "3.20", "category": "Coffee", "payment_method": "cash"}'
TOO_BIG = b"x" * 2_000_000
STRANGER = {"Authorization": "Bearer not-a-token"}


@pytest.fixture
def limited(app_factory: AppFactory) -> Flask:
    """An app whose general limit allows two requests a minute, and 1 kB bodies."""
    return app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_DEFAULT="2 per minute",
        MAX_CONTENT_LENGTH=1024,
    )


def post(app: Flask, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    response = app.test_client().post(
        "/expenses/", data=body, headers={**headers, "Content-Type": content_type}
    )
    assert response.mimetype == "application/problem+json" or response.status_code < 400
    return response.status_code


@pytest.mark.parametrize(
    ("body", "content_type", "headers_of", "expected"),
    [
        # A stranger: 401 whatever the body's size and type.
        (TOO_BIG, "text/plain", lambda user: STRANGER, 401),
        (TOO_BIG, "application/json", lambda user: {}, 401),
        # The caller is known: the size (413) before the type (415).
        (TOO_BIG, "text/plain", lambda user: user.headers, 413),
        (EXPENSE, "text/plain", lambda user: user.headers, 415),
    ],
)
def test_a_body_is_judged_for_its_caller_then_its_size_then_its_type(
    limited: Flask, user, body, content_type, headers_of, expected
) -> None:
    assert post(limited, body, content_type, headers_of(user)) == expected


def test_refused_bodies_use_none_of_the_limit_and_the_third_request_is_a_429(
    limited: Flask, user
) -> None:
    for _ in range(3):
        assert post(limited, TOO_BIG, "text/plain", STRANGER) == 401
        assert post(limited, TOO_BIG, "text/plain", user.headers) == 413
        assert post(limited, EXPENSE, "text/plain", user.headers) == 415
    assert post(limited, EXPENSE, "application/json", user.headers) == 201
    assert post(limited, EXPENSE, "application/json", user.headers) == 201
    # The limit is full: even a refused body's refusal comes first, the 429 after it.
    assert post(limited, EXPENSE, "text/plain", user.headers) == 415
    assert post(limited, EXPENSE, "application/json", user.headers) == 429


def test_without_a_body_the_limits_count_before_the_token_is_refused(limited: Flask) -> None:
    client = limited.test_client()
    assert [client.get("/expenses/", headers=STRANGER).status_code for _ in range(3)] == [
        401,
        401,
        429,
    ]
