"""`flask run-recurring`: create every occurrence due up to a day, each exactly once.

One transaction per occurrence: the group's row lock (as every write in a group takes it
first), then the series' own row lock, re-reading the series; only then is the occurrence
decided and written, and the series moved on. A second process running at the same time
waits for those locks and finds the occurrence done; on SQLite, which has no row locks,
the unique (series_id, occurrence) of the expense tables refuses the second insert and the
series is simply read again. Missed days are caught up: every due date is created, in
order, however long ago.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from expense_tracker.currencies.rates import RateUnavailable
from expense_tracker.errors import ValidationFailed
from expense_tracker.extensions import db
from expense_tracker.models import Group, RecurringSeries
from expense_tracker.recurring import service

log = logging.getLogger(__name__)
# Conflicts with a concurrent run on one series before giving up on it for this run. On
# SQLite a transaction that read before another process wrote cannot write at all (its
# snapshot is stale): it starts again, after a short random pause so the two drift apart.
RETRIES = 50


@dataclass
class RunReport:
    created: int = 0
    paused: int = 0
    waiting_for_rates: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"Created {self.created} occurrence(s); paused {self.paused} series; "
            f"{self.waiting_for_rates} waiting for exchange rates; {self.failed} failed."
        )


def due_series_ids(today: date) -> list[int]:
    return list(
        db.session.scalars(
            select(RecurringSeries.id)
            .outerjoin(Group, Group.id == RecurringSeries.group_id)
            .where(RecurringSeries.status == "active", RecurringSeries.next_date <= today)
            # A deleted group's series wait: restoring the group resumes them (and catches up).
            .where(Group.deleted_at.is_(None))
            .order_by(RecurringSeries.id)
        )
    )


def run_recurring(today: date) -> RunReport:
    report = RunReport()
    for series_id in due_series_ids(today):
        _run_series(series_id, today, report)
    return report


def _run_series(series_id: int, today: date, report: RunReport) -> None:
    conflicts = 0
    while True:
        try:
            outcome = _one_occurrence(series_id, today)
        except RateUnavailable:
            db.session.rollback()
            log.warning("recurring series %s: no exchange rate yet; retried next run", series_id)
            report.waiting_for_rates += 1
            return
        except ValidationFailed as exc:
            db.session.rollback()
            log.error("recurring series %s: template refused: %s", series_id, exc.errors)
            _pause(series_id, "invalid_template")
            report.paused += 1
            return
        except (IntegrityError, OperationalError):
            # A concurrent run wrote this occurrence first (or held SQLite's write lock).
            db.session.rollback()
            conflicts += 1
            if conflicts > RETRIES:
                log.exception("recurring series %s: gave up after %s conflicts", series_id, RETRIES)
                report.failed += 1
                return
            time.sleep(random.uniform(0.005, 0.05))
            continue
        if outcome == "created":
            report.created += 1
        elif outcome == "paused":
            report.paused += 1
            return
        else:
            return


def _lock(series_id: int) -> RecurringSeries | None:
    """The series locked, after its group's lock (the order every group write takes); None
    when it is gone, or its group is deleted."""
    group_id = db.session.scalar(
        select(RecurringSeries.group_id).where(RecurringSeries.id == series_id)
    )
    if group_id is not None:
        deleted_at = db.session.scalar(
            select(Group.deleted_at).where(Group.id == group_id).with_for_update()
        )
        if deleted_at is not None:  # deleted since the run began: its series wait
            return None
    return db.session.scalar(
        select(RecurringSeries)
        .where(RecurringSeries.id == series_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _one_occurrence(series_id: int, today: date) -> str:
    """Create the series' next occurrence if it is due: "created", "paused" or "done"."""
    series = _lock(series_id)
    if series is None:
        db.session.rollback()
        return "done"
    created = service.add_due_occurrences(series, today, at_most=1)
    paused = series.status == "paused"
    db.session.commit()
    if created:
        return "created"
    return "paused" if paused else "done"


def _pause(series_id: int, reason: str) -> None:
    series = _lock(series_id)
    if series is not None and series.status == "active":
        series.status, series.paused_reason = "paused", reason
    db.session.commit()
