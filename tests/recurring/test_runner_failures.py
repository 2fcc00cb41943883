"""`flask run-recurring` never stops at a series it cannot run: that one pauses as failed,
the others still run, and the command exits 1."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import update

from expense_tracker.database import utc_today
from expense_tracker.extensions import db
from expense_tracker.models import GroupMember, RecurringSeries
from tests.factories import group_with
from tests.problems import assert_problem

LARGEST_RUNNING_TOTAL = 2**63 - 1  # BIGINT, and SQLite's INTEGER
TOMORROW = utc_today() + timedelta(days=1)
RUN_DAY = TOMORROW + timedelta(days=2)


def _daily(client, group_id, account, **template):
    body = {
        "template": {"description": "Daily", "amount": "10.00", "split_type": "equal", **template},
        "rule": {"frequency": "daily", "start_date": TOMORROW.isoformat()},
    }
    response = client.post(
        f"/groups/{group_id}/recurring-expenses", json=body, headers=account.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _store_template(app, series_id, **changes):
    """What a series created before today's limits may hold (the database has it so)."""
    with app.app_context():
        series = db.session.get(RecurringSeries, series_id)
        series.template = json.dumps({**json.loads(series.template), **changes})
        db.session.commit()


def _get(client, group_id, series_id, account):
    url = f"/groups/{group_id}/recurring-expenses/{series_id}"
    return client.get(url, headers=account.headers).get_json()


def test_a_series_that_cannot_run_pauses_as_failed_and_the_others_still_run(
    app, client, trio, make_user, runner, caplog
):
    group_id, owner, a, _b = trio
    # Created before converted amounts had a limit: EUR 999,999,999.99 at 1e9 in a USD group.
    broken = _daily(client, group_id, a, currency="EUR", exchange_rate="1.1")
    _store_template(app, broken["id"], amount="999999999.99", exchange_rate="1000000000")
    others_owner = make_user()
    other_group = group_with(client, others_owner, make_user())
    fine = _daily(client, other_group, others_owner)  # a later id: runs after the broken one

    with caplog.at_level(logging.ERROR, logger="expense_tracker.recurring.runner"):
        result = runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert "Created 3 occurrence(s)" in result.output
    assert "1 failed" in result.output
    assert f"recurring series {broken['id']}: paused as failed" in caplog.text
    assert "exchange_rate" in caplog.text

    paused = _get(client, group_id, broken["id"], owner)
    assert (paused["status"], paused["paused_reason"], paused["occurrences"]) == (
        "paused",
        "failed",
        0,
    )
    assert _get(client, other_group, fine["id"], others_owner)["occurrences"] == 3
    listed = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert listed.headers["X-Total-Count"] == "0"  # the failed occurrence left nothing

    # The next run is not stopped by it either: nothing is due, nothing fails.
    again = runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["verify-balances"]).exit_code == 0


def test_any_error_of_one_series_fails_that_series_only(app, client, trio, runner, caplog):
    group_id, owner, a, _b = trio
    broken = _daily(client, group_id, a)
    fine = _daily(client, group_id, owner)
    with app.app_context():
        db.session.execute(
            update(RecurringSeries)
            .where(RecurringSeries.id == broken["id"])
            .values(template=json.dumps({"kind": "not a template"}))
        )
        db.session.commit()
    with caplog.at_level(logging.ERROR, logger="expense_tracker.recurring.runner"):
        result = runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert "ValidationError" in caplog.text
    assert _get(client, group_id, broken["id"], owner)["paused_reason"] == "failed"
    assert _get(client, group_id, fine["id"], owner)["occurrences"] == 3


def test_running_totals_never_pass_what_their_column_holds(app, client, trio, runner):
    """Amounts are bounded, so a total needs ~10^5..10^8 of the largest expenses to get
    here: set it there, then neither a request nor the runner may carry it over."""
    group_id, owner, a, _b = trio
    series = _daily(client, group_id, owner)
    with app.app_context():
        db.session.execute(
            update(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.user_id == a.id)
            .values(owed=LARGEST_RUNNING_TOTAL - 100)
        )
        db.session.commit()
    body = {"description": "Big", "amount": "1.01", "split_type": "equal", "paid_by": owner.id}
    refused = client.post(f"/groups/{group_id}/expenses", json=body, headers=owner.headers)
    assert_problem(refused, 409, "limit-reached")
    listed = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert listed.headers["X-Total-Count"] == "0"

    result = runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert _get(client, group_id, series["id"], owner)["paused_reason"] == "failed"
    with app.app_context():
        owed = db.session.get(GroupMember, (group_id, a.id)).owed
        assert owed == LARGEST_RUNNING_TOTAL - 100


def test_an_edit_resumes_a_failed_series(app, client, trio, runner):
    group_id, owner, a, _b = trio
    broken = _daily(client, group_id, a, currency="EUR", exchange_rate="1.1")
    _store_template(app, broken["id"], amount="999999999.99", exchange_rate="1000000000")
    assert runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()]).exit_code == 1
    url = f"/groups/{group_id}/recurring-expenses/{broken['id']}"
    still = client.patch(url, json={"template": {"description": "Again"}}, headers=a.headers)
    assert_problem(still, 422, "validation-error")
    assert "template.exchange_rate" in still.get_json()["errors"]
    fixed = client.patch(
        url, json={"template": {"amount": "10.00", "exchange_rate": "1.1"}}, headers=a.headers
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["status"] == "active"
    assert runner.invoke(args=["run-recurring", "--today", RUN_DAY.isoformat()]).exit_code == 0
    assert _get(client, group_id, broken["id"], owner)["occurrences"] == 3
