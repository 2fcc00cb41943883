"""On PostgreSQL a group's balances are written by the database (groups/balances/service.py,
http/sql_json.py). Whatever the running totals and the group's currency (every
currency's places, negative nets, former members), the body is byte for byte what the
documented schema dumps, encoded as every other response is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iso4217 import Currency

from expense_tracker.extensions import db
from expense_tracker.groups.balances.schemas import BalanceSchema
from expense_tracker.models import Group, GroupMember
from tests.factories import Account, group_with

CURRENCIES = sorted(currency.code for currency in Currency if currency.exponent is not None)
TOTAL = st.integers(min_value=0, max_value=10**15)


@pytest.fixture
def postgresql_app(app: Flask) -> Flask:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL writes the balances; on SQLite Python does")
    return app


def memberships(group_id: int) -> list[GroupMember]:
    """Every membership row of the group, former members' included, by user id."""
    query = db.select(GroupMember).where(GroupMember.group_id == group_id)
    return sorted(db.session.scalars(query), key=lambda member: member.user_id)


def expected_body(group_id: int) -> bytes:
    """The current members' balances as the schema dumps them, by user id, with the net
    worked out here (paid - owed + sent - received)."""
    group = db.session.get(Group, group_id)
    assert group is not None
    members = [member for member in memberships(group_id) if member.left_at is None]
    documents = [
        {
            "user_id": member.user_id,
            "currency": group.currency,
            "paid": member.paid,
            "owed": member.owed,
            "sent": member.sent,
            "received": member.received,
            "net": member.paid - member.owed + member.sent - member.received,
        }
        for member in members
    ]
    return orjson.dumps(BalanceSchema(many=True).dump(documents)) + b"\n"


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    currency=st.sampled_from(CURRENCIES),
    totals=st.lists(st.tuples(TOTAL, TOTAL, TOTAL, TOTAL), min_size=3, max_size=3),
    one_left=st.booleans(),
)
def test_the_balances_postgresql_writes_are_the_schemas_byte_for_byte(
    postgresql_app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Account],
    currency: str,
    totals: list[tuple[int, int, int, int]],
    one_left: bool,
) -> None:
    owner, *others = [make_user() for _ in range(3)]
    group_id = group_with(client, owner, *others)
    with postgresql_app.app_context():
        group = db.session.get(Group, group_id)
        assert group is not None
        group.currency = currency
        for member, (paid, owed, sent, received) in zip(memberships(group_id), totals, strict=True):
            member.paid, member.owed, member.sent, member.received = paid, owed, sent, received
        if one_left:
            leaving = db.session.get(GroupMember, (group_id, others[-1].id))
            assert leaving is not None
            leaving.left_at = datetime.now(UTC)
        db.session.commit()
        expected = expected_body(group_id)

    response = client.get(f"/groups/{group_id}/balances", headers=owner.headers)

    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.data == expected
    assert len(response.get_json()) == (2 if one_left else 3)
