"""Members' balances as the routes show them, read from the running totals.

For each (group, member) the membership row keeps `paid`, `owed`, `sent` and `received`
(see `running_totals` for the rules, and `balance_audit` for their recomputation), so
every view here reads one row per member: its cost does not grow with the group's history.

What the routes show: each current member's balance, the settle-up plan of a group, and
a user's net in each of their groups with totals per currency.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Numeric, String, bindparam, select

from expense_tracker.domain.money import format_amount, to_decimal
from expense_tracker.domain.settle import settle_up_plan
from expense_tracker.extensions import db
from expense_tracker.groups.access import GroupFacts
from expense_tracker.groups.order import name_order
from expense_tracker.http import reads, sql_json
from expense_tracker.models import Group, GroupMember


@dataclass
class Balance:
    """One member's position in one group, in minor units of the group's currency."""

    user_id: int
    currency: str
    paid: int = 0
    owed: int = 0
    sent: int = 0
    received: int = 0

    @property
    def net(self) -> int:
        """> 0: the group owes this member; < 0: the member owes the group."""
        return self.paid - self.owed + self.sent - self.received


# The statements of the group's balances and settle-up, built once (hot reads).
_NETS = select(GroupMember.user_id, GroupMember.net).where(
    GroupMember.group_id == bindparam("group_id")
)
_CURRENT_TOTALS = (
    select(
        GroupMember.user_id,
        GroupMember.paid,
        GroupMember.owed,
        GroupMember.sent,
        GroupMember.received,
    )
    .where(GroupMember.group_id == bindparam("group_id"), GroupMember.left_at.is_(None))
    .order_by(GroupMember.user_id)
)


# `balance_documents`, written by PostgreSQL as the response's body (http/sql_json.py):
# the worker formats no amount and encodes no document.
_CURRENCY = bindparam("currency", type_=String)
_UNIT = bindparam("unit", type_=Numeric)  # one minor unit of the group's currency
_BALANCES_JSON = select(
    sql_json.array(
        sql_json.json_object(
            {
                "user_id": sql_json.number(GroupMember.user_id),
                "currency": sql_json.string(_CURRENCY),
                "paid": sql_json.amount_in_units(GroupMember.paid, _UNIT),
                "owed": sql_json.amount_in_units(GroupMember.owed, _UNIT),
                "sent": sql_json.amount_in_units(GroupMember.sent, _UNIT),
                "received": sql_json.amount_in_units(GroupMember.received, _UNIT),
                "net": sql_json.amount_in_units(GroupMember.net, _UNIT),
            }
        ),
        GroupMember.user_id,
    )
).where(GroupMember.group_id == bindparam("group_id"), GroupMember.left_at.is_(None))


def group_nets(group: GroupFacts) -> dict[int, int]:
    """The net of everyone who ever took part in the group (former members included)."""
    return dict(reads.rows(_NETS, {"group_id": group.id}))


def user_nets(user_id: int, groups: Collection[Group]) -> dict[int, int]:
    """`user_id`'s net in each of these groups, by group id (0 where they have no row)."""
    rows = db.session.execute(
        select(GroupMember.group_id, GroupMember.net).where(
            GroupMember.user_id == user_id,
            GroupMember.group_id.in_([group.id for group in groups]),
        )
    )
    nets = dict(rows.all())
    return {group.id: nets.get(group.id, 0) for group in groups}


def member_balances(group: GroupFacts) -> list[Balance]:
    """One balance per current member of the group (zeros included), by user_id."""
    rows = reads.rows(_CURRENT_TOTALS, {"group_id": group.id})
    return [Balance(user_id, group.currency, *totals) for user_id, *totals in rows]


def balance_documents(group: GroupFacts) -> list[dict[str, Any]]:
    """`member_balances` as `BalanceSchema(many=True)` dumps them (the hot read builds its
    answer directly; tests/groups/test_balance_documents.py compares the two)."""
    currency = group.currency
    return [
        {
            "user_id": balance.user_id,
            "currency": currency,
            "paid": format_amount(balance.paid, currency),
            "owed": format_amount(balance.owed, currency),
            "sent": format_amount(balance.sent, currency),
            "received": format_amount(balance.received, currency),
            "net": format_amount(balance.net, currency),
        }
        for balance in member_balances(group)
    ]


def balances_body(group: GroupFacts) -> bytes:
    """The body of the group's balances response: `balance_documents` as JSON, written by
    PostgreSQL there, encoded here on SQLite (tests/groups/test_balances_sql.py compares
    the two byte for byte)."""
    if reads.on_postgresql():
        unit = to_decimal(1, group.currency)
        params = {"group_id": group.id, "currency": group.currency, "unit": unit}
        body: str = reads.rows(_BALANCES_JSON, params)[0][0]
        return body.encode()
    return orjson.dumps(balance_documents(group)) + b"\n"


def settle_up(group: GroupFacts) -> list[dict[str, Any]]:
    """The fewest transfers that bring every net of the group to zero, as
    `TransferSchema(many=True)` dumps them (tests/groups/test_balance_documents.py)."""
    currency = group.currency
    return [
        {
            "from_user": transfer.from_user,
            "to_user": transfer.to_user,
            "amount": format_amount(transfer.amount, currency),
            "currency": currency,
        }
        for transfer in settle_up_plan(group_nets(group))
    ]


def my_balances(user_id: int) -> dict[str, Any]:
    """My net in every group I belong to, and the totals per currency."""
    # Built per request: the name order depends on the database (groups/order.py).
    rows = reads.rows(
        select(Group.id, Group.name, Group.currency, GroupMember.net)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(
            GroupMember.user_id == user_id,
            GroupMember.left_at.is_(None),
            Group.deleted_at.is_(None),
        )
        .order_by(name_order(), Group.id)
    )
    totals: dict[str, int] = {}
    for _, _, currency, net in rows:
        totals[currency] = totals.get(currency, 0) + net
    return {
        "groups": [
            {"group_id": group_id, "name": name, "currency": currency, "net": net}
            for group_id, name, currency, net in rows
        ],
        "totals": [{"currency": code, "net": net} for code, net in sorted(totals.items())],
    }
