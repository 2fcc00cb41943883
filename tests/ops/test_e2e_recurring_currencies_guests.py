"""Recurring series, currencies and guests over real HTTP: gunicorn with the production
settings on its own database (TEST_DATABASE_URL, else a SQLite file), the operator's
commands (`flask rates import`, `flask run-recurring`) as separate processes."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.databases import DatabaseUnavailable, provision_database, service_unavailable
from tests.problems import assert_problem
from tests.servers import ROOT, free_port, gunicorn_serving, production_env, run_flask

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "tests" / "currencies" / "eurofxref-hist-sample.csv"
PASSWORD = "end-to-end-password"


class Api:
    def __init__(self, port: int) -> None:
        self.port = port

    def __call__(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
        finally:
            connection.close()

    def token(self, email: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                "POST",
                "/token",
                body=urlencode({"username": email, "password": PASSWORD}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            body = json.loads(response.read())
            assert response.status == 200, body
            return str(body["access_token"])
        finally:
            connection.close()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, run_worker_id: str
) -> Iterator[tuple[Api, dict[str, str]]]:
    directory = tmp_path_factory.mktemp("e2e_features")
    try:
        with provision_database(
            os.environ.get("TEST_DATABASE_URL", ""), f"{run_worker_id}_features", directory
        ) as url:
            port = free_port()
            env = production_env(url, port)
            run_flask(env, "db", "upgrade")
            for name in ("ann", "ben", "cat"):
                run_flask(
                    env,
                    "create-user",
                    f"--email={name}@example.com",
                    f"--full-name={name.title()}",
                    f"--password={PASSWORD}",
                    "--currency=EUR",
                )
            log = directory / "gunicorn.log"
            with gunicorn_serving(env, port, log):
                yield Api(port), env
    except DatabaseUnavailable as exc:
        service_unavailable(f"SKIPPED POSTGRESQL: {exc}")


def test_every_feature_over_http(served: tuple[Api, dict[str, str]]) -> None:
    api, env = served
    ann, ben, cat = (api.token(f"{name}@example.com") for name in ("ann", "ben", "cat"))
    ids = {}
    for name, token in (("ann", ann), ("ben", ben), ("cat", cat)):
        ids[name] = api("GET", "/users/me", token)[1]["id"]
    status, group, _ = api("POST", "/groups/", ann, {"name": "Flat", "currency": "EUR"})
    assert status == 201
    gid = group["id"]
    for token in (ben, cat):
        assert api("POST", "/groups/join", token, {"invite_code": group["invite_code"]})[0] == 201

    # Currencies and the rate table.
    status, currencies, _ = api("GET", "/currencies", ann)
    assert status == 200
    assert {"code": "JPY", "name": "Yen", "minor_units": 0} in currencies
    assert api("GET", "/exchange-rates?base=USD&date=2024-01-05", ann)[0] == 404
    assert "Imported 20 rates" in run_flask(env, "rates", "import", str(SAMPLE))
    status, table, _ = api("GET", "/exchange-rates?base=USD&date=2024-01-07", ann)
    assert status == 200
    assert table["date"] == "2024-01-05"
    assert table["rates"]["JPY"] == "144.885999451"

    # Foreign-currency expenses: the table's rate, a given rate, none available.
    status, sushi, _ = api(
        "POST",
        f"/groups/{gid}/expenses",
        ann,
        {
            "description": "Sushi",
            "amount": "12000",
            "currency": "JPY",
            "date": "2024-01-05",
            "split_type": "equal",
        },
    )
    assert status == 201, sushi
    assert sushi["currency"] == "EUR"
    assert sushi["original_currency"] == "JPY"
    assert sum(int(s["amount"].replace(".", "")) for s in sushi["splits"]) == int(
        sushi["amount"].replace(".", "")
    )
    status, given, _ = api(
        "POST",
        f"/groups/{gid}/expenses",
        ben,
        {
            "description": "Taxi",
            "amount": "10.00",
            "currency": "USD",
            "exchange_rate": "0.9",
            "split_type": "equal",
        },
    )
    assert status == 201
    assert given["amount"] == "9.00"
    status, problem, headers = api(
        "POST",
        f"/groups/{gid}/expenses",
        ann,
        {
            "description": "Old",
            "amount": "5",
            "currency": "JPY",
            "date": "2023-01-01",
            "split_type": "equal",
        },
    )
    assert_problem((status, headers, problem), 422, "rate-unavailable")

    # Recurring: group and personal, created, run by the operator's command, changed, ended.
    today = date.today()
    start = today + timedelta(days=1)
    status, series, headers = api(
        "POST",
        f"/groups/{gid}/recurring-expenses",
        ann,
        {
            "template": {"description": "Cleaner", "amount": "60", "split_type": "equal"},
            "rule": {"frequency": "weekly", "start_date": start.isoformat()},
        },
    )
    assert status == 201, series
    location = headers["Location"]
    assert api("GET", f"/groups/{gid}/recurring-expenses", cat)[1][0]["id"] == series["id"]
    status, mine, _ = api(
        "POST",
        "/recurring-expenses/",
        cat,
        {
            "template": {"category": "Gym", "amount": "30", "payment_method": "cash"},
            "rule": {"frequency": "monthly", "start_date": start.isoformat()},
        },
    )
    assert status == 201
    later = (start + timedelta(days=14)).isoformat()
    assert "Created 4 occurrence(s)" in run_flask(env, "run-recurring", "--today", later)
    assert "Created 0 occurrence(s)" in run_flask(env, "run-recurring", "--today", later)
    status, changed, _ = api("PATCH", location, ann, {"template": {"amount": "70"}})
    assert status == 200
    assert changed["template"]["amount"] == "70.00"
    assert api("PATCH", location, ben, {})[0] == 403
    assert api("DELETE", location, ann)[0] == 204
    assert api("GET", location, ann)[1]["status"] == "ended"
    assert api("GET", f"/recurring-expenses/{mine['id']}", ann)[0] == 404
    assert api("DELETE", f"/recurring-expenses/{mine['id']}", cat)[0] == 204

    # Guests: added, taking part, merged into an account.
    status, guest, _ = api("POST", f"/groups/{gid}/guests", ben, {"full_name": "Dee"})
    assert status == 201
    assert guest["guest"] is True
    assert guest["email"] is None
    status, _, _ = api(
        "POST",
        f"/groups/{gid}/expenses",
        ann,
        {
            "description": "Boat",
            "amount": "90",
            "split_type": "equal",
            "participants": [ids["ann"], guest["user_id"]],
        },
    )
    assert status == 201
    before = {r["user_id"]: cents(r["net"]) for r in api("GET", f"/groups/{gid}/balances", ann)[1]}
    dee = guest["user_id"]
    merge = f"/groups/{gid}/guests/{dee}/merge"
    assert api("POST", merge, ann, {"user_id": ids["ann"]})[0] == 409  # ann shares the boat
    assert api("POST", merge, ben, {"user_id": ids["cat"]})[0] == 403  # adding Dee gave no right
    # Two yeses: cat (the receiving account) asks, ann (an owner) accepts.
    status, request, _ = api("POST", merge, cat, {"user_id": ids["cat"]})
    assert status == 202, request
    status, merged, _ = api("POST", f"/groups/{gid}/guest-merges/{request['id']}/accept", ann)
    assert status == 200, merged
    after = {r["user_id"]: cents(r["net"]) for r in api("GET", f"/groups/{gid}/balances", ann)[1]}
    assert dee not in after
    assert after[ids["cat"]] == before[ids["cat"]] + before[dee]
    assert sum(after.values()) == 0
    assert "match the rows" in run_flask(env, "verify-balances")


def cents(text: str) -> int:
    return int(text.replace(".", ""))
