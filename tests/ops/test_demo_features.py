"""`flask seed-demo` shows recurring series, an expense in two currencies and a merged guest."""

from __future__ import annotations

from decimal import Decimal

from expense_tracker.seeding.demo import DEMO_PASSWORD


def _headers(client, email):
    response = client.post("/token", data={"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_seed_demo_shows_series_currencies_and_a_merged_guest(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    alice, bob, dan = (_headers(client, f"{name}@example.com") for name in ("alice", "bob", "dan"))
    groups = {g["name"]: g for g in client.get("/groups/", headers=bob).get_json()}
    flat, trip = groups["Flat 3B"], groups["Lisbon trip"]

    (rent,) = client.get(f"/groups/{flat['id']}/recurring-expenses", headers=bob).get_json()
    assert rent["rule"]["frequency"] == "monthly"
    assert rent["status"] == "active"
    assert rent["occurrences"] == 3
    made = client.get(f"/groups/{flat['id']}/expenses/", headers=alice).get_json()
    assert sorted(e["occurrence"] for e in made if e["series_id"] == rent["id"]) == [1, 2, 3]
    assert client.get("/recurring-expenses/", headers=alice).get_json()

    expenses = client.get(f"/groups/{trip['id']}/expenses/", headers=dan).get_json()
    currencies = {e["original_currency"] or e["currency"] for e in expenses}
    assert currencies == {"EUR", "GBP"}
    for expense in expenses:
        assert sum(Decimal(s["amount"]) for s in expense["splits"]) == Decimal(expense["amount"])

    members = client.get(f"/groups/{trip['id']}/members", headers=dan).get_json()
    assert not any(member["guest"] for member in members)
    dan_id = next(m["user_id"] for m in members if m["full_name"] == "Dan Okafor")
    boat = next(e for e in expenses if e["description"].startswith("Boat"))
    assert dan_id in {s["user_id"] for s in boat["splits"]}
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
