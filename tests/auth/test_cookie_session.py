"""The web app's session: the refresh token in an HttpOnly cookie (auth/cookies.py).

Cookie mode is asked for with `X-Refresh-Cookie: 1` and proven by the request's Origin;
bearer clients, which never send the header, keep the JSON and Authorization flows.
"""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from expense_tracker.auth import cookies
from expense_tracker.database import utcnow
from expense_tracker.extensions import db
from expense_tracker.http.authentication import LOST_REFRESH_RACE, REFRESH_RACE_WINDOW
from expense_tracker.models import AuthSession
from tests.factories import PASSWORD, bearer

ORIGIN = "http://localhost"
# What the web app sends: the mode, and the Origin every browser adds to a POST.
COOKIE_MODE = {cookies.HEADER: "1", "Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}
REVOKED = "The token has been revoked."


def sign_in(client: FlaskClient, email: str, headers: dict[str, str] | None = None):
    return client.post(
        "/token", json={"email": email, "password": PASSWORD}, headers=headers or COOKIE_MODE
    )


def set_cookie(response) -> SimpleCookie:
    """The response's one Set-Cookie header, parsed."""
    headers = response.headers.getlist("Set-Cookie")
    assert len(headers) == 1, headers
    parsed = SimpleCookie()
    parsed.load(headers[0])
    return parsed


def attributes(response) -> set[str]:
    """The Set-Cookie attributes, lower-cased, with values (`max-age=...`)."""
    (header,) = response.headers.getlist("Set-Cookie")
    return {part.strip().lower() for part in header.split(";")[1:]}


def cookie_token(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(cookies.COOKIE, path=cookies.PATH)
    return cookie.value if cookie is not None else None


def session_row(app: Flask) -> AuthSession:
    """The newest session: the web app's, in the tests that sign in with `signed_in`."""
    with app.app_context():
        row = db.session.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
        assert row is not None
        db.session.expunge(row)
        return row


@pytest.fixture
def signed_in(client: FlaskClient, user) -> dict:
    """`user` signed in again, by the web app: the cookie is in the client's jar."""
    response = sign_in(client, user.email)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_sign_in_sets_an_httponly_strict_path_scoped_persistent_cookie(app, client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 200
    body = response.get_json()
    # JavaScript never sees the refresh token: it is not in the JSON.
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert client.get("/users/me", headers=bearer(body["access_token"])).status_code == 200
    lifetime = int(app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())
    assert attributes(response) == {
        "httponly",
        "samesite=strict",
        "path=/token",
        f"max-age={lifetime}",
        # Werkzeug writes Expires as well, for browsers that predate Max-Age.
        next(a for a in attributes(response) if a.startswith("expires=")),
    }
    # Not Secure over plain HTTP, where the browser would never send it back.
    assert "secure" not in attributes(response)
    token = set_cookie(response)[cookies.COOKIE].value
    assert token.startswith("eyJ")
    assert cookie_token(client) == token


def test_the_cookie_is_secure_when_the_request_came_over_https(client, user):
    response = client.post(
        "/token",
        json={"email": user.email, "password": PASSWORD},
        base_url="https://localhost",
        headers={**COOKIE_MODE, "Origin": "https://localhost"},
    )
    assert response.status_code == 200
    assert "secure" in attributes(response)


def test_behind_nginx_x_forwarded_proto_makes_it_secure(app_factory, user):
    """deploy/nginx.conf sends X-Forwarded-Proto/-Host/-Port; TRUSTED_PROXY_HOPS=1."""
    proxied = app_factory(TRUSTED_PROXY_HOPS=1).test_client()
    forwarded = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "money.example.org",
        "X-Forwarded-Port": "443",
    }
    # The browser's Origin leaves out the default port that X-Forwarded-Port names.
    headers = {**COOKIE_MODE, **forwarded, "Origin": "https://money.example.org"}
    response = sign_in(proxied, user.email, headers)
    assert response.status_code == 200, response.get_json()
    assert "secure" in attributes(response)
    token = set_cookie(response)[cookies.COOKIE].value
    refreshed = proxied.post(
        "/token/refresh", headers={**headers, "Cookie": f"{cookies.COOKIE}={token}"}
    )
    assert refreshed.status_code == 200, refreshed.get_json()
    assert "secure" in attributes(refreshed)
    # The proxied site's pages only: the address the app listens on is another origin.
    other = {**headers, "Origin": "http://money.example.org"}
    assert sign_in(proxied, user.email, other).status_code == 403


def test_refresh_with_the_cookie_and_the_proof_rotates_it(client, signed_in):
    before = cookie_token(client)
    response = client.post("/token/refresh", headers=COOKIE_MODE)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert "max-age" in {a.split("=")[0] for a in attributes(response)}
    after = cookie_token(client)
    assert after
    assert after != before
    assert client.get("/users/me", headers=bearer(body["access_token"])).status_code == 200
    # And again with the new cookie: the session slides on.
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        # No mode header: a bearer request without its bearer token. The cookie is not read.
        ({"Origin": ORIGIN}, 401),
        # The mode without the proof: another site, a sandboxed frame, none at all.
        ({cookies.HEADER: "1", "Origin": "http://evil.example"}, 403),
        ({cookies.HEADER: "1", "Origin": "http://localhost:8080"}, 403),
        ({cookies.HEADER: "1", "Origin": "https://localhost"}, 403),
        ({cookies.HEADER: "1", "Origin": "null"}, 403),
        ({cookies.HEADER: "1"}, 403),
        ({**COOKIE_MODE, "Sec-Fetch-Site": "same-site"}, 403),
        ({**COOKIE_MODE, "Sec-Fetch-Site": "cross-site"}, 403),
    ],
)
@pytest.mark.parametrize("path", ["/token/refresh", "/token/revoke"])
def test_without_the_proof_the_cookie_is_refused_and_nothing_changes(
    app, client, signed_in, path, headers, status
):
    before = session_row(app)
    cookie = cookie_token(client)
    response = client.post(path, headers=headers)
    assert response.status_code == status
    assert response.headers.getlist("Set-Cookie") == []
    if status == 403:
        assert "this site's own pages" in response.get_json()["detail"]
    after = session_row(app)
    assert (after.refresh_jti, after.revoked_at) == (before.refresh_jti, None)
    assert cookie_token(client) == cookie
    assert client.get("/users/me", headers=bearer(signed_in["access_token"])).status_code == 200
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 200


