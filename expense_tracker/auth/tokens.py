"""JWT token pairs tied to persisted sessions, and the JWT extension's callbacks.

Every token carries its session id (`sid`). A request is authenticated by one query that
loads the session with its user: a revoked or expired session, a deleted user, or a
refresh token that is not the session's current one, all answer 401.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, Response, current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import select

from expense_tracker.database import utcnow
from expense_tracker.errors import problem_response
from expense_tracker.extensions import db, jwt
from expense_tracker.models import AuthSession, User

SESSION_CLAIM = "sid"


def lifetime(setting: str) -> timedelta:
    return current_app.config[setting]


def issue_token_pair(user: User, session: AuthSession) -> dict[str, Any]:
    """New access and refresh tokens for `session`; the refresh token becomes its only one."""
    session.refresh_jti = str(uuid.uuid4())
    session.expires_at = utcnow() + lifetime("JWT_REFRESH_TOKEN_EXPIRES")
    claims = {SESSION_CLAIM: session.id}
    access_token = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh_token = create_refresh_token(
        identity=str(user.id), additional_claims={**claims, "jti": session.refresh_jti}
    )
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": int(lifetime("JWT_ACCESS_TOKEN_EXPIRES").total_seconds()),
        "refresh_token": refresh_token,
    }


def current_session() -> AuthSession:
    """The session of the token this request was authenticated with."""
    return g.auth_session


def revoke_session(session: AuthSession) -> None:
    if session.revoked_at is None:
        session.revoked_at = utcnow()


def _session_rejects(payload: dict[str, Any]) -> bool:
    """True when the token must not be honoured (the JWT extension then answers 401)."""
    session_id = payload.get(SESSION_CLAIM)
    if not isinstance(session_id, int):
        return True
    if g.get("auth_token_jti") == payload.get("jti"):
        return False  # this very token was already checked during this request
    row = db.session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == session_id)
    ).first()
    if row is None:
        return True
    session, user = row
    if str(user.id) != payload.get("sub") or user.is_deleted or not session.is_active:
        return True
    if payload.get("type") == "refresh" and payload.get("jti") != session.refresh_jti:
        # A superseded refresh token came back: it was copied. End the whole session so
        # that neither the thief nor the owner can keep using it.
        revoke_session(session)
        db.session.commit()
        return True
    g.auth_session = session
    g.auth_user = user
    # A plain int for the request log: reading it never touches the database session.
    g.auth_user_id = user.id
    g.auth_token_jti = payload.get("jti")
    return False


def _unauthorized(detail: str) -> Response:
    return problem_response(401, detail)


def register_jwt_callbacks(app: Flask) -> None:
    jwt.token_in_blocklist_loader(lambda _header, payload: _session_rejects(payload))
    jwt.user_lookup_loader(lambda _header, _payload: g.get("auth_user"))
    jwt.user_identity_loader(lambda identity: str(identity))
    jwt.unauthorized_loader(lambda _reason: _unauthorized("A bearer token is required."))
    jwt.invalid_token_loader(lambda _reason: _unauthorized("The token is invalid."))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("The token has expired."))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("The token has been revoked."))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The token is invalid."))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("The token is invalid."))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh token is required."))
