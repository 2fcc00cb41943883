"""/users/me/notifications: what others changed that concerns me."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_jwt_extended import current_user

from expense_tracker.http.api import Blueprint, auth_required
from expense_tracker.notifications import service
from expense_tracker.notifications.schemas import (
    MarkReadSchema,
    NotificationQuerySchema,
    NotificationSchema,
)
from expense_tracker.pagination import paginate

blp = Blueprint(
    "notifications", __name__, description="Notifications of changes others made that concern me"
)

UNREAD_HEADER = "X-Unread-Count"


@blp.get("/users/me/notifications")
@auth_required()
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(
    200,
    NotificationSchema(many=True),
    headers={UNREAD_HEADER: {"description": "How many are unread", "schema": {"type": "integer"}}},
)
@blp.errors(422)
def list_notifications(query: dict[str, Any]) -> Response:
    """My notifications, newest first; `unread=true` for the unread ones only"""
    statement = service.my_notifications(current_user, unread=query["unread"])
    items, headers = paginate(statement, query["skip"], query["limit"])
    response = jsonify(NotificationSchema(many=True).dump(items))
    response.headers.update(headers)
    response.headers[UNREAD_HEADER] = str(service.unread_count(current_user))
    return response


@blp.post("/users/me/notifications/read")
@auth_required()
@blp.arguments(MarkReadSchema)
@blp.response(204)
@blp.errors(422)
def mark_read(data: dict[str, Any]) -> None:
    """Mark notifications read: these `ids`, or every one `up_to` an id"""
    service.mark_read(current_user, data.get("ids"), data.get("up_to"))
