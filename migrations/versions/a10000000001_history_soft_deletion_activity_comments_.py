"""history: soft deletion, activity, comments, notifications, change log

Deleted group expenses, settlements and groups keep their rows (`deleted_at`,
`deleted_by`); the lists' indexes cover the live rows only. `activity` is every change in a
group with its before/after snapshots; `expense_changes` and `profile_changes` log personal
expense writes and name changes for the sync feed; they carry the writing transaction's id (`txid`, PostgreSQL) for it.

Revision ID: a10000000001
Revises: b11000000001
Create Date: 2026-12-01 05:53:08.552364

"""
from alembic import op
import sqlalchemy as sa


# A table rebuilt on SQLite (batch mode) keeps its AUTOINCREMENT: ids are never reused.
AUTOINCREMENT = {'sqlite_autoincrement': True}

# revision identifiers, used by Alembic.
revision = 'a10000000001'
down_revision = 'b11000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('expense_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('expense_id', sa.BigInteger(), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expense_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expense_changes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('expense_changes', schema=None) as batch_op:
        batch_op.create_index('ix_expense_changes_txid', ['txid'], unique=False)
        batch_op.create_index('ix_expense_changes_user_id', ['user_id', 'id'], unique=False)

    op.create_table('profile_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_profile_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_changes')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('profile_changes', schema=None) as batch_op:
        batch_op.create_index('ix_profile_changes_txid', ['txid'], unique=False)

    op.create_table('activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('after', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('txid', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('group.created', 'group.updated', 'group.deleted', 'group.restored', 'invite_code.rotated', 'member.joined', 'member.left', 'member.removed', 'member.role_changed', 'expense.created', 'expense.updated', 'expense.deleted', 'expense.restored', 'split.paid', 'split.unpaid', 'settlement.created', 'settlement.deleted', 'settlement.restored', 'comment.created', 'comment.deleted')", name=op.f('ck_activity_kind_known')),
    sa.CheckConstraint("subject_type IN ('group', 'member', 'expense', 'settlement', 'comment')", name=op.f('ck_activity_subject_type_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_activity_actor_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_activity_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index('ix_activity_group_id', ['group_id', 'id'], unique=False)
        batch_op.create_index('ix_activity_group_subject', ['group_id', 'subject_type', 'subject_id'], unique=False)
        batch_op.create_index('ix_activity_txid', ['txid'], unique=False)

    op.create_table('group_expense_comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('expense_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(body) >= 1 AND length(body) <= 2000', name=op.f('ck_group_expense_comments_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_group_expense_comments_author_id_users')),
    sa.ForeignKeyConstraint(['expense_id'], ['group_expenses.id'], name=op.f('fk_group_expense_comments_expense_id_group_expenses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_expense_comments_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_expense_comments')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('group_expense_comments', schema=None) as batch_op:
        batch_op.create_index('ix_group_expense_comments_expense_id', ['expense_id', 'id'], unique=False)
        batch_op.create_index('ix_group_expense_comments_group_id', ['group_id', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_notifications_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_notifications_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_unread', ['user_id', 'id'], unique=False, postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
        batch_op.create_index('ix_notifications_user_id', ['user_id', 'id'], unique=False)

    with op.batch_alter_table('group_expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        # The list's index covers the live rows only from now on (partial).
        batch_op.drop_index('ix_group_expenses_group_date')
        batch_op.create_index('ix_group_expenses_group_date', ['group_id', 'date', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_group_expenses_deleted', ['group_id', 'date', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NOT NULL'), sqlite_where=sa.text('deleted_at IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_group_expenses_deleted_by_users'), 'users', ['deleted_by'], ['id'])

    with op.batch_alter_table('group_settlements', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.drop_index('ix_group_settlements_group_created')
        batch_op.create_index('ix_group_settlements_group_created', ['group_id', 'created_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_group_settlements_deleted', ['group_id', 'created_at', 'id'], unique=False, postgresql_where=sa.text('deleted_at IS NOT NULL'), sqlite_where=sa.text('deleted_at IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_group_settlements_deleted_by_users'), 'users', ['deleted_by'], ['id'])

    with op.batch_alter_table('groups', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_groups_deleted_by_users'), 'users', ['deleted_by'], ['id'])



def downgrade():
    with op.batch_alter_table('groups', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_groups_deleted_by_users'), type_='foreignkey')
        batch_op.drop_column('deleted_by')
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('group_settlements', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_group_settlements_deleted_by_users'), type_='foreignkey')
        batch_op.drop_index('ix_group_settlements_deleted', postgresql_where=sa.text('deleted_at IS NOT NULL'), sqlite_where=sa.text('deleted_at IS NOT NULL'))
        batch_op.drop_index('ix_group_settlements_group_created')
        batch_op.create_index('ix_group_settlements_group_created', ['group_id', 'created_at', 'id'], unique=False)
        batch_op.drop_column('deleted_by')
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('group_expenses', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_group_expenses_deleted_by_users'), type_='foreignkey')
        batch_op.drop_index('ix_group_expenses_deleted', postgresql_where=sa.text('deleted_at IS NOT NULL'), sqlite_where=sa.text('deleted_at IS NOT NULL'))
        batch_op.drop_index('ix_group_expenses_group_date')
        batch_op.create_index('ix_group_expenses_group_date', ['group_id', 'date', 'id'], unique=False)
        batch_op.drop_column('deleted_by')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('notes')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id')
        batch_op.drop_index('ix_notifications_unread', postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))

    op.drop_table('notifications')
    with op.batch_alter_table('group_expense_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_group_expense_comments_group_id')
        batch_op.drop_index('ix_group_expense_comments_expense_id')

    op.drop_table('group_expense_comments')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_txid')
        batch_op.drop_index('ix_activity_group_subject')
        batch_op.drop_index('ix_activity_group_id')

    op.drop_table('activity')
    with op.batch_alter_table('expense_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_expense_changes_user_id')
        batch_op.drop_index('ix_expense_changes_txid')

    op.drop_table('expense_changes')
    with op.batch_alter_table('profile_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_changes_txid')

    op.drop_table('profile_changes')
