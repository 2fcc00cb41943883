"""group expense documents kept as JSON per version, and filled for every existing expense

The list of a group's expenses sends each expense's kept document
(expense_tracker/models/expense_document.py). The upgrade builds the document of every
existing expense (deleted ones too: a restore shows them again) with the project's own
builder, `groups.expenses.listing.expense_document`, from the rows as this revision has them (its
own table definitions below, so that later columns change nothing here), a batch at a
time. A document missing or of another version is built afresh by the list, so a
database upgraded in any order shows the same expenses; this only makes them fast.

Revision ID: e24a00000001
Revises: e22a00000001
Create Date: 2026-12-07 10:30:00.000000

"""

from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from expense_tracker.database import UTCDateTime
from expense_tracker.groups.expenses.listing import encode, expense_document
from expense_tracker.models.rates import DecimalText

# revision identifiers, used by Alembic.
revision = "e24a00000001"
down_revision = "e22a00000001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# expense_listing.SHAPE when this revision was written: the shape these documents have.
SHAPE = 1
BATCH = 500

expenses = sa.table(
    "group_expenses",
    sa.column("id", sa.BigInteger),
    sa.column("group_id", sa.BigInteger),
    sa.column("description", sa.String),
    sa.column("amount", sa.BigInteger),
    sa.column("currency", sa.String),
    sa.column("date", sa.Date),
    sa.column("category", sa.String),
    sa.column("notes", sa.Text),
    sa.column("created_by", sa.BigInteger),
    sa.column("split_type", sa.String),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
    sa.column("original_amount", sa.BigInteger),
    sa.column("original_currency", sa.String),
    sa.column("exchange_rate", DecimalText),
    sa.column("series_id", sa.BigInteger),
    sa.column("occurrence", sa.Integer),
    sa.column("version", sa.Integer),
)
payers = sa.table(
    "group_expense_payers",
    sa.column("expense_id", sa.BigInteger),
    sa.column("user_id", sa.BigInteger),
    sa.column("amount", sa.BigInteger),
    sa.column("original_amount", sa.BigInteger),
)
splits = sa.table(
    "group_expense_splits",
    sa.column("expense_id", sa.BigInteger),
    sa.column("user_id", sa.BigInteger),
    sa.column("amount", sa.BigInteger),
    sa.column("percentage_hundredths", sa.Integer),
    sa.column("shares_hundredths", sa.Integer),
    sa.column("adjustment", sa.BigInteger),
    sa.column("original_amount", sa.BigInteger),
    sa.column("is_paid", sa.Boolean),
    sa.column("paid_at", UTCDateTime),
)
documents = sa.table(
    "group_expense_documents",
    sa.column("expense_id", sa.BigInteger),
    sa.column("version", sa.Integer),
    sa.column("shape", sa.Integer),
    sa.column("body", sa.Text),
)


def upgrade():
    op.create_table(
        "group_expense_documents",
        sa.Column("expense_id", BigId, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shape", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expense_id"],
            ["group_expenses.id"],
            name=op.f("fk_group_expense_documents_expense_id_group_expenses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("expense_id", name=op.f("pk_group_expense_documents")),
    )
    _fill()


def _fill():
    connection = op.get_bind()
    ids = list(connection.execute(sa.select(expenses.c.id).order_by(expenses.c.id)).scalars())
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = connection.execute(
            sa.select(*[column for column in expenses.c]).where(expenses.c.id.in_(chunk))
        ).all()
        payer_rows = defaultdict(list)
        for row in connection.execute(
            sa.select(*payers.c)
            .where(payers.c.expense_id.in_(chunk))
            .order_by(payers.c.expense_id, payers.c.user_id)
        ):
            payer_rows[row[0]].append(row)
        split_rows = defaultdict(list)
        for row in connection.execute(
            sa.select(*splits.c)
            .where(splits.c.expense_id.in_(chunk))
            .order_by(splits.c.expense_id, splits.c.user_id)
        ):
            split_rows[row[0]].append(row)
        connection.execute(
            documents.insert(),
            [
                {
                    "expense_id": row[0],
                    "version": row[-1],
                    "shape": SHAPE,
                    "body": encode(
                        expense_document(row[:-1], payer_rows[row[0]], split_rows[row[0]])
                    ),
                }
                for row in rows
            ],
        )


def downgrade():
    op.drop_table("group_expense_documents")
