"""The occurrences of recurring series: which are due, and adding them.

An occurrence is recorded by the same service code as a POSTed expense
(`groups.expenses.service.add_expense`, `expenses.service.add_expense`): kept balances,
kept counts, splits and conversion all follow. The writer holds the group's row lock
(group series) and the series' own, so an occurrence is decided by one writer at a time,
and the unique (series_id, occurrence) of the expense tables makes a second one
impossible anyway.

Each occurrence is its own short transaction (`add_next_occurrence`), so no writer holds
a group's lock for more than one occurrence: a request creating or resuming a series
writes the series with its first due occurrence (what fails there is the request's 422),
then at most `OCCURRENCES_PER_REQUEST - 1` more, one transaction each; an older backlog
is left to `flask run-recurring`, and the series' `next_date` says it is still due.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from expense_tracker.domain.dates import Rule, first_index_after, occurrence_date
from expense_tracker.errors import ApiError
from expense_tracker.expenses import service as personal_expenses
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.expenses import service as shared_expenses
from expense_tracker.models import Group, GroupMember, RecurringSeries, User
from expense_tracker.models.recurring import OCCURRENCES_PER_REQUEST
from expense_tracker.recurring import templates

log = logging.getLogger(__name__)

MEMBER_LEFT = "member_left"
FAILED = "failed"  # what `flask run-recurring` could not create; the log says why


def rule_of(series: RecurringSeries) -> Rule:
    """The series' dates; `count` is applied to the occurrences created, not to the index,
    since a PATCHed rule continues the count of the series."""
    return Rule(series.frequency, series.interval, series.start_date, series.end_date)


def schedule(series: RecurringSeries) -> None:
    """Point the series at its rule's first date after the last occurrence created."""
    series.next_index = first_index_after(rule_of(series), series.last_date)
    _set_next(series)


def _set_next(series: RecurringSeries) -> None:
    counted_out = series.count is not None and series.occurrences >= series.count
    day = None if counted_out else occurrence_date(rule_of(series), series.next_index)
    series.next_date = day
    if day is None:
        series.status, series.paused_reason = "ended", None


def pause(series: RecurringSeries, reason: str) -> None:
    series.status, series.paused_reason = "paused", reason


def add_due_occurrences(series: RecurringSeries, today: date, *, at_most: int = 1) -> int:
    """Add the series' occurrences due on or before `today`, at most `at_most` of them (the
    caller holds the locks and commits). A group occurrence that would name someone who
    is no longer a member is not created: the series pauses instead. Its creator need not
    be a member any more, unless the template leaves the payer to them."""
    created = 0
    while (
        series.status == "active"
        and series.next_date is not None
        and series.next_date <= today
        and created < at_most
    ):
        template = templates.load(series)
        data = {**template, "date": series.next_date}
        number = series.occurrences + 1
        if series.group_id is not None:
            group = db.session.get(Group, series.group_id)
            assert group is not None
            members = current_member_ids(group.id)
            # The creator's membership row, current or not: the occurrence is theirs.
            actor = db.session.get(GroupMember, (group.id, series.created_by))
            named = templates.named_members(template) | templates.default_payer(series, template)
            if actor is None or not named <= members:
                pause(series, MEMBER_LEFT)
                break
            shared_expenses.add_expense(group, actor, data, series_id=series.id, occurrence=number)
        else:
            owner = db.session.get(User, series.owner_id)
            assert owner is not None
            if owner.is_deleted:
                series.status, series.next_date, series.paused_reason = "ended", None, None
                break
            personal_expenses.add_expense(owner, data, series_id=series.id, occurrence=number)
        series.last_date = series.next_date
        series.occurrences = number
        series.next_index += 1
        _set_next(series)
        created += 1
    return created


Outcome = Literal["created", "paused", "done"]


def lock_series(series_id: int) -> RecurringSeries | None:
    """The series locked, after its group's lock (the order every group write takes), read
    afresh; None when it is gone, or its group is deleted."""
    group_id = db.session.scalar(
        select(RecurringSeries.group_id).where(RecurringSeries.id == series_id)
    )
    if group_id is not None:
        deleted_at = db.session.scalar(
            select(Group.deleted_at).where(Group.id == group_id).with_for_update()
        )
        if deleted_at is not None:  # a deleted group's series wait for its restore
            return None
    return db.session.scalar(
        select(RecurringSeries)
        .where(RecurringSeries.id == series_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def add_next_occurrence(series_id: int, today: date) -> Outcome:
    """One transaction: create the series' next occurrence if it is due, and commit.

    What it raises is left to the caller, after which the caller rolls back.
    """
    series = lock_series(series_id)
    if series is None:
        db.session.rollback()
        return "done"
    created = add_due_occurrences(series, today, at_most=1)
    paused = series.status == "paused"
    db.session.commit()
    if created:
        return "created"
    return "paused" if paused else "done"


def add_due_now(series: RecurringSeries, today: date) -> RecurringSeries:
    """A new or edited series: its first due occurrence in the caller's transaction (which
    this commits), then up to `OCCURRENCES_PER_REQUEST - 1` more, one transaction each.

    A later occurrence that cannot be created now is left to `flask run-recurring`, which
    decides what to do with it (wait for rates, or pause the series and log why): the
    request has done what it was asked, and the series' `next_date` shows what is due.
    """
    add_due_occurrences(series, today, at_most=1)
    db.session.commit()
    series_id = series.id
    for _ in range(OCCURRENCES_PER_REQUEST - 1):
        try:
            if add_next_occurrence(series_id, today) != "created":
                break
        except (ApiError, SQLAlchemyError) as exc:
            db.session.rollback()
            log.info("recurring series %s: left to run-recurring: %r", series_id, exc)
            break
    found = db.session.get(RecurringSeries, series_id)
    assert found is not None
    return found
