"""Accounts and tokens, as a client sees them."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import update

from expense_tracker.database import utcnow
from expense_tracker.extensions import db
from expense_tracker.models import AuthSession
from tests.factories import PASSWORD, bearer
from tests.problems import assert_problem


def login(client, email, password=PASSWORD, **extra):
    return client.post("/token", data={"username": email, "password": password, **extra})


def test_registration_returns_the_user_without_the_hash(client):
    response = client.post(
        "/users/",
        json={"email": "Ana@Example.com", "password": PASSWORD, "full_name": "  Ana  "},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "email", "full_name", "default_currency", "created_at"}
    assert body["full_name"] == "Ana"
    assert body["default_currency"] == "USD"
    assert body["created_at"].endswith("Z")
    assert response.headers["Location"] == "/users/me"


def test_registration_without_trailing_slash_is_the_same_resource(client):
    response = client.post(
        "/users", json={"email": "b@example.com", "password": PASSWORD, "full_name": "B"}
    )
    assert response.status_code == 201


def test_email_taken_in_another_letter_case_is_a_conflict(client, user):
    response = client.post(
        "/users/",
        json={"email": user.email.upper(), "password": PASSWORD, "full_name": "Copy"},
    )
    assert_problem(response, 409, "conflict")


def test_registration_validates_every_field(client):
    response = client.post(
        "/users/",
        json={
            "email": "not-an-email",
            "password": "short",
            "full_name": "   ",
            "default_currency": "XXX",
        },
    )
    assert_problem(response, 422, "validation-error")
    errors = response.get_json()["errors"]
    assert set(errors) == {"email", "password", "full_name", "default_currency"}


def test_registration_refuses_read_only_and_unknown_fields(client):
    response = client.post(
        "/users/",
        json={
            "email": "c@example.com",
            "password": PASSWORD,
            "full_name": "C",
            "id": 7,
            "is_admin": True,
        },
    )
    assert_problem(response, 422, "validation-error")
    assert set(response.get_json()["errors"]) == {"id", "is_admin"}


def test_currency_is_accepted_in_any_case_and_returned_upper_case(client):
    response = client.post(
        "/users/",
        json={
            "email": "d@example.com",
            "password": PASSWORD,
            "full_name": "D",
            "default_currency": "eur",
        },
    )
    assert response.get_json()["default_currency"] == "EUR"


def test_login_with_form_and_with_json(client, user):
    form = login(client, user.email, grant_type="password", scope="", client_id="x")
    assert form.status_code == 200
    body = form.get_json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    as_json = client.post("/token", json={"email": user.email.upper(), "password": PASSWORD})
    assert as_json.status_code == 200


def test_login_refuses_both_username_and_email(client, user):
    response = client.post(
        "/token", json={"email": user.email, "username": user.email, "password": PASSWORD}
    )
    assert_problem(response, 422, "validation-error")


def test_login_refuses_another_grant_type(client, user):
    response = login(client, user.email, grant_type="client_credentials")
    assert_problem(response, 422, "validation-error")


def test_wrong_password_and_unknown_email_get_the_same_401(client, user):
    wrong = login(client, user.email, "wrong password!")
    unknown = login(client, "nobody@example.com")
    assert_problem(wrong, 401, "unauthorized")
    assert wrong.get_json() == unknown.get_json()
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_email_costs_as_much_as_a_wrong_password(app, client, monkeypatch):
    # Both paths must run one bcrypt check at the configured cost. At a cost where bcrypt
    # takes milliseconds, timed alternately, medians: the machine's load cannot decide it.
    monkeypatch.setitem(app.config, "BCRYPT_LOG_ROUNDS", 9)
    body = {"email": "slow@example.com", "password": PASSWORD, "full_name": "Slow"}
    assert client.post("/users/", json=body).status_code == 201

    def timed(email, password):
        start = time.perf_counter()
        assert_problem(login(client, email, password), 401, "unauthorized")
        return time.perf_counter() - start

    wrong, unknown = [], []
    for _ in range(7):
        wrong.append(timed("slow@example.com", "wrong password!"))
        unknown.append(timed("nobody@example.com", PASSWORD))
    assert statistics.median(unknown) > statistics.median(wrong) / 2


def test_passwords_differing_after_72_bytes_are_different(client):
    base = "é" * 36  # 72 bytes of UTF-8
    client.post(
        "/users/",
        json={"email": "long@example.com", "password": base + "AAAA", "full_name": "Long"},
    )
    assert login(client, "long@example.com", base + "AAAA").status_code == 200
    assert_problem(login(client, "long@example.com", base + "BBBB"), 401, "unauthorized")


def test_passwords_are_not_trimmed(client):
    client.post(
        "/users/", json={"email": "sp@example.com", "password": "  spaced out  ", "full_name": "Sp"}
    )
    assert login(client, "sp@example.com", "  spaced out  ").status_code == 200
    assert_problem(login(client, "sp@example.com", "spaced out"), 401, "unauthorized")


def test_me_needs_a_token(client):
    response = client.get("/users/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_me_with_token(client, user):
    response = client.get("/users/me", headers=user.headers)
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email


def test_garbage_and_tampered_tokens_are_401(client, user):
    assert_problem(client.get("/users/me", headers=bearer("garbage")), 401, "unauthorized")
    header, payload, signature = user.access_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = client.get("/users/me", headers=bearer(tampered))
    assert_problem(response, 401, "unauthorized")


def test_expired_token_is_401(app, client, user):
    with app.app_context():
        from datetime import timedelta

        token = create_access_token(
            identity=str(user.id),
            additional_claims={"sid": 1},
            expires_delta=timedelta(seconds=-10),
        )
    response = client.get("/users/me", headers=bearer(token))
    assert_problem(response, 401, "unauthorized")
    assert "expired" in response.get_json()["detail"]


def test_refresh_token_is_refused_where_access_is_expected_and_vice_versa(client, user):
    assert_problem(client.get("/users/me", headers=bearer(user.refresh_token)), 401, "unauthorized")
    assert_problem(client.post("/token/refresh", headers=user.headers), 401, "unauthorized")


def make_refreshes_old(app):
    """Move every session's last refresh back beyond the race window, as time would."""
    from expense_tracker.http.authentication import REFRESH_RACE_WINDOW

    with app.app_context():
        db.session.execute(
            update(AuthSession).values(
                refreshed_at=utcnow() - REFRESH_RACE_WINDOW - timedelta(seconds=1)
            )
        )
        db.session.commit()


