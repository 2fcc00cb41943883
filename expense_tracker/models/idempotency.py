"""Responses remembered for `Idempotency-Key` replays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expense_tracker.database import BigId, UTCDateTime, utcnow
from expense_tracker.extensions import Model


class IdempotencyRecord(Model):
    """One key of one caller: pending while its first request runs, then its 2xx response.

    The unique (scope, key) pair is what makes two concurrent requests with one key give
    one result and one 409, on every worker.
    """

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(300))  # "user:<id>", or "path:<path>"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path, document
    status_code: Mapped[int | None] = mapped_column(Integer)  # NULL while pending
    headers: Mapped[str | None] = mapped_column(Text)  # JSON object of replayed headers
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set in the transaction of the request's first write (idempotency.py): a pending
    # record with it belongs to a request whose write landed, even if its answer was lost.
    landed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("scope", "key"),
        CheckConstraint("status_code IS NULL OR status_code BETWEEN 200 AND 299", name="only_2xx"),
        Index("ix_idempotency_records_expires_at", "expires_at"),
    )

    @property
    def is_pending(self) -> bool:
        return self.status_code is None
