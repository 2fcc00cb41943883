"""Account rules: registration, sign-in, sessions, profile changes and deletion."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from expense_tracker.auth import passwords, tokens
from expense_tracker.auth.errors import EmailTaken, WrongCredentials, WrongCurrentPassword
from expense_tracker.changelog import personal_log
from expense_tracker.database import commit_keeping_loaded, utcnow
from expense_tracker.domain.text import email_key
from expense_tracker.errors import Unauthorized
from expense_tracker.expenses import summaries
from expense_tracker.extensions import db
from expense_tracker.groups.access import lock_account
from expense_tracker.groups.membership import leave_all_groups
from expense_tracker.http import authentication
from expense_tracker.models import AuthSession, Expense, User

DELETED_USER_NAME = "Deleted user"


def _rounds() -> int:
    return int(current_app.config["BCRYPT_LOG_ROUNDS"])


def register(email: str, password: str, full_name: str, default_currency: str) -> User:
    """Create an account; 409 when the email is taken in any letter case."""
    key = email_key(email)
    if key is None:  # the schema has validated the address already
        raise ValueError(f"not an email address: {email!r}")
    # Hashed before the transaction begins: on SQLite it holds the one write lock.
    password_hash = passwords.hash_password(password, _rounds())
    if db.session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        email_key=key,
        full_name=full_name,
        password_hash=password_hash,
        default_currency=default_currency,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration won the unique index
        db.session.rollback()
        raise EmailTaken() from None
    return user


def authenticate(login: str, password: str) -> User:
    """The user with these credentials; the same 401, in the same time, for any failure."""
    key = email_key(login)
    user = None
    if key is not None:
        # Fresh from this one row, hash and credential generation alike (start_session).
        user = db.session.scalar(
            select(User).where(User.email_key == key).execution_options(populate_existing=True)
        )
    password_hash = user.password_hash if user is not None else None
    # End the read before the slow hash check, keeping `user` as read: a transaction of a
    # POST holds SQLite's one write lock (database.py), and no other write should wait for
    # bcrypt. start_session writes in a transaction of its own.
    commit_keeping_loaded(db.session())
    if not passwords.check_password(password, password_hash, _rounds()) or user is None:
        raise WrongCredentials()
    return user


def start_session(user: User) -> dict[str, Any]:
    """Open a sign-in session for `user`, whose password `authenticate` has just checked.

    The session keeps the user's credential generation as `authenticate` read it, in the
    same row as the password hash it checked. A password change commits a new generation
    with the new hash, so a sign-in that raced it (checked the old password, then created
    its session after the change had ended the others) gets a session whose every token is
    refused, on PostgreSQL and SQLite alike, without any lock.
    """
    refresh_token_id = tokens.new_token_id()
    session = AuthSession(
        user_id=user.id,
        refresh_jti=refresh_token_id,
        credential_generation=user.credential_generation,
        expires_at=utcnow() + tokens.lifetime("JWT_REFRESH_TOKEN_EXPIRES"),
    )
    db.session.add(session)
    db.session.flush()
    pair = tokens.token_pair(user.id, session.id, refresh_token_id)
    db.session.commit()
    return pair


def refresh_session(session: AuthSession, refresh_token_id: str | None) -> dict[str, Any]:
    """Rotate: a new pair, and the refresh token `refresh_token_id` stops working.

    The UPDATE replaces the session's refresh token only if it still is `refresh_token_id`
    (and the session has not ended), so of several refreshes with one token at once exactly
    one succeeds: PostgreSQL makes a second UPDATE of the row wait for the first to commit,
    then re-checks its condition against the new row; SQLite runs one writer at a time.
    The others get 401 and the session goes on (authentication.py says why that is safe).
    """
    session_id, user_id = session.id, session.user_id
    new_id = tokens.new_token_id()
    now = utcnow()
    rotation = db.session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.refresh_jti == refresh_token_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(
            refresh_jti=new_id,
            previous_refresh_jti=refresh_token_id,
            refreshed_at=now,
            expires_at=now + tokens.lifetime("JWT_REFRESH_TOKEN_EXPIRES"),
        )
        .execution_options(synchronize_session=False)
    )
    # An UPDATE's result is a CursorResult, with its rowcount; SQLAlchemy types
    # Session.execute as returning any Result.
    if cast(CursorResult[Any], rotation).rowcount != 1:
        db.session.rollback()
        ended = session.revoked_at is not None  # reloaded: the rollback expired it
        raise Unauthorized(authentication.REVOKED if ended else authentication.LOST_REFRESH_RACE)
    pair = tokens.token_pair(user_id, session_id, new_id)
    db.session.commit()
    return pair


def reissue_session(session: AuthSession, refresh_token_id: str | None) -> dict[str, Any]:
    """A new access token and the session's current refresh token `refresh_token_id` again,
    without rotating: for a browser whose cookie missed the last rotation (auth/cookies.py).

    The row is read again, locked (on PostgreSQL; SQLite runs one writer at a time), so
    that a rotation committed since the token was checked is seen: then the answer is the
    401 of a lost race, as for a refresh that lost its rotation.
    """
    current = db.session.get(AuthSession, session.id, with_for_update=True, populate_existing=True)
    if current is None or not current.is_active or current.refresh_jti != refresh_token_id:
        db.session.rollback()
        raise Unauthorized(authentication.LOST_REFRESH_RACE)
    pair = tokens.token_pair(current.user_id, current.id, refresh_token_id)
    db.session.commit()
    return pair


def end_session(session: AuthSession) -> None:
    """Sign out: every token of `session` stops working."""
    session.end()
    db.session.commit()


def purge_sessions(kept_for: timedelta) -> int:
    """Delete the sessions that expired or were ended more than `kept_for` ago; how many.

    Ended sessions are kept a while rather than deleted at once, for reuse detection: when
    a copied refresh token is presented its session ends (authentication.py), and the row
    is the record of it (whose session, when it signed in, was last refreshed and ended)
    for the user and an operator to look into. Tokens of the session are refused with or
    without the row; keeping rows at least REFRESH_TOKEN_LIFETIME means none of its tokens
    can even be presented any more once the row goes. Active sessions are never touched.
    """
    cutoff = utcnow() - kept_for
    result = db.session.execute(
        delete(AuthSession).where(
            or_(AuthSession.expires_at <= cutoff, AuthSession.revoked_at <= cutoff)
        )
    )
    db.session.commit()
    # A DELETE's result is a CursorResult, with its rowcount (see refresh_session).
    return cast(CursorResult[Any], result).rowcount or 0


def _replace_password(user: User, password_hash: str | None) -> None:
    """Set the password hash (None: no password at all) and end every session of `user`.

    The credential generation goes up in the same UPDATE as the hash: sessions created by
    sign-ins still checking the old password, which the UPDATE of auth_sessions below
    cannot see yet, are refused by it (start_session).
    """
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            password_hash=password_hash,
            credential_generation=User.credential_generation + 1,
        )
    )
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _require_password(user: User, password: str | None) -> None:
    # Checked outside the request's transaction, which on SQLite holds the one write lock
    # (database.py): no other write waits for bcrypt. The change then begins anew.
    password_hash = user.password_hash
    commit_keeping_loaded(db.session())
    if password is None or not passwords.check_password(password, password_hash, _rounds()):
        raise WrongCurrentPassword()


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes; a new password needs the current one and ends every session."""
    new_password = changes.pop("password", None)
    current_password = changes.pop("current_password", None)
    if new_password is not None:
        _require_password(user, current_password)
        _replace_password(user, passwords.hash_password(new_password, _rounds()))
    if changes.get("full_name", user.full_name) != user.full_name:
        # Members show their name: every group of theirs changes for the sync feed.
        personal_log.record_profile(user.id)
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
    # Locks in the order other writes take them. The expenses first: deleting one locks
    # it, then the account's row (its kept count). Then the account's row, before any
    # group's, as a join does: a join racing this deletion either lands before the
    # memberships are read, and is ended with them, or finds the account deleted.
    db.session.execute(delete(Expense).where(Expense.owner_id == user.id))
    lock_account(user)
    summaries.forget_user(user.id)
    leave_all_groups(user)
    user.expense_count = 0
    _replace_password(user, None)
    user.email = None
    user.email_key = None
    user.full_name = DELETED_USER_NAME
    user.deleted_at = utcnow()
    db.session.commit()
