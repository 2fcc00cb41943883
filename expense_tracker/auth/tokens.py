"""JWT token pairs: what they carry and how they are made.

Every token carries its session's id (`sid`). A refresh token's id (`jti`) is the
session's `refresh_jti` while it is the session's current one. Whether a token presented
with a request is honoured is decided in authentication.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token

from expense_tracker.http.authentication import SESSION_CLAIM


def lifetime(setting: str) -> timedelta:
    return current_app.config[setting]


def new_token_id() -> str:
    return str(uuid.uuid4())


def refresh_token(user_id: int, session_id: int, refresh_token_id: str) -> str:
    """A refresh token of a session, whose id is `refresh_token_id`."""
    return create_refresh_token(
        identity=str(user_id),
        additional_claims={SESSION_CLAIM: session_id, "jti": refresh_token_id},
    )


def token_pair(user_id: int, session_id: int, refresh_token_id: str) -> dict[str, Any]:
    """Access and refresh tokens of a session; the refresh token's id is `refresh_token_id`."""
    claims = {SESSION_CLAIM: session_id}
    access_token = create_access_token(identity=str(user_id), additional_claims=claims)
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": int(lifetime("JWT_ACCESS_TOKEN_EXPIRES").total_seconds()),
        "refresh_token": refresh_token(user_id, session_id, refresh_token_id),
    }