def test_a_proxy_publishing_another_port_lists_it_in_session_cookie_origins(app_factory, user):
    """nginx on port 443 of a container that the host publishes on 8443: the page's Origin
    has 8443, the forwarded port 443. SESSION_COOKIE_ORIGINS names the public origin."""
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "money.example.org",
        "X-Forwarded-Port": "443",
        "Origin": "https://money.example.org:8443",
    }
    headers = {**COOKIE_MODE, **forwarded}
    plain = app_factory(TRUSTED_PROXY_HOPS=1).test_client()
    assert sign_in(plain, user.email, headers).status_code == 403
    listed = app_factory(
        TRUSTED_PROXY_HOPS=1, SESSION_COOKIE_ORIGINS=["https://money.example.org:8443"]
    ).test_client()
    assert sign_in(listed, user.email, headers).status_code == 200
    evil = {**headers, "Origin": "https://evil.example"}
    assert sign_in(listed, user.email, evil).status_code == 403


def test_an_origin_with_its_default_port_written_out_is_the_same_origin(client, signed_in):
    headers = {**COOKIE_MODE, "Origin": "http://LOCALHOST:80"}
    assert client.post("/token/refresh", headers=headers).status_code == 200


def test_a_browser_without_sec_fetch_headers_is_judged_by_its_origin(client, signed_in):
    headers = {cookies.HEADER: "1", "Origin": ORIGIN}
    assert client.post("/token/refresh", headers=headers).status_code == 200


def test_signing_in_from_another_site_sets_no_cookie(client, user):
    """Login CSRF: another site cannot sign the browser in to an account of its choosing."""
    response = sign_in(client, user.email, {cookies.HEADER: "1", "Origin": "http://evil.example"})
    assert response.status_code == 403
    assert response.headers.getlist("Set-Cookie") == []
    assert cookie_token(client) is None


