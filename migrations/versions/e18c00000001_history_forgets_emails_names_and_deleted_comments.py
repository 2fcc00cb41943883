"""history forgets emails, names and deleted comments' text

Activity entries written before this revision hold people's emails and names (member
snapshots, and the members of group snapshots) and the text of comments deleted since.
An entry now names a person by id only (names are looked up when it is read), and a
deleted comment's text is removed from every entry (`body` null, `redacted` true): this
scrubs the entries already stored. Data only, no schema change.

Revision ID: e18c00000001
Revises: e18b00000001
Create Date: 2026-12-07 02:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e18c00000001"
down_revision = "e18b00000001"
branch_labels = None
depends_on = None

BATCH = 1000
PERSONAL = ("full_name", "email")

activity = sa.table(
    "activity",
    sa.column("id", sa.BigInteger()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.BigInteger()),
    sa.column("before", sa.JSON(none_as_null=True)),
    sa.column("after", sa.JSON(none_as_null=True)),
)
comments = sa.table("group_expense_comments", sa.column("id", sa.BigInteger()))


def _person(member):
    return {key: value for key, value in member.items() if key not in PERSONAL}


def _scrubbed(subject_type, snapshot, comment_exists):
    if not isinstance(snapshot, dict):
        return snapshot
    if subject_type == "member":
        return _person(snapshot)
    if subject_type == "group" and isinstance(snapshot.get("members"), list):
        members = [_person(m) if isinstance(m, dict) else m for m in snapshot["members"]]
        return {**snapshot, "members": members}
    if subject_type == "comment" and not comment_exists:
        return {**snapshot, "body": None, "redacted": True}
    return snapshot


def upgrade():
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(
                activity.c.id,
                activity.c.subject_type,
                activity.c.subject_id,
                activity.c.before,
                activity.c.after,
            )
            .where(
                activity.c.id > last,
                activity.c.subject_type.in_(("member", "group", "comment")),
            )
            .order_by(activity.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        comment_ids = sorted({row.subject_id for row in rows if row.subject_type == "comment"})
        existing = set()
        if comment_ids:
            existing = set(
                connection.scalars(sa.select(comments.c.id).where(comments.c.id.in_(comment_ids)))
            )
        changed = []
        for row in rows:
            exists = row.subject_id in existing
            before = _scrubbed(row.subject_type, row.before, exists)
            after = _scrubbed(row.subject_type, row.after, exists)
            if (before, after) != (row.before, row.after):
                changed.append({'row_id': row.id, 'before': before, 'after': after})
        if changed:
            # One executemany per batch (psycopg pipelines it), not a round trip per row.
            connection.execute(
                activity.update().where(activity.c.id == sa.bindparam('row_id')),
                changed,
            )


def downgrade():
    # What was scrubbed is gone for good (that was the point): nothing to put back.
    pass
