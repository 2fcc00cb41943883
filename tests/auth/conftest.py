"""In tests/auth/ users sign up through `POST /users/` and sign in through `POST /token`:
signing up and signing in are what these tests are about. Elsewhere make_user makes them
by the service layer (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import Account


@pytest.fixture
def make_user(make_user_via_api: Callable[..., Account]) -> Callable[..., Account]:
    """make_user, and so `user` and `other_user`, through the API."""
    return make_user_via_api
