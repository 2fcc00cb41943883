"""Two `flask run-recurring` processes at once on the test database: each occurrence once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from expense_tracker.database import utc_today
from expense_tracker.extensions import db
from expense_tracker.models import Expense, GroupExpense
from tests.servers import ROOT

DAYS = 25


def _start_runner(database_url: str, today: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi:app",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "run-recurring", "--today", today],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_concurrent_runs_create_every_occurrence_exactly_once(
    app, client, trio, user, database_url, runner
):
    group_id, owner, _a, _b = trio
    start = utc_today() + timedelta(days=1)
    rule = {"frequency": "daily", "start_date": start.isoformat()}
    for amount in ("10.00", "20.00", "30.01"):
        response = client.post(
            f"/groups/{group_id}/recurring-expenses",
            json={
                "template": {"description": "Daily", "amount": amount, "split_type": "equal"},
                "rule": rule,
            },
            headers=owner.headers,
        )
        assert response.status_code == 201
    personal = client.post(
        "/recurring-expenses/",
        json={
            "template": {"category": "Coffee", "amount": "3.50", "payment_method": "cash"},
            "rule": rule,
        },
        headers=user.headers,
    )
    assert personal.status_code == 201
    today = (start + timedelta(days=DAYS - 1)).isoformat()
    processes = [_start_runner(database_url, today) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    created = sum(int(out.decode().split()[1]) for out, _ in outputs)
    assert created == 4 * DAYS  # between them, each occurrence once
    with app.app_context():
        for model in (GroupExpense, Expense):
            rows = db.session.execute(
                select(model.series_id, model.occurrence, func.count())
                .where(model.series_id.is_not(None))
                .group_by(model.series_id, model.occurrence)
            ).all()
            assert all(count == 1 for *_, count in rows)
            by_series: dict[int, list[int]] = {}
            for series_id, occurrence, _ in rows:
                by_series.setdefault(series_id, []).append(occurrence)
            assert all(sorted(o) == list(range(1, DAYS + 1)) for o in by_series.values())
        db.session.remove()
    group = client.get(f"/groups/{group_id}/expenses/", headers=owner.headers)
    assert group.headers["X-Total-Count"] == str(3 * DAYS)
    mine = client.get("/expenses/", headers=user.headers)
    assert mine.headers["X-Total-Count"] == str(DAYS)
    verify = runner.invoke(args=["verify-balances"])
    assert verify.exit_code == 0, verify.output
