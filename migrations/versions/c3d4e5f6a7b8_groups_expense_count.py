"""groups.expense_count: how many expenses each group has, kept by the writes

Revision ID: c3d4e5f6a7b8
Revises: b7c1d2e3f4a5
Create Date: 2026-12-01 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None

groups = sa.table('groups', sa.column('id'), sa.column('expense_count'))
expenses = sa.table('group_expenses', sa.column('id'), sa.column('group_id'))


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expense_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('expense_count_not_negative', 'expense_count >= 0')
    op.get_bind().execute(
        groups.update().values(
            expense_count=sa.select(sa.func.count())
            .select_from(expenses)
            .where(expenses.c.group_id == groups.c.id)
            .scalar_subquery()
        )
    )


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_groups_expense_count_not_negative'), type_='check')
        batch_op.drop_column('expense_count')
