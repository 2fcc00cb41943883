"""The web app's sign-in session: its refresh token in a cookie no script can read.

Bearer clients send the refresh token in `Authorization` and get it in the JSON body, as
always; nothing here changes a request without the header below. The web app sends
`X-Refresh-Cookie: 1` with `POST /token`, `/token/refresh` and `/token/revoke` ("cookie
mode"), and then:

- the refresh token of the answer goes into the cookie, not into the JSON;
- a request without an `Authorization` header uses the cookie's refresh token, exactly as
  if it had been sent as a bearer token (the same checks, rotation and reuse detection);
- `/token/revoke` also clears the cookie, and so does a refresh the API refuses for good.

The cookie (`refresh_token`):

- `HttpOnly`: no script reads it, so script injected into the page cannot take away the
  long-lived token (the access token, 15 minutes, lives in the page's memory only);
- `SameSite=Strict`: the browser never sends it with a request another site started;
- `Path=/token`: sent to the three token endpoints only, never with the other requests;
- `Secure` when the request came over HTTPS. Behind nginx that is `X-Forwarded-Proto`:
  gunicorn believes it from FORWARDED_ALLOW_IPS (the local proxy), and the app's ProxyFix
  from TRUSTED_PROXY_HOPS; either way `request.is_secure` tells;
- `Max-Age` the refresh token's lifetime, so the session outlives the tab and the browser:
  every rotation sets the cookie anew, as it slides the session's expiry.

No `__Host-` name prefix: it requires `Path=/`, and the path keeps the token off every
other request. No `__Secure-` either: the name would then depend on the scheme.

CSRF: the browser attaches a cookie whoever starts the request, so a request in cookie mode
must prove it comes from the app's own pages. The proof is its `Origin`, which must be this
API's own origin (scheme, host and port; or one SESSION_COOKIE_ORIGINS names, the public
origin of a proxy that maps ports), with `Sec-Fetch-Site`, when the browser sends it,
`same-origin`; the required custom header is part of it. Why this rather than a
double-submit token: the web app is served by the API itself, from the same origin; every
browser sends `Origin` with a POST and no page can forge it (nor `Sec-Fetch-*`), while a
double-submit token would have to sit in a cookie that scripts can read, which a page of the
same host on another port (cookies ignore ports) could read too, and a sibling subdomain
could overwrite. The custom header makes any cross-origin attempt a CORS preflight, which
this API never grants for it (it is not in the allowed request headers), so such a request
is not even sent; and SameSite=Strict keeps the cookie off cross-site requests to begin
with. Three independent layers and no state to keep. A request that fails the proof is
refused (403) before its token is even read: nothing rotates and nothing ends.

Tabs: all tabs of a browser share the cookie, so a duplicated tab no longer holds a copy of
a refresh token that the other tab's next refresh would turn into "reuse" (which ends the
session). Two tabs refreshing at the same instant would still send the same token: the web
app takes a Web Lock around each refresh (js/session.js), so one waits for the other and
then sends the new cookie. What the lock cannot prevent is an answer lost on its way (the
tab closed or reloaded mid-refresh): the server rotated, the cookie still holds the
replaced token. So, in cookie mode only, the session's previous refresh token stands for
its current one for REFRESH_RACE_WINDOW (10 s) after it was replaced (`_within_grace`):
the answer is a new access token and the session's current refresh token again, in the
cookie, without another rotation. Not rotating matters: two tabs racing without Web Locks
(over plain HTTP from another host there are none) then both leave the same current token
in the cookie, whichever answer arrives last; had the second rotated again, the first
answer arriving last would leave a replaced token in the jar, and reuse detection would
end the session at its next refresh. Reuse detection is otherwise untouched: an older
token, or a replaced one presented after the window (a copy of the cookie, say), ends the
session, as for bearer clients, which get the 401 of a lost race within the window.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apispec import APISpec
from flask import Response, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask_jwt_extended import decode_token

from expense_tracker.auth import tokens
from expense_tracker.database import utcnow
from expense_tracker.errors import Forbidden, Unauthorized
from expense_tracker.extensions import db
from expense_tracker.http import authentication
from expense_tracker.models import AuthSession

HEADER = "X-Refresh-Cookie"
COOKIE = "refresh_token"
# Where the cookie is sent: the token endpoints, under the application's root.
PATH = "/token"
# The endpoints that honour cookie mode: sign-in sets the cookie, the others read it.
SIGN_IN = "auth.login"
REFRESH = "auth.refresh"
REVOKE = "auth.revoke"
READS_COOKIE = frozenset({REFRESH, REVOKE})

NOT_SAME_ORIGIN = (
    "The session cookie is only accepted from this site's own pages: the request's Origin "
    "is missing or is another site. Sign in on this site's web app, or send the refresh "
    "token as a bearer token."
)
NO_COOKIE = (
    "There is no session cookie: you have signed out, or the session expired. Sign in again."
)

_MODE = "refresh_cookie_mode"
_READ = "refresh_cookie_read"
_REISSUE = "refresh_cookie_reissue"
_NEW_TOKEN = "refresh_cookie_token"

# Documented on the three operations, as a component like the API's other headers.
PARAMETER_COMPONENT = "REFRESH_COOKIE"
HEADER_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "enum": ["1"]},
    "description": (
        "Cookie mode, for the web app served by this API: the refresh token travels in an "
        "HttpOnly, SameSite=Strict cookie on the path /token instead of the JSON body and "
        "the Authorization header, which stay as they are without this header. Only "
        "accepted with an Origin of this API's own origin (403 otherwise)."
    ),
}


def init_blueprint(blueprint: Any) -> None:
    """Cookie mode around the views of the accounts blueprint, and its header documented
    (views list it with `doc(parameters=[PARAMETER_COMPONENT])`)."""
    blueprint.before_request(_enter_cookie_mode)
    blueprint.after_request(_answer_with_cookie)
    blueprint.record_once(_document)


def _document(state: BlueprintSetupState) -> None:
    # The Api registering the blueprint, found as flask-smorest files it (before it
    # registers the blueprint with the app, which runs this).
    apis = state.app.extensions["flask-smorest"]["blp_name_to_api"]
    spec: APISpec | None = apis[state.blueprint.name].spec
    if spec is None:
        return
    components = spec.components
    if PARAMETER_COMPONENT not in {*components.parameters, *components.parameters_lazy}:
        header = {key: value for key, value in HEADER_PARAMETER.items() if key != "in"}
        components.parameter(PARAMETER_COMPONENT, "header", header, lazy=True)


def cookie_mode() -> bool:
    """Whether this request asked for cookie mode (and passed its proof)."""
    return bool(g.get(_MODE))


def reissuing() -> bool:
    """Whether the cookie held the token its session replaced an instant ago: a refresh
    then answers with the current refresh token again rather than rotating."""
    return bool(g.get(_REISSUE))


def deliver(pair: dict[str, Any]) -> dict[str, Any]:
    """A new token pair as the answer's body: in cookie mode without the refresh token,
    which goes into the cookie instead."""
    if not cookie_mode():
        return pair
    body = dict(pair)
    setattr(g, _NEW_TOKEN, body.pop("refresh_token"))
    return body


def _enter_cookie_mode() -> None:
    if request.endpoint not in READS_COOKIE and request.endpoint != SIGN_IN:
        return
    if HEADER not in request.headers:
        return  # a bearer client, as always: any cookie is ignored
    if not _from_own_pages():
        raise Forbidden(NOT_SAME_ORIGIN)
    setattr(g, _MODE, True)
    if request.endpoint in READS_COOKIE and "Authorization" not in request.headers:
        token = request.cookies.get(COOKIE)
        if not token:
            raise Unauthorized(NO_COOKIE)
        setattr(g, _READ, True)
        # From here on the request is what a bearer client sends: the pipeline's body
        # rules, the rate limit's key and `auth_required` all read this one header.
        request.environ["HTTP_AUTHORIZATION"] = f"Bearer {_within_grace(token)}"


def _within_grace(token: str) -> str:
    """The cookie's token, or the session's current one when the cookie holds the token
    the session replaced less than REFRESH_RACE_WINDOW ago (the module's docstring).

    The cookie jar is the browser's one place for the token, so a just-replaced token in it
    means the answer that replaced it never reached the jar (the tab closed or reloaded
    while it was on its way), or a tab lost a race the Web Lock would have prevented.
    Either way it is this browser, and only an answer that sets the cookie again gets it
    out of that state; a bearer client, which keeps its own tokens, gets the 401 instead.
    A copy used within the window gets the current token too: the session forks until one
    side's next refresh, after which the other side's token is a replaced one presented
    after the window, and reuse detection ends the session as always.
    """
    try:
        claims = decode_token(token)
    except Exception:  # any invalid token: `auth_required` answers it with its 401
        return token
    session_id = claims.get(authentication.SESSION_CLAIM)
    session = db.session.get(AuthSession, session_id) if isinstance(session_id, int) else None
    if (
        session is None
        or claims.get("type") != "refresh"
        or str(session.user_id) != claims.get("sub")
        or session.revoked_at is not None
        or claims.get("jti") != session.previous_refresh_jti
        or session.refreshed_at is None
        or utcnow() - session.refreshed_at >= authentication.REFRESH_RACE_WINDOW
    ):
        return token
    # It stands in for the cookie's token in this request, which then goes through the
    # same checks as any other; a refresh answers with it again (`reissuing`).
    setattr(g, _REISSUE, True)
    return tokens.refresh_token(session.user_id, session.id, session.refresh_jti)


def _from_own_pages() -> bool:
    """The CSRF proof (the module's docstring says why this one)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin is None or _origin(origin) is None:
        return False
    allowed = [request.host_url, *current_app.config.get("SESSION_COOKIE_ORIGINS", ())]
    return _origin(origin) in {_origin(url) for url in allowed}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if not a URL.

    Behind nginx the request's host carries the port X-Forwarded-Port named (":443"),
    where a browser's Origin leaves a default port out."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def _answer_with_cookie(response: Response) -> Response:
    if not cookie_mode():
        return response
    token = g.get(_NEW_TOKEN)
    if token is not None and response.status_code == 200:
        _set(response, token)
    elif request.endpoint == REVOKE or (
        request.endpoint == REFRESH
        and response.status_code == 401
        and g.get(_READ)
        and not _lost_race(response)
    ):
        # Signed out, or the cookie's token will never work again: the browser can forget
        # it. (A refused bearer token says nothing about the cookie: it stays.)
        _clear(response)
    return response


def _lost_race(response: Response) -> bool:
    # The session goes on and the race's winner has just set the new cookie: keep it.
    body = response.get_json(silent=True)
    return isinstance(body, dict) and body.get("detail") == authentication.LOST_REFRESH_RACE


def _path() -> str:
    return request.script_root + PATH


def _set(response: Response, token: str) -> None:
    lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        path=_path(),
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )


def _clear(response: Response) -> None:
    response.delete_cookie(
        COOKIE, path=_path(), secure=request.is_secure, httponly=True, samesite="Strict"
    )