def test_a_wrong_password_in_cookie_mode_sets_and_clears_nothing(client, user, signed_in):
    cookie = cookie_token(client)
    response = client.post(
        "/token", json={"email": user.email, "password": "wrong password"}, headers=COOKIE_MODE
    )
    assert response.status_code == 401
    assert response.headers.getlist("Set-Cookie") == []
    assert cookie_token(client) == cookie


def test_revoke_ends_the_session_and_clears_the_cookie(client, signed_in):
    old_cookie = cookie_token(client)
    response = client.post("/token/revoke", headers=COOKIE_MODE)
    assert response.status_code == 204
    assert "max-age=0" in attributes(response)
    assert "path=/token" in attributes(response)
    assert cookie_token(client) is None
    assert client.get("/users/me", headers=bearer(signed_in["access_token"])).status_code == 401
    # The cookie's token is dead too, not only forgotten by the browser.
    assert client.post("/token/refresh", headers=bearer(old_cookie)).status_code == 401
    again = client.post("/token/refresh", headers=COOKIE_MODE)
    assert again.status_code == 401
    assert again.get_json()["detail"] == cookies.NO_COOKIE


def test_revoke_with_the_access_token_in_cookie_mode_clears_the_cookie_too(client, signed_in):
    headers = {**COOKIE_MODE, **bearer(signed_in["access_token"])}
    response = client.post("/token/revoke", headers=headers)
    assert response.status_code == 204
    assert cookie_token(client) is None
    assert client.get("/users/me", headers=bearer(signed_in["access_token"])).status_code == 401


def test_a_dead_session_cookie_is_cleared_when_refused(client, signed_in):
    client.post("/token/revoke", headers=bearer(signed_in["access_token"]))  # another device
    assert cookie_token(client) is not None
    response = client.post("/token/refresh", headers=COOKIE_MODE)
    assert response.status_code == 401
    assert response.get_json()["detail"] == REVOKED
    assert cookie_token(client) is None


def test_a_refused_bearer_token_in_cookie_mode_leaves_the_cookie(client, user, signed_in):
    """Only a refused cookie is cleared: here the bearer token is wrong, not the cookie."""
    cookie = cookie_token(client)
    wrong_type = {**COOKIE_MODE, **bearer(signed_in["access_token"])}
    response = client.post("/token/refresh", headers=wrong_type)
    assert response.status_code == 401
    assert response.headers.getlist("Set-Cookie") == []
    assert cookie_token(client) == cookie
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 200


def test_a_password_change_ends_the_cookie_session(client, user, signed_in):
    changed = client.patch(
        "/users/me",
        json={"password": "another password 2", "current_password": PASSWORD},
        headers=bearer(signed_in["access_token"]),
    )
    assert changed.status_code == 200
    response = client.post("/token/refresh", headers=COOKIE_MODE)
    assert response.status_code == 401
    assert response.get_json()["detail"] == REVOKED


def test_deleting_the_account_ends_the_cookie_session(client, user, signed_in):
    deleted = client.delete(
        "/users/me",
        json={"current_password": PASSWORD},
        headers=bearer(signed_in["access_token"]),
    )
    assert deleted.status_code == 204
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 401


def replay(client: FlaskClient, token: str):
    """The cookie's earlier token sent again, as a second tab (or a copy of it) would."""
    client.set_cookie(cookies.COOKIE, token, path=cookies.PATH)
    return client.post("/token/refresh", headers=COOKIE_MODE)


