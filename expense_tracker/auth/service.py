"""Account rules: registration, sign-in, sessions, profile changes and deletion."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from expense_tracker.auth import passwords, tokens
from expense_tracker.database import utcnow
from expense_tracker.errors import Conflict, Forbidden, Unauthorized
from expense_tracker.extensions import db
from expense_tracker.groups.membership import leave_all_groups
from expense_tracker.models import AuthSession, Expense, User
from expense_tracker.text import email_key

DELETED_USER_NAME = "Deleted user"


def _rounds() -> int:
    return int(current_app.config["BCRYPT_LOG_ROUNDS"])


def register(email: str, password: str, full_name: str, default_currency: str) -> User:
    """Create an account; 409 when the email is taken in any letter case."""
    key = email_key(email)
    if key is None:  # the schema has validated the address already
        raise ValueError(f"not an email address: {email!r}")
    if db.session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(
        email=email,
        email_key=key,
        full_name=full_name,
        password_hash=passwords.hash_password(password, _rounds()),
        default_currency=default_currency,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration won the unique index
        db.session.rollback()
        raise Conflict("An account with this email already exists.") from None
    return user


def authenticate(login: str, password: str) -> User:
    """The user with these credentials; the same 401, in the same time, for any failure."""
    key = email_key(login)
    user = None
    if key is not None:
        user = db.session.scalar(select(User).where(User.email_key == key))
    password_hash = user.password_hash if user is not None else None
    if not passwords.check_password(password, password_hash, _rounds()) or user is None:
        raise Unauthorized("Incorrect email or password.")
    return user


def start_session(user: User) -> dict[str, Any]:
    session = AuthSession(user_id=user.id, refresh_jti="", expires_at=utcnow())
    db.session.add(session)
    db.session.flush()
    pair = tokens.issue_token_pair(user, session)
    db.session.commit()
    return pair


def refresh_session(user: User) -> dict[str, Any]:
    """Rotate: a new pair, and the refresh token just used stops working."""
    pair = tokens.issue_token_pair(user, tokens.current_session())
    db.session.commit()
    return pair


def end_current_session() -> None:
    tokens.revoke_session(tokens.current_session())
    db.session.commit()


def _end_all_sessions(user: User) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _require_password(user: User, password: str | None) -> None:
    if password is None or not passwords.check_password(password, user.password_hash, _rounds()):
        raise Forbidden("The current password is wrong.")


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes; a new password needs the current one and ends every session."""
    new_password = changes.pop("password", None)
    current_password = changes.pop("current_password", None)
    if new_password is not None:
        _require_password(user, current_password)
        user.password_hash = passwords.hash_password(new_password, _rounds())
        _end_all_sessions(user)
    for name, value in changes.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def delete_account(user: User, current_password: str) -> None:
    """Anonymise the account: it cannot sign in, its email is free, its own data is gone.

    409 while the user has a non-zero balance in a group, or is the only owner of a group
    with other members. Their group memberships end; group history keeps their user_id.
    """
    _require_password(user, current_password)
    leave_all_groups(user)
    db.session.execute(delete(Expense).where(Expense.owner_id == user.id))
    _end_all_sessions(user)
    user.email = None
    user.email_key = None
    user.full_name = DELETED_USER_NAME
    user.password_hash = None
    user.deleted_at = utcnow()
    db.session.commit()
