"""Limits of recurring series: occurrences per request, series per group, and series that
outlive their creator's membership."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from expense_tracker.database import utc_today
from expense_tracker.extensions import db
from tests.factories import cents, nets, run_at_once
from tests.problems import assert_problem

TODAY = utc_today()


def _series(client, group_id, account, template=None, **rule):
    body = {
        "template": template or {"description": "Rent", "amount": "9.00", "split_type": "equal"},
        "rule": {"frequency": "daily", "start_date": TODAY.isoformat(), **rule},
    }
    return client.post(f"/groups/{group_id}/recurring-expenses", json=body, headers=account.headers)


def _count(client, group_id, account) -> int:
    response = client.get(f"/groups/{group_id}/expenses/", headers=account.headers)
    return int(response.headers["X-Total-Count"])


def test_a_backdated_series_creates_twelve_in_the_request_one_transaction_each(
    app, client, trio, runner
):
    group_id, owner, *_ = trio
    start = TODAY - timedelta(days=999)
    commits: list[object] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        response = _series(client, group_id, owner, start_date=start.isoformat())
    finally:
        event.remove(engine, "commit", listener)
    assert response.status_code == 201, response.get_json()
    series = response.get_json()
    assert series["occurrences"] == 12
    assert series["next_date"] == (start + timedelta(days=12)).isoformat()  # still due
    assert _count(client, group_id, owner) == 12
    # The group's lock is taken and let go per occurrence, never held for all twelve.
    assert len(commits) >= 12

    result = runner.invoke(args=["run-recurring", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Created 988 occurrence(s)" in result.output
    assert _count(client, group_id, owner) == 1000
    done = client.get(response.headers["Location"], headers=owner.headers).get_json()
    assert done["occurrences"] == 1000
    assert done["next_date"] == (TODAY + timedelta(days=1)).isoformat()
    assert runner.invoke(args=["verify-balances"]).exit_code == 0


def test_resuming_a_series_creates_twelve_at_most(client, trio, runner):
    group_id, owner, _a, _b = trio
    url = _series(client, group_id, owner, start_date=(TODAY + timedelta(days=1)).isoformat())
    url = url.headers["Location"]
    # Moved 30 days back: the request creates twelve, the runner the rest.
    moved = client.patch(
        url,
        json={"rule": {"start_date": (TODAY - timedelta(days=29)).isoformat()}},
        headers=owner.headers,
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["occurrences"] == 12
    assert runner.invoke(args=["run-recurring", "--today", TODAY.isoformat()]).exit_code == 0
    assert _count(client, group_id, owner) == 30


def test_a_group_holds_at_most_100_live_series(client, trio):
    group_id, owner, a, _b = trio
    later = (TODAY + timedelta(days=30)).isoformat()
    urls = []
    for _ in range(100):
        response = _series(client, group_id, owner, start_date=later)
        assert response.status_code == 201, response.get_json()
        urls.append(response.headers["Location"])
    full = _series(client, group_id, a, start_date=later)
    assert_problem(full, 409, "limit-reached")
    assert "100" in full.get_json()["detail"]
    # An ended series makes room.
    assert client.delete(urls[0], headers=owner.headers).status_code == 204
    assert _series(client, group_id, a, start_date=later).status_code == 201
    listed = client.get(f"/groups/{group_id}/recurring-expenses/", headers=owner.headers)
    assert len(listed.get_json()) == 101


def test_two_concurrent_creates_at_99_make_100_not_101(app, client, trio):
    group_id, owner, a, _b = trio
    later = (TODAY + timedelta(days=30)).isoformat()
    for _ in range(99):
        assert _series(client, group_id, owner, start_date=later).status_code == 201
    statuses: list[int] = []

    def create(seed: int) -> None:
        account = (owner, a)[seed]
        statuses.append(_series(app.test_client(), group_id, account, start_date=later).status_code)

    assert run_at_once(2, create) == []
    assert sorted(statuses) == [201, 409]
    listed = client.get(f"/groups/{group_id}/recurring-expenses/", headers=owner.headers)
    assert len(listed.get_json()) == 100


def test_a_series_goes_on_after_its_creator_leaves(client, trio, runner):
    group_id, owner, a, b = trio
    start = TODAY + timedelta(days=1)
    template = {
        "description": "Internet",
        "amount": "30.00",
        "split_type": "equal",
        "paid_by": owner.id,
        "participants": [owner.id, b.id],
    }
    url = _series(client, group_id, a, template, start_date=start.isoformat()).headers["Location"]
    assert client.delete(f"/groups/{group_id}/members/{a.id}", headers=a.headers).status_code == 204
    result = runner.invoke(
        args=["run-recurring", "--today", (start + timedelta(days=2)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    series = client.get(url, headers=owner.headers).get_json()
    assert (series["status"], series["occurrences"]) == ("active", 3)
    assert cents(nets(client, group_id, owner)[b.id]) == -4500
    # The owners may change or end it.
    changed = client.patch(url, json={"template": {"amount": "40.00"}}, headers=owner.headers)
    assert changed.status_code == 200, changed.get_json()
    assert client.delete(url, headers=owner.headers).status_code == 204


def test_an_owner_resumes_a_departed_creators_series_by_naming_the_payer(client, trio, runner):
    group_id, owner, a, b = trio
    start = TODAY + timedelta(days=1)
    template = {"description": "Gym", "amount": "20.00", "split_type": "equal"}  # a pays
    url = _series(client, group_id, a, template, start_date=start.isoformat()).headers["Location"]
    assert client.delete(f"/groups/{group_id}/members/{a.id}", headers=a.headers).status_code == 204
    day = (start + timedelta(days=1)).isoformat()
    assert runner.invoke(args=["run-recurring", "--today", day]).exit_code == 0
    paused = client.get(url, headers=owner.headers).get_json()
    assert (paused["status"], paused["paused_reason"]) == ("paused", "member_left")
    # Resuming without saying who pays now is refused, not paused again by the next run.
    vague = client.patch(url, json={"template": {"description": "Gym!"}}, headers=owner.headers)
    assert_problem(vague, 422, "validation-error")
    assert "template.paid_by" in vague.get_json()["errors"]
    resumed = client.patch(url, json={"template": {"paid_by": b.id}}, headers=owner.headers)
    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["status"] == "active"
    later = (start + timedelta(days=3)).isoformat()
    assert runner.invoke(args=["run-recurring", "--today", later]).exit_code == 0
    series = client.get(url, headers=owner.headers).get_json()
    assert (series["status"], series["occurrences"]) == ("active", 4)