def jti(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def test_a_cookie_that_missed_its_rotation_gets_the_current_token_again(app, client, signed_in):
    """The answer of a refresh never reached the browser (a reload mid-way, or two tabs
    racing without Web Locks): its cookie holds the token replaced an instant ago."""
    shared = cookie_token(client)
    winner = client.post("/token/refresh", headers=COOKIE_MODE)
    assert winner.status_code == 200
    current = cookie_token(client)
    rotated = session_row(app).refresh_jti
    assert rotated == jti(current)

    late = replay(client, shared)
    assert late.status_code == 200, late.get_json()
    assert set(late.get_json()) == {"access_token", "token_type", "expires_in"}
    # The session's current token again, not another rotation: whichever of the two
    # answers the browser takes last, its cookie holds the current token.
    assert jti(cookie_token(client)) == rotated
    assert session_row(app).refresh_jti == rotated
    for body in (winner.get_json(), late.get_json()):
        assert client.get("/users/me", headers=bearer(body["access_token"])).status_code == 200
    client.set_cookie(cookies.COOKIE, current, path=cookies.PATH)
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 200


def test_the_grace_is_for_the_cookie_a_bearer_client_gets_the_lost_race_401(client, user):
    """Bearer clients keep their own tokens: the same token twice is what it always was."""
    first = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert first.status_code == 200
    again = client.post("/token/refresh", headers=bearer(user.refresh_token))
    assert again.status_code == 401
    assert again.get_json()["detail"] == LOST_REFRESH_RACE


def test_revoking_with_a_cookie_that_missed_its_rotation_ends_the_session(app, client, signed_in):
    shared = cookie_token(client)
    client.post("/token/refresh", headers=COOKIE_MODE)
    client.set_cookie(cookies.COOKIE, shared, path=cookies.PATH)
    assert client.post("/token/revoke", headers=COOKIE_MODE).status_code == 204
    assert session_row(app).revoked_at is not None
    assert cookie_token(client) is None


def test_a_replaced_cookie_token_presented_after_the_grace_ends_the_session(app, client, signed_in):
    stolen = cookie_token(client)
    refreshed = client.post("/token/refresh", headers=COOKIE_MODE).get_json()
    with app.app_context():
        db.session.execute(
            update(AuthSession).values(
                refreshed_at=utcnow() - REFRESH_RACE_WINDOW - timedelta(seconds=1)
            )
        )
        db.session.commit()
    reused = replay(client, stolen)
    assert reused.status_code == 401
    assert reused.get_json()["detail"] == REVOKED
    assert session_row(app).revoked_at is not None
    assert client.get("/users/me", headers=bearer(refreshed["access_token"])).status_code == 401


def test_an_older_cookie_token_ends_the_session_even_within_the_grace(app, client, signed_in):
    stolen = cookie_token(client)
    client.post("/token/refresh", headers=COOKIE_MODE)
    client.post("/token/refresh", headers=COOKIE_MODE)
    assert replay(client, stolen).get_json()["detail"] == REVOKED
    assert session_row(app).revoked_at is not None


def test_bearer_clients_get_the_same_answers_as_before(client, user):
    """No X-Refresh-Cookie: JSON bodies, Authorization, no cookie set or read."""
    form = client.post("/token", data={"username": user.email, "password": PASSWORD})
    assert form.status_code == 200
    assert set(form.get_json()) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert form.headers.getlist("Set-Cookie") == []
    refreshed = client.post("/token/refresh", headers=bearer(form.get_json()["refresh_token"]))
    assert refreshed.status_code == 200
    assert "refresh_token" in refreshed.get_json()
    assert refreshed.headers.getlist("Set-Cookie") == []
    revoked = client.post("/token/revoke", headers=bearer(refreshed.get_json()["access_token"]))
    assert revoked.status_code == 204
    assert revoked.headers.getlist("Set-Cookie") == []


def test_a_bearer_request_ignores_a_cookie_the_client_happens_to_hold(app, client, signed_in):
    """A cookie is only read in cookie mode: a plain request is judged by its header."""
    before = session_row(app)
    response = client.post("/token/refresh", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "A bearer token is required."
    assert session_row(app).refresh_jti == before.refresh_jti


def test_cookie_mode_with_a_bearer_refresh_token_moves_it_into_the_cookie(client, user):
    """How a tab still holding a refresh token from before cookies joins cookie mode."""
    headers = {**COOKIE_MODE, **bearer(user.refresh_token)}
    response = client.post("/token/refresh", headers=headers)
    assert response.status_code == 200
    assert "refresh_token" not in response.get_json()
    assert cookie_token(client)
    assert client.post("/token/refresh", headers=COOKIE_MODE).status_code == 200


def test_the_openapi_document_describes_cookie_mode(client):
    spec = client.get("/openapi.json").get_json()
    parameter = {"$ref": f"#/components/parameters/{cookies.PARAMETER_COMPONENT}"}
    assert spec["components"]["parameters"][cookies.PARAMETER_COMPONENT]["name"] == cookies.HEADER
    for path in ("/token", "/token/refresh", "/token/revoke"):
        assert parameter in spec["paths"][path]["post"]["parameters"], path
        assert "403" in spec["paths"][path]["post"]["responses"], path
