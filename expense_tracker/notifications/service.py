"""A user's notifications: list them, count the unread, mark them read.

They are written with the activity entry they come from (`groups.activity.record`);
here they are only read and marked.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, func, select, update

from expense_tracker.database import utcnow
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.models import Notification, User


def my_notifications(user: User, *, unread: bool) -> Select[Notification]:
    """The user's notifications (only the unread ones, with `unread`), newest first."""
    statement = select(Notification).where(Notification.user_id == user.id)
    if unread:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(user: User, ids: Collection[int] | None, up_to: int | None) -> None:
    """Mark these notifications (or every one with `id <= up_to`) read; 422 when an id
    is not one of the user's. Ones already read keep their first `read_at`."""
    mine = Notification.user_id == user.id
    if ids is not None:
        found = set(
            db.session.scalars(select(Notification.id).where(mine, Notification.id.in_(ids)))
        )
        missing = sorted(set(ids) - found)
        if missing:
            raise ValidationFailed.field(
                "ids", f"Not notifications of yours: {', '.join(map(str, missing))}."
            )
        which: ColumnElement[bool] = Notification.id.in_(ids)
    else:
        assert up_to is not None
        which = Notification.id <= up_to
    db.session.execute(
        update(Notification)
        .where(mine, which, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
