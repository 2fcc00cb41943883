"""Members' running totals: paid, owed, sent and received on each membership row

Revision ID: b7c1d2e3f4a5
Revises: 4f5d4e8b9e68
Create Date: 2026-12-01 03:20:00.000000

The upgrade fills the totals from the existing rows, by the rules of
expense_tracker/groups/balances/running_totals.py: sums of payer rows, split rows and settlements
in SQL, and the transfers of splits marked paid (divided among several payers in
proportion to what each paid) in Python, with the project's exact allocation function.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from expense_tracker.domain.splits import allocate_proportionally

# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = '4f5d4e8b9e68'
branch_labels = None
depends_on = None

TOTALS = ('paid', 'owed', 'sent', 'received')
MinorUnits = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

members = sa.table(
    'group_members',
    sa.column('group_id', sa.BigInteger),
    sa.column('user_id', sa.BigInteger),
    *(sa.column(name, sa.BigInteger) for name in TOTALS),
)
expenses = sa.table('group_expenses', sa.column('id'), sa.column('group_id'))
payers = sa.table(
    'group_expense_payers', sa.column('expense_id'), sa.column('user_id'), sa.column('amount')
)
splits = sa.table(
    'group_expense_splits',
    sa.column('expense_id'),
    sa.column('user_id'),
    sa.column('amount'),
    sa.column('is_paid', sa.Boolean),
)
settlements = sa.table(
    'group_settlements',
    sa.column('group_id'),
    sa.column('from_user_id'),
    sa.column('to_user_id'),
    sa.column('amount'),
)


def upgrade():
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        for name in TOTALS:
            batch_op.add_column(sa.Column(name, MinorUnits, server_default='0', nullable=False))
            batch_op.create_check_constraint(f'{name}_not_negative', f'{name} >= 0')
    _fill_totals()


def _member_sum(amount, source, member_column, group_column):
    return sa.func.coalesce(
        sa.select(sa.func.sum(amount))
        .select_from(source)
        .where(group_column == members.c.group_id, member_column == members.c.user_id)
        .scalar_subquery(),
        0,
    )


def _fill_totals():
    connection = op.get_bind()
    payer_rows = payers.join(expenses, expenses.c.id == payers.c.expense_id)
    split_rows = splits.join(expenses, expenses.c.id == splits.c.expense_id)
    connection.execute(
        members.update().values(
            paid=_member_sum(payers.c.amount, payer_rows, payers.c.user_id, expenses.c.group_id),
            owed=_member_sum(splits.c.amount, split_rows, splits.c.user_id, expenses.c.group_id),
            sent=_member_sum(
                settlements.c.amount, settlements, settlements.c.from_user_id, settlements.c.group_id
            ),
            received=_member_sum(
                settlements.c.amount, settlements, settlements.c.to_user_id, settlements.c.group_id
            ),
        )
    )
    # Splits marked paid: a transfer from the member to the payers.
    paid_splits = connection.execute(
        sa.select(
            expenses.c.group_id, splits.c.expense_id, splits.c.user_id, splits.c.amount,
            payers.c.user_id, payers.c.amount,
        )
        .select_from(split_rows.join(payers, payers.c.expense_id == splits.c.expense_id))
        .where(splits.c.is_paid.is_(True), splits.c.amount > 0)
    )
    by_split = defaultdict(dict)
    for group_id, expense_id, member, share, payer, paid in paid_splits:
        by_split[(group_id, expense_id, member, share)][payer] = paid
    transfers = defaultdict(lambda: {'sent': 0, 'received': 0})
    for (group_id, _, member, share), paid_by in by_split.items():
        for payer, part in allocate_proportionally(share, paid_by, sorted(paid_by)).items():
            if payer != member and part:
                transfers[(group_id, member)]['sent'] += part
                transfers[(group_id, payer)]['received'] += part
    if transfers:
        connection.execute(
            members.update()
            .where(
                members.c.group_id == sa.bindparam('g'), members.c.user_id == sa.bindparam('u')
            )
            .values(
                sent=members.c.sent + sa.bindparam('add_sent'),
                received=members.c.received + sa.bindparam('add_received'),
            ),
            [
                {'g': group_id, 'u': user_id, 'add_sent': t['sent'], 'add_received': t['received']}
                for (group_id, user_id), t in sorted(transfers.items())
            ],
        )


def downgrade():
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        for name in reversed(TOTALS):
            batch_op.drop_constraint(op.f(f'ck_group_members_{name}_not_negative'), type_='check')
            batch_op.drop_column(name)
