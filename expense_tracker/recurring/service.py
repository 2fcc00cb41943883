"""Recurring series: create, change and end them; add their occurrences that are due.

An occurrence is recorded by the same service code as a POSTed expense
(`shared_expenses.add_expense`, `expenses.service.add_expense`): kept balances, kept
counts, splits and conversion all follow. The writer holds the group's row lock (group
series) and the series' own, so an occurrence is decided by one writer at a time, and the
unique (series_id, occurrence) of the expense tables makes a second one impossible anyway.

Each occurrence is its own short transaction (`add_next_occurrence`), so no writer holds
a group's lock for more than one occurrence: a request creating or resuming a series
writes the series with its first due occurrence (what fails there is the request's 422),
then at most `OCCURRENCES_PER_REQUEST - 1` more, one transaction each; an older backlog
is left to `flask run-recurring`, and the series' `next_date` says it is still due.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import SQLAlchemyError

from expense_tracker.domain.dates import Rule, first_index_after, occurrence_date
from expense_tracker.errors import (
    ApiError,
    Conflict,
    Forbidden,
    LimitReached,
    NotFound,
    ValidationFailed,
)
from expense_tracker.expenses import service as personal_expenses
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.groups.expenses import service as shared_expenses
from expense_tracker.models import Group, GroupMember, RecurringSeries, User
from expense_tracker.recurring import templates
from expense_tracker.recurring.schemas import MAX_SERIES_PER_GROUP, OCCURRENCES_PER_REQUEST

log = logging.getLogger(__name__)

MEMBER_LEFT = "member_left"
FAILED = "failed"  # what `flask run-recurring` could not create; the log says why
RULE_FIELDS = ("frequency", "interval", "start_date", "end_date", "count")


class SeriesNotFound(NotFound):
    detail = "No such recurring expense."


class NotAllowedToChangeSeries(Forbidden):
    detail = "Only the series' creator or an owner of the group may change it."


class SeriesEnded(Conflict):
    detail = "This series has ended; create a new one."


def rule_of(series: RecurringSeries) -> Rule:
    """The series' dates; `count` is applied to the occurrences created, not to the index,
    since a PATCHed rule continues the count of the series."""
    return Rule(series.frequency, series.interval, series.start_date, series.end_date)


def _set_rule(series: RecurringSeries, rule: Mapping[str, Any]) -> None:
    series.frequency = rule["frequency"]
    series.interval = rule.get("interval", 1)
    series.start_date = rule["start_date"]
    series.end_date = rule.get("end_date")
    series.count = rule.get("count")


def _schedule(series: RecurringSeries) -> None:
    """Point the series at its rule's first date after the last occurrence created."""
    series.next_index = first_index_after(rule_of(series), series.last_date)
    _set_next(series)


def _set_next(series: RecurringSeries) -> None:
    counted_out = series.count is not None and series.occurrences >= series.count
    day = None if counted_out else occurrence_date(rule_of(series), series.next_index)
    series.next_date = day
    if day is None:
        series.status, series.paused_reason = "ended", None


def _pause(series: RecurringSeries, reason: str) -> None:
    series.status, series.paused_reason = "paused", reason


# --------------------------------------------------------------------------- occurrences


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
                _pause(series, MEMBER_LEFT)
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


def _add_due_now(series: RecurringSeries, today: date) -> RecurringSeries:
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


# --------------------------------------------------------------------------- group series


def _series_list(scope: ColumnElement[bool]) -> list[RecurringSeries]:
    statement = select(RecurringSeries).where(scope).order_by(RecurringSeries.id)
    return list(db.session.scalars(statement))


def _one_series(scope: ColumnElement[bool], series_id: int, *, lock: bool) -> RecurringSeries:
    """Series `series_id` within `scope` (a group's, a user's); 404 outside it."""
    statement = select(RecurringSeries).where(RecurringSeries.id == series_id, scope)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    series = db.session.scalar(statement)
    if series is None:
        raise SeriesNotFound()
    return series


def group_series_list(group: Group) -> list[RecurringSeries]:
    return _series_list(RecurringSeries.group_id == group.id)


def group_series(group: Group, series_id: int, *, lock: bool = False) -> RecurringSeries:
    """Series `series_id` of `group`; 404 if it is not this group's."""
    return _one_series(RecurringSeries.group_id == group.id, series_id, lock=lock)


