"""receipts: photos and PDFs attached to personal and group expenses

The bytes live in the receipt store (a directory by default); a row says what they are and
which expense they belong to (exactly one: a personal or a group expense).

Revision ID: e22a00000001
Revises: e18e00000001
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e22a00000001"
down_revision = "e18e00000001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def upgrade():
    op.create_table(
        "receipts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("expense_id", BigId, nullable=True),
        sa.Column("group_expense_id", BigId, nullable=True),
        sa.Column("group_id", BigId, nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(expense_id IS NULL) <> (group_expense_id IS NULL)",
            name=op.f("ck_receipts_one_expense"),
        ),
        sa.CheckConstraint(
            "(group_expense_id IS NULL) = (group_id IS NULL)",
            name=op.f("ck_receipts_group_with_group_expense"),
        ),
        sa.CheckConstraint(
            "content_type IN ({})".format(", ".join(f"'{kind}'" for kind in TYPES)),
            name=op.f("ck_receipts_content_type_known"),
        ),
        sa.CheckConstraint("size > 0 AND size <= 10485760", name=op.f("ck_receipts_size_in_range")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_receipts_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["expense_id"], ["expenses.id"], name=op.f("fk_receipts_expense_id_expenses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_expense_id"], ["group_expenses.id"],
            name=op.f("fk_receipts_group_expense_id_group_expenses"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_receipts_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_receipts_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_receipts_storage_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index("ix_receipts_expense_id", ["expense_id"], unique=False)
        batch_op.create_index("ix_receipts_group_expense_id", ["group_expense_id"], unique=False)


def downgrade():
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_receipts_group_expense_id")
        batch_op.drop_index("ix_receipts_expense_id")
    op.drop_table("receipts")
