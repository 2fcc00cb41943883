"""The activity log: every change in a group appends one entry, in its own transaction.

An entry is `{id, group_id, actor_id, kind, subject_type, subject_id, at, before, after}`;
`before` and `after` are the subject's representation (what `GET` on it answers) just
before and just after the change, dumped here while the write still holds the rows, so
that an entry never changes afterwards: an old entry shows the old values. The invite
code never appears in one.

Writing an entry is one INSERT; the notifications it derives (`notifications.recipients`)
are one more, a single INSERT ... SELECT over the recipients' membership rows, and only
when someone other than the actor is concerned. The entry also carries the writing
transaction's id (`changelog.window`), which is how the sync feed finds the changes
committed since a client's last call.

Privacy: an entry never holds an email, nor a person's name. A person in a snapshot is
their id; `readable` adds each one's current name when entries are read (one query per
page), so a renamed person shows their current name and a deleted account "Deleted user"
in every old entry too. The one change an entry ever undergoes: deleting a comment
removes its text from every entry that held it (`redact_comment`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Select, String, insert, literal, select

from expense_tracker.changelog.window import transaction_id
from expense_tracker.database import UTCDateTime, utcnow
from expense_tracker.extensions import db
from expense_tracker.groups.access import my_group_ids

# The snapshots an entry keeps, named here as the writers have always called them.
from expense_tracker.groups.activity.snapshots import (  # noqa: F401
    of_comment,
    of_expense,
    of_group,
    of_member,
    of_settlement,
)
from expense_tracker.models import (
    Activity,
    Comment,
    Group,
    GroupMember,
    Notification,
    User,
)
from expense_tracker.notifications.recipients import recipients

Snapshot = dict[str, Any] | None


def redacted(snapshot: Snapshot) -> Snapshot:
    """A comment snapshot with its text removed."""
    return None if snapshot is None else {**snapshot, "body": None, "redacted": True}


# --------------------------------------------------------------------------- writing

_insert_entry = insert(Activity).returning(Activity.id)


def record(
    group_id: int,
    actor_id: int,
    kind: str,
    subject: tuple[str, int],
    before: Snapshot = None,
    after: Snapshot = None,
    *,
    concerned: Iterable[int] = (),
) -> int:
    """Append an entry (the caller commits) and notify whom it concerns; its id.

    `concerned`: people the snapshots do not name but whom the change concerns (the
    people in an expense that gained a comment).
    """
    at = utcnow()
    subject_type, subject_id = subject
    activity_id = db.session.scalar(
        _insert_entry.values(
            group_id=group_id,
            actor_id=actor_id,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            at=at,
            before=before,
            after=after,
            txid=transaction_id(),
        )
    )
    assert activity_id is not None
    notified = recipients(kind, before, after, concerned) - {actor_id}
    if notified:
        _notify(activity_id, group_id, actor_id, kind, at, notified)
    return activity_id


def record_created(
    group_id: int, actor_id: int, kind: str, created: Sequence[tuple[str, int, Snapshot]]
) -> None:
    """Append one `kind` entry per (subject_type, subject_id, after) of `created`, in one
    statement (the caller commits): for many new subjects at once (an import). Nobody is
    notified: only for subjects that concern no one but the actor and guests."""
    at = utcnow()
    if created:
        # The transaction id is an SQL expression on PostgreSQL: one value for every row.
        db.session.execute(
            insert(Activity).values(txid=transaction_id()),
            [
                {
                    "group_id": group_id,
                    "actor_id": actor_id,
                    "kind": kind,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "at": at,
                    "before": None,
                    "after": after,
                }
                for subject_type, subject_id, after in created
            ],
        )


_NOTIFICATION_COLUMNS = ("user_id", "activity_id", "group_id", "kind", "actor_id", "at")


def _notify(
    activity_id: int, group_id: int, actor_id: int, kind: str, at: datetime, users: set[int]
) -> None:
    """One notification per user among `users` who is a member of the group: one
    INSERT ... SELECT over their membership rows.

    A former member hears nothing new from the group (an expense they were in may still
    be edited or commented on), except of their own removal, which ended it.
    """
    members, users_table = GroupMember.__table__, User.__table__
    rows = (
        select(
            members.c.user_id,
            literal(activity_id, BigInteger()),
            literal(group_id, BigInteger()),
            literal(kind, String()),
            literal(actor_id, BigInteger()),
            literal(at, UTCDateTime()),
        )
        .join(users_table, users_table.c.id == members.c.user_id)
        # Guests cannot sign in: nobody would ever read theirs.
        .where(members.c.group_id == group_id, members.c.user_id.in_(sorted(users)))
        .where(users_table.c.is_guest.is_(False))
    )
    if kind != "member.removed":
        rows = rows.where(members.c.left_at.is_(None))
    db.session.execute(insert(Notification).from_select(_NOTIFICATION_COLUMNS, rows))


def redact_comment(comment: Comment) -> None:
    """Remove the comment's text from every entry that holds it (the caller commits).

    A deleted comment may have held anything ("my IBAN is ..."): its text must not outlive
    it in the history, the one exception to "an entry never changes".
    """
    entries = db.session.scalars(
        select(Activity).where(
            Activity.group_id == comment.group_id,
            Activity.subject_type == "comment",
            Activity.subject_id == comment.id,
        )
    )
    for entry in entries:
        # New values, not changes in place: the JSON columns do not track mutation.
        entry.before, entry.after = redacted(entry.before), redacted(entry.after)


# --------------------------------------------------------------------------- reading

FILTERS = ("kind", "subject_type", "subject_id", "actor_id")


def group_entries(group: Group, filters: Mapping[str, Any]) -> Select[Activity]:
    """The group's entries matching `filters`, newest first."""
    statement = select(Activity).where(Activity.group_id == group.id)
    for name in FILTERS:
        if name in filters:
            statement = statement.where(getattr(Activity, name) == filters[name])
    return statement.order_by(Activity.id.desc())