def test_refresh_rotates_and_the_old_refresh_token_stops_working(app, client, user):
    first = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert first.status_code == 200
    pair = first.get_json()
    assert pair["refresh_token"] != user.refresh_token
    assert client.get("/users/me", headers=bearer(pair["access_token"])).status_code == 200
    make_refreshes_old(app)
    reused = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert_problem(reused, 401, "unauthorized")
    assert reused.get_json()["detail"] == "The token has been revoked."
    # Reuse of a rotated token ends the whole session: the successor is dead too.
    assert_problem(
        client.post("/token/refresh", headers=bearer(pair["refresh_token"])), 401, "unauthorized"
    )
    assert_problem(
        client.get("/users/me", headers=bearer(pair["access_token"])), 401, "unauthorized"
    )


def test_the_refresh_token_just_replaced_is_refused_and_the_session_goes_on(client, user):
    """Two tabs refreshing together: the one that lost is told so, and nobody signs out."""
    pair = client.post("/token/refresh", headers=bearer(user.refresh_token)).get_json()
    late = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert_problem(late, 401, "unauthorized")
    assert late.headers["WWW-Authenticate"] == "Bearer"
    assert "another request of the same session" in late.get_json()["detail"]
    assert client.get("/users/me", headers=bearer(pair["access_token"])).status_code == 200
    assert client.post("/token/refresh", headers=bearer(pair["refresh_token"])).status_code == 200


def test_an_older_refresh_token_ends_the_session_even_within_the_race_window(client, user):
    second = client.post("/token/refresh", headers=bearer(user.refresh_token)).get_json()
    third = client.post("/token/refresh", headers=bearer(second["refresh_token"])).get_json()
    reused = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert_problem(reused, 401, "unauthorized")
    assert reused.get_json()["detail"] == "The token has been revoked."
    assert_problem(
        client.get("/users/me", headers=bearer(third["access_token"])), 401, "unauthorized"
    )