def create_group_series(
    group: Group, actor: GroupMember, data: Mapping[str, Any], today: date
) -> RecurringSeries:
    """A new series of `group` (whose row lock the caller holds, so the count below stays
    true until the series is written); 409 when the group has its fill of them."""
    _check_room(group)
    template = data["template"]
    templates.check_group_template(group, template, current_member_ids(group.id))
    series = RecurringSeries(
        group_id=group.id,
        created_by=actor.user_id,
        template=templates.stored_form(template, group.currency),
        status="active",
        occurrences=0,
    )
    return _start(series, data["rule"], today)


def _check_room(group: Group) -> None:
    # Ended series cost the runner nothing; those still running or paused count.
    live = db.session.scalar(
        select(func.count())
        .select_from(RecurringSeries)
        .where(RecurringSeries.group_id == group.id, RecurringSeries.status != "ended")
    )
    if live is not None and live >= MAX_SERIES_PER_GROUP:
        raise LimitReached(
            f"A group holds at most {MAX_SERIES_PER_GROUP} recurring series (active or "
            "paused); end one first."
        )


def _start(series: RecurringSeries, rule: Mapping[str, Any], today: date) -> RecurringSeries:
    """Give a new series its rule, store it and create the occurrences already due; commit."""
    _set_rule(series, rule)
    _schedule(series)
    db.session.add(series)
    db.session.flush()
    return _add_due_now(series, today)


def _may_change(actor: GroupMember, series: RecurringSeries) -> None:
    if not (actor.is_owner or series.created_by == actor.user_id):
        raise NotAllowedToChangeSeries()


def update_series(
    series: RecurringSeries,
    changes: Mapping[str, Any],
    today: date,
    *,
    group: Group | None = None,
    actor: GroupMember | None = None,
) -> RecurringSeries:
    """Change the template and/or the rule for the occurrences still to come.

    Occurrences already created stay as they are. A new rule continues after the last one
    created; a paused series is active again, and occurrences due meanwhile are created.
    """
    if actor is not None:
        _may_change(actor, series)
    if series.status == "ended":
        raise SeriesEnded()
    if "template" in changes:
        series.template = templates.merged(series, changes["template"])
    template = templates.load(series)
    if group is not None:
        members = current_member_ids(group.id)
        templates.check_group_template(group, template, members)
        if not templates.default_payer(series, template) <= members:
            raise ValidationFailed.field(
                "template.paid_by",
                "The series' creator has left the group: say who pays (paid_by or payers).",
            )
    else:
        templates.check_personal_template(template, template["currency"])
    if "rule" in changes:
        rule = {name: getattr(series, name) for name in RULE_FIELDS}
        for name, value in changes["rule"].items():
            rule[name] = value
            if name in ("end_date", "count") and value is not None:
                rule["count" if name == "end_date" else "end_date"] = None
        if rule["end_date"] is not None and rule["end_date"] < rule["start_date"]:
            raise ValidationFailed.field("rule.end_date", "Must not be before start_date.")
        if rule["count"] is not None and rule["count"] < series.occurrences:
            raise ValidationFailed.field(
                "rule.count", f"{series.occurrences} occurrences exist already."
            )
        _set_rule(series, rule)
    series.status, series.paused_reason = "active", None
    _schedule(series)
    return _add_due_now(series, today)


def end_series(series: RecurringSeries, *, actor: GroupMember | None = None) -> None:
    """End a series; the expenses it created stay."""
    if actor is not None:
        _may_change(actor, series)
    series.status, series.paused_reason, series.next_date = "ended", None, None
    db.session.commit()


# --------------------------------------------------------------------------- personal series


def personal_series_list(user: User) -> list[RecurringSeries]:
    return _series_list(RecurringSeries.owner_id == user.id)


def personal_series(user: User, series_id: int, *, lock: bool = False) -> RecurringSeries:
    """The user's series `series_id`; 404 for anyone else's."""
    return _one_series(RecurringSeries.owner_id == user.id, series_id, lock=lock)


def create_personal_series(user: User, data: Mapping[str, Any], today: date) -> RecurringSeries:
    template = data["template"]
    templates.check_personal_template(template, user.default_currency)
    series = RecurringSeries(
        owner_id=user.id,
        created_by=user.id,
        template=templates.stored_form(template, user.default_currency),
        status="active",
        occurrences=0,
    )
    return _start(series, data["rule"], today)
