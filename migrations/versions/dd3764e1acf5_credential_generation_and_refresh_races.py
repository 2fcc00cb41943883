"""Credential generation on users and sessions; the refresh token a session replaced last

Revision ID: dd3764e1acf5
Revises: c3d4e5f6a7b8
Create Date: 2026-12-01 03:40:00.000000

`credential_generation` (users and auth_sessions) ends sessions whose sign-in raced a
password change; `previous_refresh_jti` and `refreshed_at` tell a refresh that lost a race
to a concurrent one from a stolen refresh token. Existing sessions start at generation 0,
as their users do, so nobody is signed out by the upgrade.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dd3764e1acf5'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('credential_generation', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_refresh_jti', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('credential_generation', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_column('credential_generation')
        batch_op.drop_column('refreshed_at')
        batch_op.drop_column('previous_refresh_jti')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('credential_generation')
