"""Accounts and their sign-in sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, utcnow
from expense_tracker.extensions import Model


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # `email` keeps the spelling the user gave; `email_key` is its Unicode case fold, unique,
    # so that two spellings of one address cannot both register. NULL once deleted.
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(100))
    default_currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised in the same UPDATE that replaces the password hash (a new password, deletion).
    # A session keeps the value read together with the hash its sign-in checked, and is
    # refused once they differ: even a sign-in that raced the change, checked the old
    # password and created its session after the change revoked the others.
    credential_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How many personal expenses the user has, kept by every write that adds or deletes
    # them (expenses/service.py): the list's X-Total-Count without counting a million rows.
    expense_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A group's guest member: someone without an account (no email, no password), who
    # cannot sign in (groups/guests/service.py; the group is in `GroupGuest`).
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("length(default_currency) = 3", name="currency_code"),
        CheckConstraint("expense_count >= 0", name="expense_count_not_negative"),
        CheckConstraint(
            "is_guest OR (deleted_at IS NULL) = (email_key IS NOT NULL)",
            name="deleted_frees_email",
        ),
        CheckConstraint(
            "NOT is_guest OR (email_key IS NULL AND password_hash IS NULL)",
            name="guest_cannot_sign_in",
        ),
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserFacts(Protocol):
    """What a read of a user's own data uses of them: a `User`, or the facts a hot read's
    session check gives (http/authentication.CallerFacts)."""

    @property
    def id(self) -> int: ...

    @property
    def default_currency(self) -> str: ...

    @property
    def expense_count(self) -> int: ...


class AuthSession(Model):
    """One sign-in: every token pair issued from one login and its refreshes.

    Revocation is stored here rather than in process memory, so it survives restarts and
    holds across gunicorn workers. `refresh_jti` is the only refresh token of the session
    that still works; presenting an older one means it leaked, and ends the session, except
    for the one it replaced (`previous_refresh_jti`) presented within moments of the
    replacement (`refreshed_at`): that is a concurrent refresh that lost the race (see
    expense_tracker/http/authentication.py).
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    refresh_jti: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_refresh_jti: Mapped[str | None] = mapped_column(String(36))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user's credential_generation when this session signed in.
    credential_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_auth_sessions_user_id", "user_id"),)

    @property
    def is_active(self) -> bool:
        return self.active(self.revoked_at, self.expires_at)

    @staticmethod
    def active(revoked_at: datetime | None, expires_at: datetime) -> bool:
        """Neither ended nor expired (also for a session read as plain columns)."""
        return revoked_at is None and expires_at > utcnow()

    def end(self) -> None:
        """Stop every token of this session (a session already ended keeps its time)."""
        if self.revoked_at is None:
            self.revoked_at = utcnow()
