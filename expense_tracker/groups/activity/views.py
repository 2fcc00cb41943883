"""The activity log: a group's, and that of every group I belong to."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.groups import access
from expense_tracker.groups.activity import log as activity
from expense_tracker.groups.activity.schemas import (
    ActivitySchema,
    GroupActivityQuerySchema,
    MyActivityQuerySchema,
)
from expense_tracker.groups.blueprint import Headers, blp
from expense_tracker.http.api import auth_required
from expense_tracker.pagination import paginate

Entry = dict[str, Any]


@blp.get("/groups/<int:group_id>/activity")
@auth_required()
@blp.arguments(GroupActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
@blp.errors(404, 422)
def group_activity(query: dict[str, Any], group_id: int) -> tuple[list[Entry], Headers]:
    """Every change in the group, newest first, with the subject before and after it"""
    group, _ = access.member_group(group_id, current_user)
    entries, headers = paginate(activity.group_entries(group, query), query["skip"], query["limit"])
    return activity.readable(entries), headers


@blp.get("/users/me/activity")
@auth_required()
@blp.arguments(MyActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
@blp.errors(422)
def my_activity(query: dict[str, Any]) -> tuple[list[Entry], Headers]:
    """The changes in every group I belong to, newest first"""
    statement = activity.my_entries(current_user, query.get("group_id"))
    entries, headers = paginate(statement, query["skip"], query["limit"])
    return activity.readable(entries), headers
