"""The hot lists' query arguments are remembered per query string (http/query_args.py):
the same query string gives the same page each time, a refused one its 422 each time,
each request its own arguments; and only a schema whose load depends on its text alone
can be declared so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient

from expense_tracker.expenses.schemas import ExpenseListQuerySchema
from expense_tracker.fields import CalendarDate
from expense_tracker.http import query_args
from tests.factories import Account


def test_a_query_string_gives_its_own_page_each_time_and_a_refused_one_its_422(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner = make_user()
    for day in ("2025-03-01", "2025-03-02", "2025-03-03"):
        body = {"date": day, "category": "Food", "amount": "1.00", "payment_method": "cash"}
        assert client.post("/expenses/", json=body, headers=owner.headers).status_code == 201

    for _ in range(2):
        refused = client.get("/expenses/?limit=0", headers=owner.headers)
        assert refused.status_code == 422
        assert refused.get_json()["type"].endswith("/problems/validation-error")
        two = client.get("/expenses/?limit=2", headers=owner.headers)
        one = client.get("/expenses/?limit=1&skip=2", headers=owner.headers)
        assert [row["date"] for row in two.get_json()] == ["2025-03-03", "2025-03-02"]
        assert [row["date"] for row in one.get_json()] == ["2025-03-01"]


def test_each_request_gets_arguments_of_its_own(app: Flask) -> None:
    schema = ExpenseListQuerySchema()
    loads: list[int] = []

    def load() -> dict[str, Any]:
        loads.append(1)
        return {"skip": 0, "limit": 7}

    first = query_args.parse(load, schema, b"limit=7&unique-to-this-test")
    first["limit"] = 1000  # a view changing its arguments changes nobody else's
    second = query_args.parse(load, schema, b"limit=7&unique-to-this-test")

    assert second == {"skip": 0, "limit": 7}
    assert len(loads) == 1


class _Dated(ma.Schema):
    day = CalendarDate()  # bounded: "a year ahead of today" moves with the date


class _Listed(ma.Schema):
    ids = ma.fields.List(ma.fields.Integer())


class _Defaulted(ma.Schema):
    at = ma.fields.String(load_default=lambda: "now")


@pytest.mark.parametrize("schema_class", [_Dated, _Listed, _Defaulted])
def test_only_a_schema_loaded_from_its_text_alone_is_remembered(
    schema_class: type[ma.Schema],
) -> None:
    with pytest.raises(TypeError):
        query_args.by_query_string(schema_class)
