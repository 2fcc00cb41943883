"""The group expense list, built from plain rows, shows each live expense exactly as `GET` on
it does, newest date first (ties: newest id first).

The expected order is worked out here from the rows' dates and ids, and each expected
document is the expense's own `GET`, not a dump by the list's schema."""

from __future__ import annotations

import random
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from expense_tracker.extensions import db
from expense_tracker.models import GroupExpense
from tests.factories import next_link, walk
from tests.groups.random_writes import GroupDriver


@settings(
    max_examples=15,
    deadline=None,  # each example makes dozens of HTTP requests: its time is not the point
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    operations=st.lists(
        st.sampled_from(
            [
                "create",
                "create",
                "create_foreign",
                "edit_split",
                "edit_payers",
                "mark_paid",
                "delete",
                "restore",
            ]
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_the_list_shows_each_expense_as_its_schema_dumps_it(
    app: Flask, client: FlaskClient, make_user: Any, seed: int, operations: list[str]
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(4)], random.Random(seed))
    driver.create()
    for operation in operations:
        driver.run(operation)
    listed = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    assert listed.status_code == 200
    with app.app_context():
        live = db.session.execute(
            select(GroupExpense.id, GroupExpense.date).where(
                GroupExpense.group_id == driver.group_id, GroupExpense.deleted_at.is_(None)
            )
        ).all()
    newest_first = sorted(live, key=lambda row: (row.date, row.id), reverse=True)
    expected = [
        client.get(driver.url(f"/expenses/{row.id}"), headers=driver.owner.headers).get_json()
        for row in newest_first
    ]
    assert listed.get_json() == expected
    assert listed.headers["X-Total-Count"] == str(len(live))


def test_a_deep_page_and_filters_keep_the_order_and_the_total(
    client: FlaskClient, make_user: Any
) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(3)], random.Random(3))
    for _ in range(12):
        driver.create()
    everything = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    ids = [expense["id"] for expense in everything.get_json()]
    page = client.get(driver.url("/expenses/?skip=5&limit=4"), headers=driver.owner.headers)
    assert [expense["id"] for expense in page.get_json()] == ids[5:9]
    assert page.headers["X-Total-Count"] == "12"
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]
    member = driver.members[1]
    involving = client.get(
        driver.url(f"/expenses/?involving={member}&limit=200"), headers=driver.owner.headers
    ).get_json()
    expected = [
        expense["id"]
        for expense in everything.get_json()
        if member in {row["user_id"] for row in expense["payers"] + expense["splits"]}
    ]
    assert [expense["id"] for expense in involving] == expected


def test_next_links_walk_the_group_list_by_position(client: FlaskClient, make_user: Any) -> None:
    driver = GroupDriver(client, [make_user() for _ in range(3)], random.Random(5))
    for _ in range(11):
        driver.create()
    everything = client.get(driver.url("/expenses/?limit=200"), headers=driver.owner.headers)
    first = client.get(driver.url("/expenses/?limit=3"), headers=driver.owner.headers)
    assert "after=" in next_link(first)
    assert walk(client, driver.url("/expenses/?limit=3"), driver.owner) == [
        row["id"] for row in everything.get_json()
    ]
