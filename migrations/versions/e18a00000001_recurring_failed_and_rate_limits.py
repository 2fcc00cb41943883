"""Series paused as failed; the rate table holds only rates the service may convert with

Revision ID: e18a00000001
Revises: a10000000001
Create Date: 2026-12-07 03:00:00.000000

A series that `flask run-recurring` cannot run is paused with `paused_reason` 'failed'
(the reason 'invalid_template' of earlier versions becomes 'failed'), and `paused_reason`
is one of the known values. The rate table keeps only days from 1999-01-04 and rates
within [1e-9, 1e9], what `flask rates import` takes now: rows outside them, loaded by an
earlier version, are deleted (reference data, re-importable from the ECB's file), then
the table's constraints say so.
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e18a00000001'
down_revision = 'a10000000001'
branch_labels = None
depends_on = None

AUTOINCREMENT = {'sqlite_autoincrement': True}
FIRST_DAY = '1999-01-04'
FIRST_DAY_DATE = date(1999, 1, 4)
MIN_RATE, MAX_RATE = Decimal('0.000000001'), Decimal('1000000000')
PAUSED_REASON_KNOWN = "paused_reason IS NULL OR paused_reason IN ('member_left', 'failed')"
RATE_IN_RANGE = (
    'CAST(per_euro AS NUMERIC) >= 0.000000001 AND CAST(per_euro AS NUMERIC) <= 1000000000'
)

series = sa.table('recurring_series', sa.column('paused_reason', sa.String))
rates = sa.table(
    'exchange_rates', sa.column('day', sa.Date), sa.column('currency'), sa.column('per_euro')
)


def _out_of_range(text):
    try:
        rate = Decimal(text)
    except InvalidOperation:
        return True
    return not (rate.is_finite() and MIN_RATE <= rate <= MAX_RATE)


def upgrade():
    op.execute(
        series.update()
        .where(series.c.paused_reason.is_not(None))
        .where(series.c.paused_reason.not_in(['member_left', 'failed']))
        .values(paused_reason='failed')
    )
    with op.batch_alter_table('recurring_series', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.create_check_constraint('paused_reason_known', PAUSED_REASON_KNOWN)

    bind = op.get_bind()
    op.execute(rates.delete().where(rates.c.day < sa.literal(FIRST_DAY_DATE, sa.Date)))
    # A text of fewer than 10 characters is a rate from 0.0000001 to 999999999, in range:
    # only longer ones need a look (few, if any).
    suspects = bind.execute(
        sa.select(rates.c.day, rates.c.currency, rates.c.per_euro).where(
            sa.func.length(rates.c.per_euro) >= 10
        )
    ).all()
    for day, currency, text in suspects:
        if _out_of_range(text):
            bind.execute(
                rates.delete().where(rates.c.day == day, rates.c.currency == currency)
            )
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.create_check_constraint('day_from_1999', f"day >= '{FIRST_DAY}'")
        batch_op.create_check_constraint('rate_in_range', RATE_IN_RANGE)


def downgrade():
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exchange_rates_rate_in_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_exchange_rates_day_from_1999'), type_='check')
    with op.batch_alter_table('recurring_series', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f('ck_recurring_series_paused_reason_known'), type_='check')
