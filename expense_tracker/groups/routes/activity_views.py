"""The activity log: a group's, and that of every group I belong to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_jwt_extended import current_user

from expense_tracker.api import auth_required
from expense_tracker.groups import access, activity
from expense_tracker.groups.routes.blueprint import Headers, blp
from expense_tracker.groups.schemas.activity import (
    ActivitySchema,
    GroupActivityQuerySchema,
    MyActivityQuerySchema,
)
from expense_tracker.models import Activity
from expense_tracker.pagination import paginate


@blp.get("/groups/<int:group_id>/activity")
@auth_required()
@blp.arguments(GroupActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
@blp.errors(404, 422)
def group_activity(query: dict[str, Any], group_id: int) -> tuple[Sequence[Activity], Headers]:
    """Every change in the group, newest first, with the subject before and after it"""
    group, _ = access.member_group(group_id, current_user)
    return paginate(activity.group_entries(group, query), query["skip"], query["limit"])


@blp.get("/users/me/activity")
@auth_required()
@blp.arguments(MyActivityQuerySchema, location="query")
@blp.response(200, ActivitySchema(many=True))
@blp.errors(422)
def my_activity(query: dict[str, Any]) -> tuple[Sequence[Activity], Headers]:
    """The changes in every group I belong to, newest first"""
    statement = activity.my_entries(current_user, query.get("group_id"))
    return paginate(statement, query["skip"], query["limit"])
