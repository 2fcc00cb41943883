"""Recurring series: create, change and end them (each a series of a group or a user's own).

A series' template is checked with the rules of the expense it makes (`templates`), and
creating or resuming one adds the occurrences already due (`occurrences`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select

from expense_tracker.errors import (
    Conflict,
    Forbidden,
    LimitReached,
    NotFound,
    ValidationFailed,
)
from expense_tracker.extensions import db
from expense_tracker.groups.access import current_member_ids
from expense_tracker.models import Group, GroupMember, RecurringSeries, User
from expense_tracker.models.recurring import MAX_SERIES_PER_GROUP
from expense_tracker.recurring import occurrences, templates

RULE_FIELDS = ("frequency", "interval", "start_date", "end_date", "count")


class SeriesNotFound(NotFound):
    detail = "No such recurring expense."


class NotAllowedToChangeSeries(Forbidden):
    detail = "Only the series' creator or an owner of the group may change it."


class SeriesEnded(Conflict):
    detail = "This series has ended; create a new one."


def _set_rule(series: RecurringSeries, rule: Mapping[str, Any]) -> None:
    series.frequency = rule["frequency"]
    series.interval = rule.get("interval", 1)
    series.start_date = rule["start_date"]
    series.end_date = rule.get("end_date")
    series.count = rule.get("count")


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
    occurrences.schedule(series)
    db.session.add(series)
    db.session.flush()
    return occurrences.add_due_now(series, today)


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
    occurrences.schedule(series)
    return occurrences.add_due_now(series, today)


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
