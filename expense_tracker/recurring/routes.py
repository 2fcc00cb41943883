"""Recurring series: /groups/{id}/recurring-expenses/ and /recurring-expenses/ (personal)."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.database import utc_today
from expense_tracker.groups import access
from expense_tracker.http.api import Blueprint, auth_required
from expense_tracker.http.idempotency import idempotent
from expense_tracker.models import RecurringSeries
from expense_tracker.recurring import service
from expense_tracker.recurring.schemas import (
    GroupSeriesCreateSchema,
    GroupSeriesUpdateSchema,
    PersonalSeriesCreateSchema,
    PersonalSeriesUpdateSchema,
    SeriesSchema,
)

blp = Blueprint("recurring", __name__, description="Recurring expenses, group and personal")

Created = tuple[RecurringSeries, dict[str, str]]


@blp.get("/groups/<int:group_id>/recurring-expenses/")
@auth_required()
@blp.response(200, SeriesSchema(many=True))
@blp.errors(404)
def list_group_series(group_id: int) -> list[RecurringSeries]:
    """The group's recurring series, by id"""
    group, _ = access.member_group(group_id, current_user)
    return service.group_series_list(group)


@blp.post("/groups/<int:group_id>/recurring-expenses/")
@auth_required()
@idempotent()
@blp.arguments(GroupSeriesCreateSchema)
@blp.response(201, SeriesSchema)
@blp.errors(404, 409, 422)
def create_group_series(data: dict[str, Any], group_id: int) -> Created:
    """Repeat a shared expense on a rule's dates; up to 12 already due are created at once"""
    group, actor = access.member_group_for_update(group_id, current_user)
    series = service.create_group_series(group, actor, data, utc_today())
    return series, {"Location": f"/groups/{group_id}/recurring-expenses/{series.id}"}


@blp.get("/groups/<int:group_id>/recurring-expenses/<int:series_id>")
@auth_required()
@blp.response(200, SeriesSchema)
@blp.errors(404)
def get_group_series(group_id: int, series_id: int) -> RecurringSeries:
    """One recurring series of the group"""
    group, _ = access.member_group(group_id, current_user)
    return service.group_series(group, series_id)


@blp.patch("/groups/<int:group_id>/recurring-expenses/<int:series_id>")
@auth_required()
@blp.arguments(GroupSeriesUpdateSchema)
@blp.response(200, SeriesSchema)
@blp.errors(403, 404, 409, 422)
def update_group_series(changes: dict[str, Any], group_id: int, series_id: int) -> RecurringSeries:
    """Change the occurrences still to come (its creator or an owner); resumes a paused series"""
    group, actor = access.member_group_for_update(group_id, current_user)
    series = service.group_series(group, series_id, lock=True)
    return service.update_series(series, changes, utc_today(), group=group, actor=actor)


@blp.delete("/groups/<int:group_id>/recurring-expenses/<int:series_id>")
@auth_required()
@blp.response(204)
@blp.errors(403, 404)
def end_group_series(group_id: int, series_id: int) -> None:
    """End the series (its creator or an owner); the expenses it created stay"""
    group, actor = access.member_group_for_update(group_id, current_user)
    series = service.group_series(group, series_id, lock=True)
    service.end_series(series, actor=actor)


@blp.get("/recurring-expenses/")
@auth_required()
@blp.response(200, SeriesSchema(many=True))
def list_personal_series() -> list[RecurringSeries]:
    """My recurring personal expenses, by id"""
    return service.personal_series_list(current_user)


@blp.post("/recurring-expenses/")
@auth_required()
@idempotent()
@blp.arguments(PersonalSeriesCreateSchema)
@blp.response(201, SeriesSchema)
@blp.errors(422)
def create_personal_series(data: dict[str, Any]) -> Created:
    """Repeat a personal expense on a rule's dates; up to 12 already due are created at once"""
    series = service.create_personal_series(current_user, data, utc_today())
    return series, {"Location": f"/recurring-expenses/{series.id}"}


@blp.get("/recurring-expenses/<int:series_id>")
@auth_required()
@blp.response(200, SeriesSchema)
@blp.errors(404)
def get_personal_series(series_id: int) -> RecurringSeries:
    """One of my recurring expenses"""
    return service.personal_series(current_user, series_id)


@blp.patch("/recurring-expenses/<int:series_id>")
@auth_required()
@blp.arguments(PersonalSeriesUpdateSchema)
@blp.response(200, SeriesSchema)
@blp.errors(404, 409, 422)
def update_personal_series(changes: dict[str, Any], series_id: int) -> RecurringSeries:
    """Change the occurrences still to come"""
    series = service.personal_series(current_user, series_id, lock=True)
    return service.update_series(series, changes, utc_today())


@blp.delete("/recurring-expenses/<int:series_id>")
@auth_required()
@blp.response(204)
@blp.errors(404)
def end_personal_series(series_id: int) -> None:
    """End the series; the expenses it created stay"""
    series = service.personal_series(current_user, series_id, lock=True)
    service.end_series(series)
