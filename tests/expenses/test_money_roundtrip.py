"""Property: any valid amount survives the API and the database unchanged."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expense_tracker.domain import money

CURRENCIES = ("USD", "JPY", "KWD", "CLF", "EUR", "BHD", "ISK")


@st.composite
def amounts(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    exponent = money.currency_exponent(currency)
    limit = math.floor(money.MAX_AMOUNT.scaleb(exponent))
    minor = draw(st.integers(min_value=1, max_value=limit))
    canonical = money.format_amount(minor, currency)
    padding = "0" * draw(st.integers(min_value=0, max_value=3))
    if padding and "." not in canonical:
        padding = "." + padding
    as_number = draw(st.booleans())
    literal = canonical + padding
    return currency, canonical, literal, as_number


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=amounts())
def test_any_valid_amount_round_trips_exactly(client, user, case):
    currency, canonical, literal, as_number = case
    amount_json = literal if as_number else json.dumps(literal)
    body = (
        f'{{"amount": {amount_json}, "currency": "{currency.lower()}", '
        '"category": "prop", "payment_method": "cash"}'
    )
    created = client.post(
        "/expenses/", data=body, content_type="application/json", headers=user.headers
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["amount"] == canonical
    fetched = client.get(created.headers["Location"], headers=user.headers).get_json()
    assert fetched["amount"] == canonical
    assert Decimal(fetched["amount"]) == Decimal(literal)
    client.delete(created.headers["Location"], headers=user.headers)