def test_revoke_ends_the_whole_session(client, user):
    refreshed = client.post("/token/refresh", headers=bearer(user.refresh_token)).get_json()
    assert client.post("/token/revoke", headers=user.headers).status_code == 204
    for token in (user.access_token, refreshed["access_token"]):
        assert_problem(client.get("/users/me", headers=bearer(token)), 401, "unauthorized")
    assert_problem(
        client.post("/token/refresh", headers=bearer(refreshed["refresh_token"])),
        401,
        "unauthorized",
    )


def test_revoke_with_the_refresh_token_and_other_sessions_survive(client, user):
    other_session = login(client, user.email).get_json()
    assert client.post("/token/revoke", headers=bearer(user.refresh_token)).status_code == 204
    assert_problem(client.get("/users/me", headers=user.headers), 401, "unauthorized")
    assert client.get("/users/me", headers=bearer(other_session["access_token"])).status_code == 200


def test_revocation_survives_a_restart(client, user, database_url):
    from expense_tracker import create_app

    client.post("/token/revoke", headers=user.headers)
    restarted = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    response = restarted.test_client().get("/users/me", headers=user.headers)
    assert_problem(response, 401, "unauthorized")
    with restarted.app_context():
        from expense_tracker.extensions import db

        db.engine.dispose()


def test_update_profile(client, user):
    response = client.patch(
        "/users/me", json={"full_name": "New Name", "default_currency": "jpy"}, headers=user.headers
    )
    assert response.status_code == 200
    assert response.get_json()["full_name"] == "New Name"
    assert response.get_json()["default_currency"] == "JPY"


def test_email_cannot_be_changed_through_patch(client, user):
    response = client.patch("/users/me", json={"email": "x@example.com"}, headers=user.headers)
    assert_problem(response, 422, "validation-error")
    assert "email" in response.get_json()["errors"]


def test_password_change_needs_current_password(client, user):
    missing = client.patch("/users/me", json={"password": "another password"}, headers=user.headers)
    assert_problem(missing, 422, "validation-error")
    wrong = client.patch(
        "/users/me",
        json={"password": "another password", "current_password": "nope nope"},
        headers=user.headers,
    )
    assert_problem(wrong, 403, "forbidden")


