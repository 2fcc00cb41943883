"""The parts of the demo data set that show recurring series, currencies and guests.

Created through the API like the rest of `demo.py`: a monthly rent series in the flat (its
past months already created), a personal gym subscription, a trip expense in pounds
converted to the trip's euros next to its euro expenses, and a guest who shares a bill
before signing up and is then merged into their new account.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol


class Api(Protocol):
    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        *,
        json: Any = None,
        expect: tuple[int, ...] = ...,
    ) -> tuple[int, Any]: ...


SignUp = Callable[[str, str, str], Any]


def _months_back(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, 1)


def add_feature_demos(
    api: Api,
    tokens: dict[str, str],
    ids: dict[str, int],
    trip: Mapping[str, Any],
    flat_id: int,
    today: date,
    day: Callable[[int], str],
    sign_up: SignUp,
    password: str,
) -> str:
    """Create the series, the converted expense and the merged guest; a line about them."""
    _, rent = api.call(
        "POST",
        f"/groups/{flat_id}/recurring-expenses",
        tokens["bob"],
        json={
            "template": {
                "description": "Rent",
                "amount": "1400.00",
                "category": "Rent",
                "split_type": "equal",
                "paid_by": ids["bob"],
            },
            "rule": {"frequency": "monthly", "start_date": _months_back(today, 2).isoformat()},
        },
    )
    api.call(
        "POST",
        "/recurring-expenses/",
        tokens["alice"],
        json={
            "template": {
                "category": "Health",
                "amount": "29.90",
                "payment_method": "credit_card",
                "description": "Gym membership",
            },
            "rule": {"frequency": "monthly", "start_date": _months_back(today, 1).isoformat()},
        },
    )
    # The trip's currency is the euro; the stopover on the way home was paid in pounds.
    api.call(
        "POST",
        f"/groups/{trip['id']}/expenses",
        tokens["carol"],
        json={
            "description": "London stopover: pub dinner",
            "amount": "84.60",
            "currency": "GBP",
            "exchange_rate": "1.1622",
            "category": "Food",
            "date": day(7),
            "split_type": "equal",
        },
    )
    # Dan came on the boat before he had an account; then he signed up and was merged.
    _, guest = api.call(
        "POST", f"/groups/{trip['id']}/guests", tokens["alice"], json={"full_name": "Dan"}
    )
    api.call(
        "POST",
        f"/groups/{trip['id']}/expenses",
        tokens["alice"],
        json={
            "description": "Boat trip on the Tagus",
            "amount": "120.00",
            "category": "Culture",
            "date": day(7),
            "split_type": "equal",
            "participants": [ids["alice"], ids["carol"], guest["user_id"]],
        },
    )
    sign_up("dan@example.com", "Dan Okafor", "EUR")
    _, pair = api.call("POST", "/token", json={"email": "dan@example.com", "password": password})
    _, dan = api.call(
        "POST", "/groups/join", pair["access_token"], json={"invite_code": trip["invite_code"]}
    )
    # A merge needs two yeses: Alice (an owner) asks, Dan (the receiving account) accepts.
    _, request = api.call(
        "POST",
        f"/groups/{trip['id']}/guests/{guest['user_id']}/merge",
        tokens["alice"],
        json={"user_id": dan["user_id"]},
        expect=(202,),
    )
    api.call(
        "POST",
        f"/groups/{trip['id']}/guest-merges/{request['id']}/accept",
        pair["access_token"],
    )
    return (
        f"Recurring rent in 'Flat 3B' (series {rent['id']}), an expense in GBP on the trip, "
        "and the guest Dan merged into dan@example.com."
    )
