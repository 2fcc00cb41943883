"""Who is calling: the bearer token of a request is authenticated here, once.

The request pipeline identifies the caller once (http/caller.py): it decodes the token
(its signature, expiry and claims), and the first step that needs the verdict asks
`authenticate`, which loads the token's session together with the session's user in one
query by the session's primary key, and decides. The decision is kept for the rest of the
request: Flask-JWT-Extended's `current_user` is its user, and `current()` gives views the
session too. Nothing is cached across requests: a revoked session is refused on the very
next one.

A token is honoured while its session is active (neither ended nor expired), its user is
not deleted, the user's password has not changed since the session signed in (the
credential generation, see models/user.py), and, for a refresh token, it is the
session's current one. Anything else is a 401, and one case writes:

- a refresh token the session replaced less than REFRESH_RACE_WINDOW ago, the one it
  replaced last, belongs to a refresh that lost a race with a concurrent one using the
  same token (two browser tabs refreshing together): the session goes on, and the 401
  says to use the tokens the winner received;
- any other replaced refresh token was copied: the whole session ends here, so that
  neither the thief nor the owner can keep using it (the owner signs in again).

Everything decided comes from the token and the database, so it holds across gunicorn
workers and restarts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g
from flask_jwt_extended import get_jwt
from sqlalchemy import bindparam, select

from expense_tracker.database import utcnow
from expense_tracker.errors import problem_response
from expense_tracker.extensions import db, jwt
from expense_tracker.http import reads
from expense_tracker.models import AuthSession, User

# Every token carries the id of its session under this claim.
SESSION_CLAIM = "sid"
# Long enough for a request sent together with the winning one to arrive over a slow
# network; short enough that a stolen refresh token used later still ends its session.
REFRESH_RACE_WINDOW = timedelta(seconds=10)

REVOKED = "The token has been revoked."
LOST_REFRESH_RACE = (
    "This refresh token has just been exchanged by another request of the same session, "
    "which received the new tokens: use those. The session has not ended."
)

_DECIDED = "authentication"

# Every request's one query (by the session's primary key, joined to its user), built once.
_SESSION_AND_USER = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"))
)


# The same check for a hot read (reads.rows): the columns the decision reads and the few
# facts of the caller such a read uses, rather than two ORM objects (a third of its cost).
_SESSION_AND_CALLER = (
    select(
        AuthSession.expires_at,
        AuthSession.revoked_at,
        AuthSession.credential_generation.label("session_generation"),
        User.id,
        User.deleted_at,
        User.credential_generation,
        User.expense_count,
        User.default_currency,
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"))
)


@dataclass(frozen=True)
class Authenticated:
    """A token honoured: the session it belongs to and the user it acts for."""

    token_id: str | None
    session: AuthSession
    user: User


@dataclass(frozen=True)
class CallerFacts:
    """What a hot read knows of its caller (`current_user` in such a view)."""

    id: int
    expense_count: int
    default_currency: str


@dataclass(frozen=True)
class Honoured:
    """A token honoured for a hot read (a view declared `lone_statements`)."""

    token_id: str | None
    user: CallerFacts


@dataclass(frozen=True)
class Refused:
    """A token not honoured, and the 401's detail saying why."""

    token_id: str | None
    detail: str


def authenticate(claims: Mapping[str, Any]) -> Authenticated | Refused:
    """The decision on this request's token (its verified claims), made once per request."""
    decided: Authenticated | Refused | None = g.get(_DECIDED)
    if decided is not None and decided.token_id == claims.get("jti"):
        return decided
    decided = _decide(claims)
    setattr(g, _DECIDED, decided)
    if isinstance(decided, Authenticated):
        # A plain int for the request log: reading it never touches the database session.
        g.auth_user_id = decided.user.id
    return decided


