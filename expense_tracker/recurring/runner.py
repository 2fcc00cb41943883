"""`flask run-recurring`: create every occurrence due up to a day, each exactly once.

One transaction per occurrence (`occurrences.add_next_occurrence`): the group's row lock (as
every write in a group takes it first), then the series' own row lock, re-reading the
series; only then is the occurrence decided and written, and the series moved on. A second
process running at the same time waits for those locks and finds the occurrence done; on
SQLite, which has no row locks, the unique (series_id, occurrence) of the expense tables
refuses the second insert and the series is simply read again. Missed days are caught up:
every due date is created, in order, however long ago.

A series it cannot run never stops the run: whatever its occurrence raises (a template
refused, a limit reached, a value the database refuses) rolls back that occurrence only,
the series is paused with `paused_reason: "failed"` and logged with the reason, and the
run goes on with the next series. The command then exits 1 (cli.py). A series waiting for
the rate table is no failure: it stays active and is tried again by the next run.
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
from expense_tracker.errors import ApiError
from expense_tracker.extensions import db
from expense_tracker.models import Group, RecurringSeries
from expense_tracker.recurring import occurrences

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
            outcome = occurrences.add_next_occurrence(series_id, today)
        except RateUnavailable:
            db.session.rollback()
            log.warning("recurring series %s: no exchange rate yet; retried next run", series_id)
            report.waiting_for_rates += 1
            return
        except OperationalError as exc:
            # SQLite's write lock held by a concurrent run, or the database unavailable:
            # nothing wrong with the series, so it is not paused.
            db.session.rollback()
            conflicts += 1
            if conflicts > RETRIES:
                log.error("recurring series %s: database unavailable: %s", series_id, exc)
                report.failed += 1
                return
            time.sleep(random.uniform(0.005, 0.05))
            continue
        except IntegrityError as exc:
            # Usually a concurrent run that wrote this occurrence first: read it again. The
            # same refusal over and over is the series' own (a constraint it breaks).
            db.session.rollback()
            conflicts += 1
            if conflicts > RETRIES:
                _fail(series_id, f"refused by the database {RETRIES} times: {exc.orig}", report)
                return
            time.sleep(random.uniform(0.005, 0.05))
            continue
        except ApiError as exc:  # the template refused, a limit reached
            db.session.rollback()
            _fail(series_id, f"{exc.detail} {exc.errors or ''}".strip(), report)
            return
        except Exception as exc:  # anything else: this series only, never the whole run
            db.session.rollback()
            _fail(series_id, f"{type(exc).__name__}: {exc}", report)
            return
        if outcome == "created":
            report.created += 1
            conflicts = 0
        elif outcome == "paused":
            report.paused += 1
            return
        else:
            return


def _fail(series_id: int, why: str, report: RunReport) -> None:
    """Pause the series as `failed` in a transaction of its own, and say why in the log."""
    report.failed += 1
    log.error("recurring series %s: paused as failed: %s", series_id, why)
    try:
        series = occurrences.lock_series(series_id)
        if series is not None and series.status == "active":
            series.status, series.paused_reason = "paused", occurrences.FAILED
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("recurring series %s: could not be paused", series_id)
