"""Recurring series, foreign-currency group expenses, the exchange rate table, guest members

Revision ID: b11000000001
Revises: d08000000001
Create Date: 2026-12-01 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b11000000001'
down_revision = 'd08000000001'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MinorUnits = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# SQLite rebuilds a table to change its constraints; the copy must keep AUTOINCREMENT, or
# a deleted row's id would be handed out again (see database.never_reuse_ids_on_sqlite).
AUTOINCREMENT = {'sqlite_autoincrement': True}


def upgrade():
    op.create_table(
        'recurring_series',
        sa.Column('id', BigId, nullable=False),
        sa.Column('group_id', BigId, nullable=True),
        sa.Column('owner_id', BigId, nullable=True),
        sa.Column('created_by', BigId, nullable=False),
        sa.Column('template', sa.Text(), nullable=False),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('repeat_interval', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('max_occurrences', sa.Integer(), nullable=True),
        sa.Column('next_index', sa.Integer(), nullable=False),
        sa.Column('occurrences', sa.Integer(), nullable=False),
        sa.Column('next_date', sa.Date(), nullable=True),
        sa.Column('last_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('paused_reason', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(group_id IS NULL) <> (owner_id IS NULL)', name=op.f('ck_recurring_series_group_or_owner')),
        sa.CheckConstraint("frequency IN ('daily', 'weekly', 'monthly', 'yearly')", name=op.f('ck_recurring_series_frequency_known')),
        sa.CheckConstraint("status IN ('active', 'paused', 'ended')", name=op.f('ck_recurring_series_status_known')),
        sa.CheckConstraint('repeat_interval BETWEEN 1 AND 366', name=op.f('ck_recurring_series_interval_range')),
        sa.CheckConstraint('max_occurrences IS NULL OR max_occurrences >= 1', name=op.f('ck_recurring_series_count_positive')),
        sa.CheckConstraint('end_date IS NULL OR max_occurrences IS NULL', name=op.f('ck_recurring_series_end_date_or_count')),
        sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_recurring_series_end_after_start')),
        sa.CheckConstraint('next_index >= 0 AND occurrences >= 0', name=op.f('ck_recurring_series_positions_not_negative')),
        sa.CheckConstraint("(status = 'paused') = (paused_reason IS NOT NULL)", name=op.f('ck_recurring_series_paused_why')),
        sa.CheckConstraint("(status = 'ended') = (next_date IS NULL)", name=op.f('ck_recurring_series_ended_no_next')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_recurring_series_created_by_users')),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_recurring_series_group_id_groups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_recurring_series_owner_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_series')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('recurring_series', schema=None) as batch_op:
        batch_op.create_index('ix_recurring_series_due', ['status', 'next_date'], unique=False)
        batch_op.create_index('ix_recurring_series_group_id', ['group_id', 'id'], unique=False)
        batch_op.create_index('ix_recurring_series_owner_id', ['owner_id', 'id'], unique=False)

    op.create_table(
        'exchange_rates',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('per_euro', sa.String(length=40), nullable=False),
        sa.CheckConstraint('length(currency) = 3', name=op.f('ck_exchange_rates_currency_code')),
        sa.CheckConstraint('length(per_euro) >= 1', name=op.f('ck_exchange_rates_rate_not_empty')),
        sa.PrimaryKeyConstraint('day', 'currency', name=op.f('pk_exchange_rates')),
    )

    op.create_table(
        'group_guests',
        sa.Column('user_id', BigId, nullable=False),
        sa.Column('group_id', BigId, nullable=False),
        sa.Column('created_by', BigId, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_group_guests_created_by_users')),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_guests_group_id_groups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_guests_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_group_guests')),
    )
    with op.batch_alter_table('group_guests', schema=None) as batch_op:
        batch_op.create_index('ix_group_guests_group_id', ['group_id'], unique=False)

    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('is_guest', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(op.f('ck_users_deleted_frees_email'), type_='check')
        batch_op.create_check_constraint(
            'deleted_frees_email', 'is_guest OR (deleted_at IS NULL) = (email_key IS NOT NULL)'
        )
        batch_op.create_check_constraint(
            'guest_cannot_sign_in', 'NOT is_guest OR (email_key IS NULL AND password_hash IS NULL)'
        )

    with op.batch_alter_table('expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('series_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('occurrence', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_expenses_series_id_recurring_series'), 'recurring_series',
            ['series_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_unique_constraint('uq_expenses_series_occurrence', ['series_id', 'occurrence'])
        batch_op.create_check_constraint(
            'series_occurrence', '(series_id IS NULL) = (occurrence IS NULL)'
        )

    with op.batch_alter_table('group_expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('original_amount', MinorUnits, nullable=True))
        batch_op.add_column(sa.Column('original_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('exchange_rate', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('series_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('occurrence', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_group_expenses_series_id_recurring_series'), 'recurring_series',
            ['series_id'], ['id'], ondelete='SET NULL',
        )
        batch_op.create_unique_constraint(
            'uq_group_expenses_series_occurrence', ['series_id', 'occurrence']
        )
        batch_op.create_check_constraint(
            'conversion_complete',
            '(original_amount IS NULL) = (original_currency IS NULL) '
            'AND (original_amount IS NULL) = (exchange_rate IS NULL)',
        )
        batch_op.create_check_constraint('original_amount_positive', 'original_amount > 0')
        batch_op.create_check_constraint(
            'series_occurrence', '(series_id IS NULL) = (occurrence IS NULL)'
        )

    with op.batch_alter_table('group_expense_payers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_amount', MinorUnits, nullable=True))
    with op.batch_alter_table('group_expense_splits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_amount', MinorUnits, nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # The rebuild of `groups` in c3d4e5f6a7b8 dropped its AUTOINCREMENT: restored here.
        with op.batch_alter_table('groups', recreate='always', table_kwargs=AUTOINCREMENT):
            pass


def downgrade():
    with op.batch_alter_table('group_expense_splits', schema=None) as batch_op:
        batch_op.drop_column('original_amount')
    with op.batch_alter_table('group_expense_payers', schema=None) as batch_op:
        batch_op.drop_column('original_amount')
    with op.batch_alter_table('group_expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f('ck_group_expenses_series_occurrence'), type_='check')
        batch_op.drop_constraint(op.f('ck_group_expenses_original_amount_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_group_expenses_conversion_complete'), type_='check')
        batch_op.drop_constraint('uq_group_expenses_series_occurrence', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_group_expenses_series_id_recurring_series'), type_='foreignkey')
        for column in ('occurrence', 'series_id', 'exchange_rate', 'original_currency', 'original_amount'):
            batch_op.drop_column(column)
    with op.batch_alter_table('expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f('ck_expenses_series_occurrence'), type_='check')
        batch_op.drop_constraint('uq_expenses_series_occurrence', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_expenses_series_id_recurring_series'), type_='foreignkey')
        batch_op.drop_column('occurrence')
        batch_op.drop_column('series_id')
    # Guests cannot survive the old rule (an account without an email is a deleted one).
    op.execute('DELETE FROM users WHERE is_guest')
    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_guest_cannot_sign_in'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_deleted_frees_email'), type_='check')
        batch_op.create_check_constraint(
            'deleted_frees_email', '(deleted_at IS NULL) = (email_key IS NOT NULL)'
        )
        batch_op.drop_column('is_guest')
    with op.batch_alter_table('group_guests', schema=None) as batch_op:
        batch_op.drop_index('ix_group_guests_group_id')
    op.drop_table('group_guests')
    op.drop_table('exchange_rates')
    with op.batch_alter_table('recurring_series', schema=None) as batch_op:
        batch_op.drop_index('ix_recurring_series_owner_id')
        batch_op.drop_index('ix_recurring_series_group_id')
        batch_op.drop_index('ix_recurring_series_due')
    op.drop_table('recurring_series')