def authenticate_read(claims: Mapping[str, Any]) -> Honoured | Authenticated | Refused:
    """The decision for a hot read: the same rules as `authenticate`, in one lean
    statement (reads.rows). A refresh token goes the general way (it may end a session)."""
    if claims.get("type") == "refresh":
        return authenticate(claims)
    token_id = claims.get("jti")
    session_id = claims.get(SESSION_CLAIM)
    if not isinstance(session_id, int):
        return Refused(token_id, REVOKED)
    params = {"session_id": session_id}
    ahead = reads.declared_ahead()
    subject = claims.get("sub")
    if ahead is not None and isinstance(subject, str) and subject.isdigit():
        # The view's first statement in the same one (its group, in a group): a caller
        # refused below gets the 401 whatever it found.
        statement, ahead_params = ahead
        ahead_params["user_id"] = int(subject)
        row = reads.first_with(_SESSION_AND_CALLER, params, statement, ahead_params)
    else:
        row = reads.first(_SESSION_AND_CALLER, params)
    if (
        row is None
        or str(row.id) != claims.get("sub")
        or row.deleted_at is not None
        or not AuthSession.active(row.revoked_at, row.expires_at)
        or row.session_generation != row.credential_generation
    ):
        reads.forget_read_ahead()
        return Refused(token_id, REVOKED)
    g.auth_user_id = row.id
    return Honoured(token_id, CallerFacts(row.id, row.expense_count, row.default_currency))


def current() -> Authenticated:
    """This request's authentication, in a view behind `auth_required` (else RuntimeError)."""
    decided = authenticate(get_jwt())
    if not isinstance(decided, Authenticated):
        raise RuntimeError("the request's token was refused; auth_required should have said so")
    return decided


def _decide(claims: Mapping[str, Any]) -> Authenticated | Refused:
    token_id = claims.get("jti")
    session_id = claims.get(SESSION_CLAIM)
    if not isinstance(session_id, int):
        return Refused(token_id, REVOKED)
    row = db.session.execute(_SESSION_AND_USER, {"session_id": session_id}).first()
    if row is None:
        return Refused(token_id, REVOKED)
    session, user = row
    if (
        str(user.id) != claims.get("sub")
        or user.is_deleted
        or not session.is_active
        or session.credential_generation != user.credential_generation
    ):
        return Refused(token_id, REVOKED)
    if claims.get("type") == "refresh" and token_id != session.refresh_jti:
        # A refresh token the session has replaced: a concurrent refresh beat this one,
        # or the token was copied, and then the session ends, here.
        if _lost_refresh_race(session, token_id):
            return Refused(token_id, LOST_REFRESH_RACE)
        _end_session_of_copied_token(session)
        return Refused(token_id, REVOKED)
    return Authenticated(token_id, session, user)


def _lost_refresh_race(session: AuthSession, token_id: str | None) -> bool:
    return (
        token_id is not None
        and token_id == session.previous_refresh_jti
        and session.refreshed_at is not None
        and utcnow() - session.refreshed_at < REFRESH_RACE_WINDOW
    )


def _end_session_of_copied_token(session: AuthSession) -> None:
    session.end()
    db.session.commit()


def _unauthorized(detail: str) -> Response:
    return problem_response(401, detail)


def _refusal(claims: Mapping[str, Any]) -> Response:
    decided = authenticate(claims)
    return _unauthorized(decided.detail if isinstance(decided, Refused) else REVOKED)


def _user(claims: Mapping[str, Any]) -> User | None:
    decided = authenticate(claims)
    return decided.user if isinstance(decided, Authenticated) else None


def init_app(app: Flask) -> None:
    """Answer Flask-JWT-Extended's questions about a token from `authenticate`, and make
    every failure a 401 problem (its defaults are 422 `{"msg": ...}` for some)."""
    jwt.token_in_blocklist_loader(
        lambda _header, claims: not isinstance(authenticate(claims), Authenticated)
    )
    jwt.revoked_token_loader(lambda _header, claims: _refusal(claims))
    jwt.user_lookup_loader(lambda _header, claims: _user(claims))
    jwt.user_identity_loader(lambda identity: str(identity))
    jwt.unauthorized_loader(lambda _reason: _unauthorized("A bearer token is required."))
    jwt.invalid_token_loader(lambda _reason: _unauthorized("The token is invalid."))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("The token has expired."))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The token is invalid."))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("The token is invalid."))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh token is required."))
    app.teardown_request(_forget)


def _forget(_error: BaseException | None) -> None:
    # `g` outlives a request when a test runs requests inside an app context of its own.
    g.pop(_DECIDED, None)
    g.pop("auth_user_id", None)
