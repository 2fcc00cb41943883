"""Recurring series over HTTP: the rule's dates, occurrences created once, pauses, edits."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from expense_tracker.database import utc_today
from tests.factories import cents, nets
from tests.problems import assert_problem

TODAY = utc_today()


def _series(client, group_id, account, template=None, **rule):
    body = {
        "template": template or {"description": "Rent", "amount": "900.00", "split_type": "equal"},
        "rule": {"frequency": "monthly", "start_date": TODAY.isoformat(), **rule},
    }
    return client.post(f"/groups/{group_id}/recurring-expenses", json=body, headers=account.headers)


def _expenses(client, group_id, account):
    response = client.get(f"/groups/{group_id}/expenses/?limit=200", headers=account.headers)
    assert response.status_code == 200
    return sorted(response.get_json(), key=lambda e: e["occurrence"] or 0)


def _run(runner, day: date):
    result = runner.invoke(args=["run-recurring", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_monthly_from_31_january_creates_the_due_occurrences_without_drift(client, trio, runner):
    group_id, owner, _a, _b = trio
    start = date(TODAY.year - 1, 1, 31)
    response = _series(client, group_id, owner, start_date=start.isoformat())
    assert response.status_code == 201, response.get_json()
    series = response.get_json()
    assert response.headers["Location"] == f"/groups/{group_id}/recurring-expenses/{series['id']}"
    assert series["status"] == "active"
    assert series["group_id"] == group_id
    assert series["rule"] == {
        "frequency": "monthly",
        "interval": 1,
        "start_date": start.isoformat(),
        "end_date": None,
        "count": None,
    }
    made = _expenses(client, group_id, owner)
    assert [e["date"] for e in made[:5]] == [
        f"{start.year}-01-31",
        f"{start.year}-02-28",
        f"{start.year}-03-31",
        f"{start.year}-04-30",
        f"{start.year}-05-31",
    ]
    assert [e["occurrence"] for e in made] == list(range(1, len(made) + 1))
    assert {e["series_id"] for e in made} == {series["id"]}
    assert all(date.fromisoformat(e["date"]) <= TODAY for e in made)
    # The request created twelve (the most one request creates); the rest is the runner's.
    assert series["occurrences"] == len(made) == 12
    assert series["next_date"] == f"{start.year + 1}-01-31"
    _run(runner, TODAY)
    made = _expenses(client, group_id, owner)
    series = client.get(response.headers["Location"], headers=owner.headers).get_json()
    assert [e["occurrence"] for e in made] == list(range(1, len(made) + 1))
    assert all(date.fromisoformat(e["date"]) <= TODAY for e in made)
    assert date.fromisoformat(series["next_date"]) > TODAY
    assert series["occurrences"] == len(made) > 12
    # Each occurrence went through the expense service: balances moved, splits exact.
    total = sum(cents(e["amount"]) for e in made)
    assert cents(nets(client, group_id, owner)[owner.id]) == total - sum(
        cents(s["amount"]) for e in made for s in e["splits"] if s["user_id"] == owner.id
    )


def test_yearly_from_29_february(client, trio):
    group_id, owner, *_ = trio
    response = _series(client, group_id, owner, frequency="yearly", start_date="2024-02-29")
    assert response.status_code == 201, response.get_json()
    dates = [e["date"] for e in _expenses(client, group_id, owner)]
    assert dates[:3] == ["2024-02-29", "2025-02-28", "2026-02-28"]


def test_run_recurring_creates_each_occurrence_once_and_catches_up(client, trio, runner):
    group_id, owner, *_ = trio
    start = TODAY + timedelta(days=1)
    series = _series(client, group_id, owner, frequency="daily", start_date=start.isoformat())
    assert series.status_code == 201
    assert _expenses(client, group_id, owner) == []  # nothing due yet
    # Missed days: a run ten days later creates all ten, in order.
    assert "Created 10 occurrence(s)" in _run(runner, start + timedelta(days=9))
    # Repeated runs create nothing more.
    assert "Created 0 occurrence(s)" in _run(runner, start + timedelta(days=9))
    assert "Created 0 occurrence(s)" in _run(runner, start + timedelta(days=5))
    made = _expenses(client, group_id, owner)
    assert [e["occurrence"] for e in made] == list(range(1, 11))
    assert [e["date"] for e in made] == [(start + timedelta(days=i)).isoformat() for i in range(10)]
    group = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert group.headers["X-Total-Count"] == "10"
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output


def test_count_and_end_date_end_the_series(client, trio, runner):
    group_id, owner, *_ = trio
    start = TODAY - timedelta(days=30)
    counted = _series(
        client, group_id, owner, frequency="weekly", start_date=start.isoformat(), count=2
    ).get_json()
    assert counted["status"] == "ended"
    assert counted["next_date"] is None
    assert counted["occurrences"] == 2
    both = _series(client, group_id, owner, count=2, end_date=TODAY.isoformat())
    assert_problem(both, 422, "validation-error")
    assert "rule.count" in both.get_json()["errors"]


def test_series_pauses_when_a_named_member_has_left_until_edited(client, trio, runner):
    group_id, owner, a, b = trio
    start = TODAY + timedelta(days=1)
    series = _series(
        client,
        group_id,
        owner,
        template={
            "description": "Internet",
            "amount": "30.00",
            "split_type": "equal",
            "participants": [owner.id, a.id, b.id],
        },
        frequency="daily",
        start_date=start.isoformat(),
    ).get_json()
    _run(runner, start)
    assert_problem(
        client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers), 409, "conflict"
    )
    # b settles up, then leaves.
    debt = -cents(nets(client, group_id, owner)[b.id])
    settled = client.post(
        f"/groups/{group_id}/settlements",
        json={"to_user": owner.id, "amount": f"{debt / 100:.2f}"},
        headers=b.headers,
    )
    assert settled.status_code == 201
    assert client.delete(f"/groups/{group_id}/members/{b.id}", headers=b.headers).status_code == 204
    _run(runner, start + timedelta(days=3))
    url = f"/groups/{group_id}/recurring-expenses/{series['id']}"
    paused = client.get(url, headers=owner.headers).get_json()
    assert paused["status"] == "paused"
    assert paused["paused_reason"] == "member_left"
    assert len(_expenses(client, group_id, owner)) == 1
    # Still naming b: refused. Without b: resumed, and what fell due meanwhile is created.
    still = client.patch(url, json={"template": {"description": "Fibre"}}, headers=owner.headers)
    assert_problem(still, 422, "validation-error")
    resumed = client.patch(
        url, json={"template": {"participants": [owner.id, a.id]}}, headers=owner.headers
    )
    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["status"] == "active"
    assert "paused_reason" not in resumed.get_json()


def test_patch_changes_future_occurrences_only(client, trio, runner):
    group_id, owner, _a, _b = trio
    start = TODAY + timedelta(days=1)
    series = _series(client, group_id, owner, frequency="daily", start_date=start.isoformat())
    url = series.headers["Location"]
    _run(runner, start + timedelta(days=1))
    changed = client.patch(
        url,
        json={"template": {"amount": "1000.00"}, "rule": {"interval": 2}},
        headers=owner.headers,
    )
    assert changed.status_code == 200, changed.get_json()
    # The rule continues after the last occurrence created (start + 1): start + 2, + 4, ...
    assert changed.get_json()["next_date"] == (start + timedelta(days=2)).isoformat()
    _run(runner, start + timedelta(days=4))
    made = _expenses(client, group_id, owner)
    assert [(e["date"], e["amount"]) for e in made] == [
        (start.isoformat(), "900.00"),
        ((start + timedelta(days=1)).isoformat(), "900.00"),
        ((start + timedelta(days=2)).isoformat(), "1000.00"),
        ((start + timedelta(days=4)).isoformat(), "1000.00"),
    ]
    # Editing an occurrence is editing an ordinary expense: the series does not change.
    edit = client.patch(
        f"/groups/{group_id}/expenses/{made[0]['id']}",
        json={"amount": "1.00"},
        headers=owner.headers,
    )
    assert edit.status_code == 200
    assert client.get(url, headers=owner.headers).get_json()["template"]["amount"] == "1000.00"


def test_delete_ends_the_series_and_keeps_its_expenses(client, trio, runner):
    group_id, owner, a, _ = trio
    series = _series(client, group_id, a, start_date=(TODAY - timedelta(days=40)).isoformat())
    url = series.headers["Location"]
    before = _expenses(client, group_id, owner)
    assert client.delete(url, headers=owner.headers).status_code == 204
    ended = client.get(url, headers=a.headers).get_json()
    assert ended["status"] == "ended"
    assert ended["next_date"] is None
    _run(runner, TODAY + timedelta(days=100))
    assert _expenses(client, group_id, owner) == before
    assert_problem(client.patch(url, json={}, headers=a.headers), 409, "conflict")


def test_only_the_creator_or_an_owner_may_change_a_series(client, trio):
    group_id, owner, a, b = trio
    url = _series(client, group_id, a).headers["Location"]
    assert_problem(client.patch(url, json={}, headers=b.headers), 403, "forbidden")
    assert_problem(client.delete(url, headers=b.headers), 403, "forbidden")
    assert client.patch(url, json={}, headers=owner.headers).status_code == 200
    assert client.get(url, headers=b.headers).status_code == 200


def test_outsiders_see_nothing(client, trio, make_user):
    group_id, owner, *_ = trio
    url = _series(client, group_id, owner).headers["Location"]
    stranger = make_user()
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {}} if method == "patch" else {}
        response = getattr(client, method)(url, headers=stranger.headers, **kwargs)
        assert_problem(response, 404, "not-found")
    listing = client.get(f"/groups/{group_id}/recurring-expenses/", headers=stranger.headers)
    assert_problem(listing, 404, "not-found")


def test_template_is_checked_like_a_posted_expense(client, trio, make_user):
    group_id, owner, *_ = trio
    stranger = make_user()
    bad = _series(
        client,
        group_id,
        owner,
        template={
            "description": "X",
            "amount": "10",
            "split_type": "equal",
            "paid_by": stranger.id,
        },
        start_date=(TODAY + timedelta(days=5)).isoformat(),
    )
    assert_problem(bad, 422, "validation-error")
    assert "template.paid_by" in bad.get_json()["errors"]
    dated = _series(
        client,
        group_id,
        owner,
        template={"description": "X", "amount": "10", "split_type": "equal", "date": "2025-01-01"},
    )
    assert_problem(dated, 422, "validation-error")
    assert "template.date" in dated.get_json()["errors"]
    exact = _series(
        client,
        group_id,
        owner,
        template={
            "description": "X",
            "amount": "10",
            "split_type": "exact",
            "splits": [{"user_id": owner.id, "amount": "9"}],
        },
        start_date=(TODAY + timedelta(days=5)).isoformat(),
    )
    assert_problem(exact, 422, "validation-error")
    assert exact.get_json()["difference"] == "1.00"


def test_personal_series(client, user, other_user, runner):
    body = {
        "template": {"category": "Rent", "amount": "1200", "payment_method": "bank_transfer"},
        "rule": {"frequency": "monthly", "start_date": (TODAY - timedelta(days=70)).isoformat()},
    }
    response = client.post("/recurring-expenses/", json=body, headers=user.headers)
    assert response.status_code == 201, response.get_json()
    series = response.get_json()
    assert "group_id" not in series
    url = response.headers["Location"]
    assert url == f"/recurring-expenses/{series['id']}"
    listed = client.get("/expenses/", headers=user.headers)
    assert listed.headers["X-Total-Count"] == str(series["occurrences"])
    assert {e["series_id"] for e in listed.get_json()} == {series["id"]}
    assert {e["amount"] for e in listed.get_json()} == {"1200.00"}
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {}} if method == "patch" else {}
        assert_problem(
            getattr(client, method)(url, headers=other_user.headers, **kwargs), 404, "not-found"
        )
    assert client.get("/recurring-expenses", headers=other_user.headers).get_json() == []
    assert [s["id"] for s in client.get("/recurring-expenses", headers=user.headers).json] == [
        series["id"]
    ]
    _run(runner, TODAY + timedelta(days=65))
    later = client.get("/expenses/", headers=user.headers)
    assert int(later.headers["X-Total-Count"]) >= series["occurrences"] + 2
    assert client.delete(url, headers=user.headers).status_code == 204


def test_a_group_with_series_and_guests_can_be_deleted(client, trio, runner):
    group_id, owner, a, _b = trio
    _series(client, group_id, owner, start_date=(TODAY + timedelta(days=3)).isoformat())
    guest = client.post(f"/groups/{group_id}/guests", json={"full_name": "G"}, headers=a.headers)
    assert guest.status_code == 201
    assert client.delete(f"/groups/{group_id}", headers=owner.headers).status_code == 204
    assert "Created 0 occurrence(s)" in _run(runner, TODAY + timedelta(days=30))


def test_a_series_in_another_currency_takes_each_dates_rate(client, trio, runner):
    group_id, owner, *_ = trio
    sample = Path(__file__).parents[1] / "currencies" / "eurofxref-hist-sample.csv"
    template = {"description": "Hotel", "amount": "20000", "currency": "JPY", "split_type": "equal"}
    early = _series(
        client,
        group_id,
        owner,
        template=template,
        frequency="daily",
        start_date="2024-01-03",
        count=3,
    )
    assert_problem(early, 422, "rate-unavailable")
    assert runner.invoke(args=["rates", "import", str(sample)]).exit_code == 0
    made = _series(
        client,
        group_id,
        owner,
        template=template,
        frequency="daily",
        start_date="2024-01-03",
        count=3,
    )
    assert made.status_code == 201, made.get_json()
    rates = [e["exchange_rate"] for e in _expenses(client, group_id, owner)]
    assert len(set(rates)) == 3  # each day its own rate
    later = _series(
        client,
        group_id,
        owner,
        template=template,
        frequency="daily",
        start_date=(TODAY + timedelta(days=1)).isoformat(),
    )
    assert later.status_code == 201
    output = _run(runner, TODAY + timedelta(days=2))
    assert "1 waiting for exchange rates" in output
    assert client.get(later.headers["Location"], headers=owner.headers).json["status"] == "active"


def test_a_deleted_accounts_personal_series_ends(client, make_user, runner):
    user = make_user()
    body = {
        "template": {"category": "Gym", "amount": "30", "payment_method": "cash"},
        "rule": {"frequency": "daily", "start_date": (TODAY + timedelta(days=1)).isoformat()},
    }
    assert client.post("/recurring-expenses/", json=body, headers=user.headers).status_code == 201
    gone = client.delete(
        "/users/me", json={"current_password": user.password}, headers=user.headers
    )
    assert gone.status_code == 204
    assert "Created 0 occurrence(s)" in _run(runner, TODAY + timedelta(days=5))


def test_a_personal_template_edit_is_checked_in_its_currency(client, user):
    body = {
        "template": {
            "category": "Rent",
            "amount": "1200",
            "payment_method": "cash",
            "currency": "JPY",
        },
        "rule": {"frequency": "monthly", "start_date": (TODAY + timedelta(days=3)).isoformat()},
    }
    created = client.post("/recurring-expenses/", json=body, headers=user.headers)
    assert created.status_code == 201
    assert created.get_json()["template"]["amount"] == "1200"
    url = created.headers["Location"]
    bad = client.patch(url, json={"template": {"amount": "12.5"}}, headers=user.headers)
    assert_problem(bad, 422, "validation-error")
    assert "template.amount" in bad.get_json()["errors"]
    fine = client.patch(
        url, json={"template": {"currency": "usd", "amount": "12.5"}}, headers=user.headers
    )
    assert fine.status_code == 200
    assert fine.get_json()["template"]["amount"] == "12.50"