def my_entries(user: User, group_id: int | None) -> Select[Activity]:
    """The entries of every group `user` currently belongs to (or of one), newest first."""
    statement = select(Activity).where(Activity.group_id.in_(my_group_ids(user)))
    if group_id is not None:
        statement = statement.where(Activity.group_id == group_id)
    return statement.order_by(Activity.id.desc())


# --------------------------------------------------------------------------- names

DELETED_NAME = "Deleted user"  # a person whose row is gone (a merged guest)


def _shape(entry: Activity) -> str:
    """What an entry's snapshots hold: its subject's representation, except for a guest
    merge request, which is logged under its guest (`subject_type: "member"`) but holds
    the request (ids only, nothing to name)."""
    return "merge_request" if entry.kind.startswith("merge.") else entry.subject_type


def _people(subject_type: str, snapshot: Snapshot) -> list[dict[str, Any]]:
    """The person objects a snapshot holds (a member, a group's members)."""
    if not snapshot:
        return []
    if subject_type == "member":
        return [snapshot]
    if subject_type == "group":
        return list(snapshot.get("members") or [])
    return []


def _named(subject_type: str, snapshot: Snapshot, names: Mapping[int, str]) -> Snapshot:
    """A copy of the snapshot with each person's current name (and no email)."""

    def person(member: Mapping[str, Any]) -> dict[str, Any]:
        # Whatever an old entry held, its email is not shown (the migration scrubs them).
        named = {**member, "full_name": names.get(member["user_id"], DELETED_NAME)}
        named["email"] = None
        return named

    if not snapshot or subject_type not in ("member", "group"):
        return snapshot
    if subject_type == "member":
        return person(snapshot)
    if snapshot.get("members") is None:
        return snapshot
    return {**snapshot, "members": [person(member) for member in snapshot["members"]]}


def readable(entries: Sequence[Activity]) -> list[dict[str, Any]]:
    """The entries as the API shows them: each person named by their current name.

    One query for the names of the whole page, whatever its size.
    """
    ids = {
        person["user_id"]
        for entry in entries
        for snapshot in (entry.before, entry.after)
        for person in _people(_shape(entry), snapshot)
    }
    names: dict[int, str] = {}
    if ids:
        rows = db.session.execute(select(User.id, User.full_name).where(User.id.in_(sorted(ids))))
        names = {row.id: row.full_name for row in rows}
    return [
        {
            "id": entry.id,
            "group_id": entry.group_id,
            "actor_id": entry.actor_id,
            "kind": entry.kind,
            "subject_type": entry.subject_type,
            "subject_id": entry.subject_id,
            "at": entry.at,
            "before": _named(_shape(entry), entry.before, names),
            "after": _named(_shape(entry), entry.after, names),
        }
        for entry in entries
    ]
