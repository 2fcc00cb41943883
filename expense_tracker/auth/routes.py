"""Accounts and tokens: /users/ and /token."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.auth import cookies, service
from expense_tracker.auth.schemas import (
    AccountDeletionSchema,
    ProfileUpdateSchema,
    RegistrationSchema,
    TokenPairSchema,
    TokenRequestSchema,
    UserSchema,
)
from expense_tracker.http import authentication
from expense_tracker.http.api import (
    FORM_MIMETYPE,
    JSON_MIMETYPE,
    Blueprint,
    accepts,
    auth_required,
    body_limit,
)
from expense_tracker.http.idempotency import idempotent
from expense_tracker.http.limits import current_password_limits, sign_in_limits, sign_up_limits
from expense_tracker.models import User

blp = Blueprint("auth", __name__, description="Accounts and tokens")
# The web app's refresh token travels in a cookie when it asks (cookies.py).
cookies.init_blueprint(blp)


@blp.post("/users/")
@body_limit("AUTH_MAX_CONTENT_LENGTH")
@sign_up_limits
@idempotent(keys_per="path")
@blp.arguments(RegistrationSchema)
@blp.response(201, UserSchema)
@blp.errors(409, 422)
def register(data: dict[str, Any]) -> tuple[User, dict[str, str]]:
    """Register an account"""
    user = service.register(**data)
    return user, {"Location": "/users/me"}


@blp.post("/token")
@body_limit("AUTH_MAX_CONTENT_LENGTH")
@accepts(FORM_MIMETYPE, JSON_MIMETYPE)
@sign_in_limits
@blp.arguments(TokenRequestSchema, location="json_or_form")
@blp.doc(parameters=[cookies.PARAMETER_COMPONENT])
@blp.response(200, TokenPairSchema)
@blp.errors(401, 403, 422)
def login(data: dict[str, Any]) -> dict[str, Any]:
    """Sign in with email and password (OAuth2 password flow; form or JSON)"""
    user = service.authenticate(data["login"], data["password"])
    return cookies.deliver(service.start_session(user))


@blp.post("/token/refresh")
@auth_required(refresh=True)
@blp.doc(parameters=[cookies.PARAMETER_COMPONENT])
@blp.response(200, TokenPairSchema)
@blp.errors(403)
def refresh() -> dict[str, Any]:
    """Exchange the refresh token for a new pair; the one sent stops working"""
    caller = authentication.current()
    if cookies.reissuing():
        return cookies.deliver(service.reissue_session(caller.session, caller.token_id))
    return cookies.deliver(service.refresh_session(caller.session, caller.token_id))


@blp.post("/token/revoke")
@auth_required(verify_type=False)
@blp.doc(parameters=[cookies.PARAMETER_COMPONENT])
@blp.response(204)
@blp.errors(403)
def revoke() -> None:
    """End the session of this token (access or refresh): every token of it stops working"""
    service.end_session(authentication.current().session)


@blp.get("/users/me")
@auth_required()
@blp.response(200, UserSchema)
def get_me() -> User:
    """My account"""
    return current_user


@blp.patch("/users/me")
@auth_required()
@current_password_limits
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, UserSchema)
@blp.errors(403, 422)
def update_me(changes: dict[str, Any]) -> User:
    """Change my name, default currency or password (a new password ends every session)"""
    return service.update_profile(current_user, changes)


@blp.delete("/users/me")
@auth_required()
@current_password_limits
@blp.arguments(AccountDeletionSchema)
@blp.response(204)
@blp.errors(403, 409, 422)
def delete_me(data: dict[str, Any]) -> None:
    """Delete my account: it is anonymised and can no longer sign in"""
    service.delete_account(current_user, data["current_password"])