def test_password_change_ends_every_session(client, user):
    second = login(client, user.email).get_json()
    response = client.patch(
        "/users/me",
        json={"password": "another password", "current_password": PASSWORD},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert_problem(client.get("/users/me", headers=user.headers), 401, "unauthorized")
    assert_problem(
        client.get("/users/me", headers=bearer(second["access_token"])), 401, "unauthorized"
    )
    assert_problem(login(client, user.email), 401, "unauthorized")
    assert login(client, user.email, "another password").status_code == 200


def test_delete_account_needs_the_password(client, user):
    response = client.delete(
        "/users/me", json={"current_password": "wrong one"}, headers=user.headers
    )
    assert_problem(response, 403, "forbidden")
    assert client.get("/users/me", headers=user.headers).status_code == 200


def test_deleted_account_is_anonymised_and_its_email_freed(client, user):
    response = client.delete("/users/me", json={"current_password": PASSWORD}, headers=user.headers)
    assert response.status_code == 204
    assert_problem(client.get("/users/me", headers=user.headers), 401, "unauthorized")
    assert_problem(login(client, user.email), 401, "unauthorized")
    again = client.post(
        "/users/", json={"email": user.email, "password": PASSWORD, "full_name": "Again"}
    )
    assert again.status_code == 201
    assert again.get_json()["id"] != user.id


@pytest.mark.parametrize(
    "form",
    [
        {"username": "", "password": ""},
        {"username": "", "password": "x"},
        {"email": "", "password": "x"},
        {"username": "someone@example.com", "password": ""},
    ],
)
def test_empty_sign_in_fields_are_a_validation_error(client, form):
    response = client.post("/token", data=form)
    assert_problem(response, 422, "validation-error")


# -- one authentication per request ----------------------------------------------------------


@pytest.fixture
def decoded_tokens(monkeypatch):
    """Every token Flask-JWT-Extended verifies (signature and claims), in order."""
    from flask_jwt_extended import jwt_manager

    decoded = []
    original = jwt_manager._decode_jwt

    def counting(**kwargs):
        decoded.append(kwargs["encoded_token"])
        return original(**kwargs)

    monkeypatch.setattr(jwt_manager, "_decode_jwt", counting)
    return decoded


def sql_statements(app, action):
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_every_check_of_a_request_shares_one_decode_and_one_session_query(
    app_factory, user, decoded_tokens
):
    limited = app_factory(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_DEFAULT="1000/minute"
    )
    client = limited.test_client()

    def create_expense():
        # Asked about the token: the rate limit key, the body checks, the idempotency scope
        # and the view itself.
        response = client.post(
            "/expenses/",
            json={"amount": "3.20", "category": "Coffee", "payment_method": "cash"},
            headers={**user.headers, "Idempotency-Key": "one-coffee"},
        )
        assert response.status_code == 201

    statements = sql_statements(limited, create_expense)
    assert len(decoded_tokens) == 1, f"decoded {len(decoded_tokens)} times"
    assert sum("auth_sessions" in statement for statement in statements) == 1

    # The same token again: its verdict is remembered (http/caller.py), but its session
    # is checked again, by the one query.
    decoded_tokens.clear()
    me = sql_statements(limited, lambda: client.get("/users/me", headers=user.headers))
    assert decoded_tokens == []
    assert len(me) == 1
    assert "auth_sessions" in me[0]


def test_a_token_remembered_as_verified_is_refused_once_it_expires(app, client, user):
    import time
    from datetime import timedelta

    from flask_jwt_extended import decode_token

    with app.app_context():
        token = create_access_token(
            identity=str(user.id),
            additional_claims={"sid": decode_token(user.access_token)["sid"]},
            expires_delta=timedelta(seconds=2),
        )
    assert client.get("/users/me", headers=bearer(token)).status_code == 200
    time.sleep(2.5)
    response = client.get("/users/me", headers=bearer(token))
    assert_problem(response, 401, "unauthorized")
    assert "expired" in response.get_json()["detail"]


# -- interleavings of concurrent requests, step by step -------------------------------------
# tests/auth/test_auth_races.py runs the same races with real concurrent requests.


def test_a_sign_in_that_checked_the_old_password_before_a_change_gets_no_working_token(
    app_factory, client, user
):
    from expense_tracker.auth import service

    signing_in = app_factory()
    with signing_in.test_request_context():
        checked = service.authenticate(user.email, PASSWORD)
        # Meanwhile the password changes, ending every session that exists so far.
        changed = client.patch(
            "/users/me",
            json={"password": "a brand new password", "current_password": PASSWORD},
            headers=user.headers,
        )
        assert changed.status_code == 200
        pair = service.start_session(checked)
    assert_problem(
        client.get("/users/me", headers=bearer(pair["access_token"])), 401, "unauthorized"
    )
    assert_problem(
        client.post("/token/refresh", headers=bearer(pair["refresh_token"])), 401, "unauthorized"
    )


def test_a_refresh_that_loses_the_rotation_to_a_concurrent_one_leaves_the_session(
    app_factory, client, user
):
    from flask_jwt_extended import verify_jwt_in_request

    from expense_tracker.auth import service
    from expense_tracker.errors import Unauthorized
    from expense_tracker.http import authentication

    other_tab = app_factory()
    with other_tab.test_request_context(
        "/token/refresh", method="POST", headers=bearer(user.refresh_token)
    ):
        verify_jwt_in_request(refresh=True)
        caller = authentication.current()  # still the session's current refresh token
        # A POST's transaction holds SQLite's write lock (database.py): end this one's
        # read, as if the other tab had read just before the winner began.
        db.session.commit()
        won = client.post("/token/refresh", headers=bearer(user.refresh_token))
        assert won.status_code == 200
        with pytest.raises(Unauthorized) as lost:
            service.refresh_session(caller.session, caller.token_id)
    assert lost.value.detail == authentication.LOST_REFRESH_RACE
    pair = won.get_json()
    assert client.get("/users/me", headers=bearer(pair["access_token"])).status_code == 200
    assert client.post("/token/refresh", headers=bearer(pair["refresh_token"])).status_code == 200
