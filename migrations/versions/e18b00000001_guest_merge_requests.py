"""guest merges need two yeses: merge requests; a merge logs the settlements it changes

`guest_merges` holds one side's yes to merging a guest into an account until the other
side answers (at most one pending request per guest and account). The activity log gains
the kinds `settlement.updated` (a merge moved a settlement onto the receiving account),
`merge.requested` and `merge.declined`. Nothing existing changes: no request exists yet,
and the widened kind check accepts every row it accepted before.

Revision ID: e18b00000001
Revises: e18a00000001
Create Date: 2026-12-07 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# A table rebuilt on SQLite (batch mode) keeps its AUTOINCREMENT: ids are never reused.
AUTOINCREMENT = {'sqlite_autoincrement': True}
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# revision identifiers, used by Alembic.
revision = 'e18b00000001'
down_revision = 'e18a00000001'
branch_labels = None
depends_on = None

KINDS_BEFORE = (
    'group.created', 'group.updated', 'group.deleted', 'group.restored',
    'invite_code.rotated', 'member.joined', 'member.left', 'member.removed',
    'member.role_changed', 'expense.created', 'expense.updated', 'expense.deleted',
    'expense.restored', 'split.paid', 'split.unpaid', 'settlement.created',
    'settlement.deleted', 'settlement.restored', 'comment.created', 'comment.deleted',
)
KINDS_AFTER = (
    'group.created', 'group.updated', 'group.deleted', 'group.restored',
    'invite_code.rotated', 'member.joined', 'member.left', 'member.removed',
    'member.role_changed', 'expense.created', 'expense.updated', 'expense.deleted',
    'expense.restored', 'split.paid', 'split.unpaid', 'settlement.created',
    'settlement.updated', 'settlement.deleted', 'settlement.restored', 'comment.created',
    'comment.deleted', 'merge.requested', 'merge.declined',
)


def _kinds(kinds):
    return 'kind IN ({})'.format(', '.join(f"'{kind}'" for kind in kinds))


def _set_kinds(kinds):
    with op.batch_alter_table('activity', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f('ck_activity_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', _kinds(kinds))


def upgrade():
    op.create_table('guest_merges',
    sa.Column('id', BigId, nullable=False),
    sa.Column('group_id', BigId, nullable=False),
    sa.Column('guest_id', BigId, nullable=True),
    sa.Column('user_id', BigId, nullable=False),
    sa.Column('requested_by', BigId, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', BigId, nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'lapsed')", name=op.f('ck_guest_merges_status_known')),
    sa.CheckConstraint("status <> 'pending' OR guest_id IS NOT NULL", name=op.f('ck_guest_merges_pending_has_guest')),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_guest_merges_decided_unless_pending')),
    sa.CheckConstraint('guest_id IS NULL OR guest_id <> user_id', name=op.f('ck_guest_merges_not_into_itself')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_guest_merges_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guest_id'], ['users.id'], name=op.f('fk_guest_merges_guest_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guest_merges_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_guest_merges_requested_by_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_guest_merges_decided_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_merges')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('guest_merges', schema=None) as batch_op:
        batch_op.create_index('uq_guest_merges_pending', ['guest_id', 'user_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_guest_merges_group_id', ['group_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_guest_merges_guest_id', ['guest_id'], unique=False)
        batch_op.create_index('ix_guest_merges_user_id', ['user_id'], unique=False)

    _set_kinds(KINDS_AFTER)


def downgrade():
    # The entries of the new kinds cannot satisfy the old check: they go first.
    op.execute(
        "DELETE FROM activity WHERE kind IN ('settlement.updated', 'merge.requested', 'merge.declined')"
    )
    _set_kinds(KINDS_BEFORE)
    with op.batch_alter_table('guest_merges', schema=None) as batch_op:
        batch_op.drop_index('ix_guest_merges_user_id')
        batch_op.drop_index('ix_guest_merges_guest_id')
        batch_op.drop_index('ix_guest_merges_group_id')
        batch_op.drop_index('uq_guest_merges_pending')

    op.drop_table('guest_merges')
