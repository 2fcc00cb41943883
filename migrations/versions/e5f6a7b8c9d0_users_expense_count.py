"""users.expense_count: how many personal expenses each user has, kept by the writes

Revision ID: e5f6a7b8c9d0
Revises: dd3764e1acf5
Create Date: 2026-12-01 04:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'dd3764e1acf5'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id'), sa.column('expense_count'))
expenses = sa.table('expenses', sa.column('id'), sa.column('owner_id'))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expense_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('expense_count_not_negative', 'expense_count >= 0')
    op.get_bind().execute(
        users.update().values(
            expense_count=sa.select(sa.func.count())
            .select_from(expenses)
            .where(expenses.c.owner_id == users.c.id)
            .scalar_subquery()
        )
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_expense_count_not_negative'), type_='check')
        batch_op.drop_column('expense_count')
