"""Sign-in, password change and refresh racing each other, with real concurrent requests.

Each round releases several requests at once from threads, each through its own Flask
test client, on the test database: every request has its own database connection and
transaction, as in a server with several workers or threads. On PostgreSQL the
transactions truly overlap; on SQLite (one writer at a time) they interleave between
statements, which is enough for both races: the development server runs requests in
threads too. tests/auth/test_auth.py replays the same interleavings step by step, in the
fast suite.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.factories import PASSWORD, bearer
from tests.problems import assert_problem

pytestmark = pytest.mark.slow

PASSWORD_CHANGES = 10
# Sign-ins with the old password per change, started STAGGER seconds apart from the
# change's start: they span it from its first bcrypt check to after its commit, so that
# some read the old password hash just before the change commits.
SIGN_INS = 8
STAGGER = 0.004
REFRESH_ROUNDS = 20


@pytest.fixture
def racing_app(app_factory: Callable[..., Flask]) -> Flask:
    # bcrypt at cost 6 (a few ms) rather than the suite's 4: a sign-in takes long enough
    # between reading the password hash and creating its session for the change to commit.
    return app_factory(BCRYPT_LOG_ROUNDS=6)


def at_once(*calls: Callable[[], TestResponse]) -> list[TestResponse]:
    """Run the calls in threads released together; their responses in the same order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], TestResponse]) -> TestResponse:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


def sign_in(app: Flask, email: str, password: str) -> TestResponse:
    return app.test_client().post("/token", data={"username": email, "password": password})


def test_no_token_from_a_sign_in_racing_a_password_change_works(racing_app: Flask) -> None:
    client = racing_app.test_client()
    email = "racer@example.com"
    registered = client.post(
        "/users/", json={"email": email, "password": PASSWORD, "full_name": "Racer"}
    )
    assert registered.status_code == 201
    password = PASSWORD
    old_password_sign_ins = 0
    working: list[dict[str, Any]] = []
    for number in range(PASSWORD_CHANGES):
        new_password = f"new password number {number}"
        access = sign_in(racing_app, email, password).get_json()["access_token"]

        def change(old: str = password, new: str = new_password, token: str = access) -> Any:
            return racing_app.test_client().patch(
                "/users/me", json={"password": new, "current_password": old}, headers=bearer(token)
            )

        def sign_in_after(delay: float, old: str = password) -> Callable[[], TestResponse]:
            def call() -> TestResponse:
                time.sleep(delay)
                return sign_in(racing_app, email, old)

            return call

        changed, *sign_ins = at_once(
            change, *(sign_in_after(step * STAGGER) for step in range(SIGN_INS))
        )
        assert changed.status_code == 200, changed.get_json()
        for response in sign_ins:
            if response.status_code != 200:
                assert_problem(response, 401, "unauthorized")
                continue
            old_password_sign_ins += 1
            pair = response.get_json()
            me = client.get("/users/me", headers=bearer(pair["access_token"]))
            refreshed = client.post("/token/refresh", headers=bearer(pair["refresh_token"]))
            if me.status_code != 401 or refreshed.status_code != 401:
                working.append({"me": me.status_code, "refresh": refreshed.status_code})
        password = new_password
    # Some sign-ins checked the old password while the change ran: the race was run.
    assert old_password_sign_ins > 0
    assert working == [], f"{len(working)} of {old_password_sign_ins} old-password sign-ins work"


def test_of_two_refreshes_with_one_token_at_once_one_wins_and_the_session_lives(
    racing_app: Flask,
) -> None:
    client = racing_app.test_client()
    email = "tabs@example.com"
    client.post("/users/", json={"email": email, "password": PASSWORD, "full_name": "Tabs"})
    outcomes: Counter[str] = Counter()
    for _ in range(REFRESH_ROUNDS):
        pair = sign_in(racing_app, email, PASSWORD).get_json()

        def refresh(token: str = pair["refresh_token"]) -> TestResponse:
            return racing_app.test_client().post("/token/refresh", headers=bearer(token))

        responses = at_once(refresh, refresh)
        statuses = sorted(response.status_code for response in responses)
        if statuses != [200, 401]:
            outcomes[f"statuses {statuses}"] += 1
            continue
        winner, loser = sorted(responses, key=lambda response: response.status_code)
        new_pair = winner.get_json()
        me = client.get("/users/me", headers=bearer(new_pair["access_token"]))
        again = client.post("/token/refresh", headers=bearer(new_pair["refresh_token"]))
        if (me.status_code, again.status_code) != (200, 200):
            outcomes["the winner's tokens stopped working: the session ended"] += 1
        elif "another request of the same session" not in loser.get_json()["detail"]:
            outcomes[f"the loser was told {loser.get_json()['detail']!r}"] += 1
        else:
            outcomes["one won, the other was told it lost, the session lives"] += 1
    assert outcomes == {"one won, the other was told it lost, the session lives": REFRESH_ROUNDS}
