"""Balances and settle-up are answered with documents built directly from the running
totals (groups/balances.py), not dumped by their schemas: they are exactly what
`BalanceSchema` and `TransferSchema` dump, which stay the documented shapes."""

from __future__ import annotations

import random
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expense_tracker.domain.settle import settle_up_plan
from expense_tracker.extensions import db
from expense_tracker.groups.balances import service as balances
from expense_tracker.groups.balances.schemas import BalanceSchema, TransferSchema
from expense_tracker.models import Group
from tests.groups.random_writes import GroupDriver


@settings(
    max_examples=10,
    deadline=None,  # each example makes dozens of HTTP requests: its time is not the point
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(
        st.sampled_from(
            ["create", "create", "create_foreign", "mark_paid", "settle", "delete", "add_guest"]
        ),
        min_size=1,
        max_size=10,
    ),
)
def test_balances_and_settle_up_are_what_their_schemas_dump(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(4)], random.Random(seed))
    for operation in ["create", *operations]:
        driver.run(operation)
    listed = client.get(driver.url("/balances"), headers=driver.owner.headers)
    plan = client.get(driver.url("/settle-up"), headers=driver.owner.headers)
    assert listed.status_code == plan.status_code == 200
    with app.app_context():
        group = db.session.get(Group, driver.group_id)
        assert group is not None
        expected_balances = BalanceSchema(many=True).dump(balances.member_balances(group))
        transfers = [
            {
                "from_user": transfer.from_user,
                "to_user": transfer.to_user,
                "amount": transfer.amount,
                "currency": group.currency,
            }
            for transfer in settle_up_plan(balances.group_nets(group))
        ]
        expected_plan = TransferSchema(many=True).dump(transfers)
        db.session.remove()
    assert listed.get_json() == expected_balances
    assert plan.get_json() == expected_plan
    assert len(expected_balances) == len(driver.members)
