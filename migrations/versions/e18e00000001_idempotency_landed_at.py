"""an idempotency key records, in the write's own transaction, that its request's write landed

A host that dies between a request's write and the commit that stores its answer left the
key pending; five minutes later a retry took it for abandoned and wrote a second time.
`landed_at` is set in the transaction of the write itself, so a retry can tell a request
that never wrote from one whose answer was lost. Existing rows keep NULL (their requests
finished, or wrote nothing that this column could have recorded).

Revision ID: e18e00000001
Revises: e18c00000001
Create Date: 2026-12-07 03:15:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e18e00000001"
down_revision = "e18c00000001"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (no SQLite table rebuild).
    op.add_column(
        "idempotency_records", sa.Column("landed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("landed_at")
